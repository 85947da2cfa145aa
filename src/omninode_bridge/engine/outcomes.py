"""What a staged run comes to: result records, error lines and lifetime totals.

The executor runs steps; this module turns what happened into the records of
:mod:`.models` (a failed, skipped or never-started step; a stage's status and
error), the run's error lines and generated files, and the executor's
lifetime :class:`Totals` with the metrics reported for each finished run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from omninode_bridge.engine.models import (
    NOT_MEASURED,
    EnumStageStatus,
    EnumStepStatus,
    ExecutorStatistics,
    StageResult,
    StepResult,
    WorkflowResult,
    WorkflowStage,
    WorkflowStep,
)
from omninode_bridge.errors import StepTimeoutError
from omninode_bridge.ports import MetricsRecorder

__all__ = [
    "Totals",
    "account",
    "as_mapping",
    "errors_of",
    "failed_step",
    "file_records",
    "generated_files",
    "not_run",
    "skipped_stage",
    "stage_result",
    "statistics",
    "timed_out",
]


@dataclass(slots=True)
class Totals:
    """Running sums over an executor's lifetime."""

    workflows: int = 0
    successful: int = 0
    stages: int = 0
    steps: int = 0
    failed_steps: int = 0
    retries: int = 0
    workflow_ms: float = 0.0
    stage_ms: float = 0.0
    speedups: list[float] = field(default_factory=list)
    parallelism: float = 0.0
    transitions: int = 0
    transition_ms: float = 0.0


def statistics(t: Totals) -> ExecutorStatistics:
    """The averages and counts of ``t`` as an :class:`ExecutorStatistics`."""
    return ExecutorStatistics(
        total_workflows=t.workflows,
        successful_workflows=t.successful,
        failed_workflows=t.workflows - t.successful,
        total_stages=t.stages,
        total_steps=t.steps,
        failed_steps=t.failed_steps,
        total_retries=t.retries,
        avg_workflow_duration_ms=t.workflow_ms / t.workflows if t.workflows else 0.0,
        avg_stage_duration_ms=t.stage_ms / t.stages if t.stages else 0.0,
        avg_speedup=sum(t.speedups) / len(t.speedups) if t.speedups else NOT_MEASURED,
        avg_stage_transition_ms=t.transition_ms / t.transitions if t.transitions else 0.0,
        avg_parallelism=t.parallelism / t.workflows if t.workflows else 0.0,
    )


def account(
    t: Totals,
    result: WorkflowResult,
    retries: int,
    collector: MetricsRecorder | None,
    correlation_id: str,
) -> None:
    """Add one finished run to ``t`` and report its metrics to ``collector``."""
    t.workflows += 1
    t.successful += int(result.success)
    t.retries += retries
    t.workflow_ms += result.total_duration_ms
    t.parallelism += result.parallelism
    if result.speedup_measured:
        t.speedups.append(result.overall_speedup)
    for stage in result.stage_results:
        if stage.status is EnumStageStatus.SKIPPED:
            continue
        t.stages += 1
        t.stage_ms += stage.duration_ms
        t.steps += stage.total_steps
        t.failed_steps += stage.failed_steps
    if collector is None:
        return
    tags = {"workflow_id": result.workflow_id, "success": str(result.success).lower()}
    collector.record_timing(
        "workflow_execution_time_ms", result.total_duration_ms, tags, correlation_id
    )
    collector.record_gauge(
        "workflow_parallelism_ratio", result.parallelism, "ratio", tags, correlation_id
    )
    if result.speedup_measured:
        collector.record_gauge(
            "workflow_speedup_ratio", result.overall_speedup, "ratio", tags, correlation_id
        )
    collector.record_counter(
        "workflow_steps_total",
        sum(s.total_steps for s in result.stage_results),
        tags,
        correlation_id,
    )
    if retries:
        collector.record_counter("workflow_step_retries", retries, tags, correlation_id)


def skipped_stage(stage: WorkflowStage, reason: str) -> StageResult:
    """A stage that did not run, every step SKIPPED for ``reason``."""
    steps = [
        StepResult(s.step_id, stage.stage_id, EnumStepStatus.SKIPPED, error=reason)
        for s in stage.steps
    ]
    return StageResult(
        stage.stage_id, stage.stage_number, EnumStageStatus.SKIPPED, steps, 0.0, error=reason
    )


def not_run(stage: WorkflowStage, step: WorkflowStep, reason: str | None) -> StepResult:
    """A step the stage stopped before starting."""
    return StepResult(
        step.step_id, stage.stage_id, EnumStepStatus.SKIPPED, error=f"not started: {reason}"
    )


def stage_result(
    stage: WorkflowStage,
    steps: list[StepResult],
    wall_ms: float,
    timed_out: bool,
    stop_reason: str | None,
    timeout: float,
) -> StageResult:
    """The record of a stage that ran: its status, first error and parallelism."""
    step_ms = sum(s.duration_ms for s in steps)
    parallelism = step_ms / wall_ms if wall_ms > 0 else 1.0
    failed = [s for s in steps if s.status in (EnumStepStatus.FAILED, EnumStepStatus.CANCELLED)]
    completed = sum(1 for s in steps if s.status is EnumStepStatus.COMPLETED)
    error: str | None = None
    if timed_out:
        error = stop_reason
    elif failed and not (stage.allow_partial_failure and completed > 0):
        first = failed[0]
        error = f"step {first.step_id!r} {first.status.value}: {first.error}"
    status = EnumStageStatus.FAILED if error else EnumStageStatus.COMPLETED
    return StageResult(
        stage.stage_id,
        stage.stage_number,
        status,
        steps,
        wall_ms,
        error=error,
        timed_out=timed_out,
        timeout_seconds=timeout,
        parallelism=parallelism,
    )


def failed_step(
    stage: WorkflowStage, step: WorkflowStep, exc: Exception, duration_ms: float
) -> StepResult:
    """The record of a step whose every attempt failed, the last with ``exc``."""
    attempts = step.retry_count + 1
    timed_out = isinstance(exc, StepTimeoutError)
    message = str(exc) if timed_out else f"{type(exc).__name__}: {exc}"
    if attempts > 1:
        message = f"{message} (after {attempts} attempts)"
    return StepResult(
        step.step_id,
        stage.stage_id,
        EnumStepStatus.FAILED,
        None,
        message,
        type(exc).__name__,
        attempts,
        duration_ms,
    )


def errors_of(result: StageResult) -> list[str]:
    """The run's error lines for one stage."""
    lines = [
        f"stage {result.stage_id!r} step {s.step_id!r} {s.status.value}: {s.error}"
        for s in result.step_results
        if s.status in (EnumStepStatus.FAILED, EnumStepStatus.CANCELLED)
    ]
    if result.status is EnumStageStatus.SKIPPED:
        lines.append(f"stage {result.stage_id!r} skipped: {result.error}")
    elif result.timed_out:
        lines.append(f"stage {result.stage_id!r} failed: {result.error}")
    return lines


def as_mapping(output: object) -> Mapping[str, Any]:
    """A step handler's return value as its result mapping."""
    if output is None:
        return {}
    if isinstance(output, Mapping):
        return output
    return {"result": output}


def generated_files(results: Iterable[Mapping[str, Any]]) -> list[str]:
    """The files the steps' results name, first mention first, without repeats."""
    files: list[str] = []
    for result in results:
        many = result.get("generated_files")
        if isinstance(many, list | tuple):
            files.extend(str(f) for f in many)
        one = result.get("generated_file")
        if isinstance(one, str):
            files.append(one)
    return list(dict.fromkeys(files))


def file_records(results: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str | None, int | None]]:
    """``path -> (sha256, size)`` from the steps' results' ``file_records`` where given."""
    records: dict[str, tuple[str | None, int | None]] = {}
    for result in results:
        many = result.get("file_records")
        if isinstance(many, Mapping):
            for path, (sha256, size) in many.items():
                records[str(path)] = (sha256, size)
    return records


def timed_out(result: WorkflowResult) -> bool:
    """Whether the stage that failed ``result`` timed out."""
    stage = result.get_stage(result.failed_stage) if result.failed_stage else None
    return stage is not None and stage.timed_out
