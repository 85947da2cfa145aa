"""StagedParallelExecutor: runs workflow stages in order, their steps in parallel.

Behaviour, in short (the README's "Engine semantics" section has the full
contract):

- Stages run one after another in ``stage_number`` order (stable for equal
  numbers). A stage whose dependency failed or was skipped is skipped.
- Inside a stage, consecutive PARALLEL steps run concurrently on at most
  ``max_parallel_tasks`` workers; a SEQUENTIAL step waits for everything
  before it and blocks everything after it.
- Each step attempt has ``step.timeout_seconds``; failures and timeouts are
  retried ``step.retry_count`` times with capped, jittered exponential backoff
  (the scheduler's retry policy and sleep, so tests never wait).
- A stage has ``min(stage.timeout_seconds, stage_timeout_seconds)``; when it
  expires, the steps still running are cancelled and awaited.
- With ``enable_fast_fail`` the first failed step of a stage that does not
  ``allow_partial_failure`` cancels the stage's running steps, and no later
  stage runs. Without it, the stage finishes its steps, fails, and only the
  stages depending on it are skipped.
- ``execute_workflow`` raises as the API Reference says: ``StageTimeoutError``
  (a ``TimeoutError``) when a stage exceeded its timeout, and, with
  ``enable_fast_fail``, ``WorkflowFailedError`` (a ``RuntimeError``) for any
  other failure; both carry the run's ``WorkflowResult`` as ``.result``.
  Without fast-fail a failed run (other than a timeout) is returned with
  ``success=False``, ``failed_stage`` and ``errors``. An invalid definition is
  a ``WorkflowDefinitionError`` (a ``ValueError``; ``CycleError`` names the
  cycle).
- Nothing keeps running after ``execute_workflow`` returns.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from pydantic import ValidationError

from omninode_bridge.engine.backends import ExecutionBackend, InLoopBackend
from omninode_bridge.engine.dag import DependencyGraph
from omninode_bridge.engine.models import (
    NOT_MEASURED,
    EnumStageStatus,
    EnumStepStatus,
    EnumStepType,
    ExecutorStatistics,
    StagedExecutorConfig,
    StageResult,
    StepResult,
    WorkflowConfig,
    WorkflowResult,
    WorkflowStage,
    WorkflowStep,
    measured_or_none,
)
from omninode_bridge.engine.retry import RetryAttempt, call_with_retry
from omninode_bridge.engine.scheduler import DependencyAwareScheduler
from omninode_bridge.engine.signals import Signal, SignalCoordinator, SignalType
from omninode_bridge.errors import (
    ConfigError,
    StageTimeoutError,
    StepTimeoutError,
    WorkflowDefinitionError,
)
from omninode_bridge.logs import get_logger
from omninode_bridge.ports import MetricsRecorder

__all__ = ["StagedParallelExecutor"]

log = get_logger(__name__, component="executor")


class _StopStage(Exception):
    """Raised inside a stage to cancel its remaining steps (fast-fail)."""


@dataclass(slots=True)
class _Run:
    """Mutable state of one workflow execution."""

    workflow_id: str
    correlation_id: str
    context: dict[str, Any]
    step_results: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    stage_results: dict[str, StageResult] = field(default_factory=dict)
    retries: int = 0


@dataclass(slots=True)
class _Totals:
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


class StagedParallelExecutor:
    """Orchestrates a staged pipeline with parallel step execution.

    Args:
        scheduler: Validates stage dependencies and supplies the retry policy
            and sleep function used for step retries.
        metrics_collector: Receives workflow, stage and step timings.
        signal_coordinator: Receives lifecycle signals.
        max_parallel_tasks: Steps of one stage running at once, at most.
        stage_timeout_seconds: Upper bound on any stage's time.
        enable_fast_fail: Stop at the first failed stage and cancel its running steps.
        backend: Where steps run their CPU-bound work (``await
            executor.backend.run(fn, *args)``): the event loop (default),
            worker processes or a Dask cluster (:mod:`.backends`).

    Example:
        ```python
        executor = StagedParallelExecutor(scheduler=DependencyAwareScheduler())
        result = await executor.execute_workflow("session-1", stages)
        print(result.success, result.total_duration_ms, result.overall_speedup)
        ```
    """

    def __init__(
        self,
        scheduler: DependencyAwareScheduler | None = None,
        metrics_collector: MetricsRecorder | None = None,
        signal_coordinator: SignalCoordinator | None = None,
        max_parallel_tasks: int = 10,
        stage_timeout_seconds: float = 300,
        enable_fast_fail: bool = True,
        backend: ExecutionBackend | None = None,
    ) -> None:
        if max_parallel_tasks < 1:
            raise ValueError("max_parallel_tasks must be >= 1")
        if stage_timeout_seconds <= 0:
            raise ValueError("stage_timeout_seconds must be > 0")
        self.scheduler = scheduler or DependencyAwareScheduler()
        self.metrics_collector = metrics_collector
        self.signal_coordinator = signal_coordinator
        self.max_parallel_tasks = max_parallel_tasks
        self.stage_timeout_seconds = stage_timeout_seconds
        self.enable_fast_fail = enable_fast_fail
        self.backend: ExecutionBackend = backend or InLoopBackend()
        self._totals = _Totals()

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any] | WorkflowConfig | StagedExecutorConfig,
        *,
        scheduler: DependencyAwareScheduler | None = None,
        metrics_collector: MetricsRecorder | None = None,
        signal_coordinator: SignalCoordinator | None = None,
    ) -> StagedParallelExecutor:
        """Build an executor from a ``WORKFLOW_CONFIG`` dict (whole or its section).

        Raises:
            ConfigError: Unknown keys or invalid values, named in the message.
        """
        try:
            if isinstance(config, WorkflowConfig):
                section = config.staged_executor
            elif isinstance(config, StagedExecutorConfig):
                section = config
            elif "staged_executor" in config:
                section = WorkflowConfig.model_validate(config).staged_executor
            else:
                section = StagedExecutorConfig.model_validate(config)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ConfigError(f"invalid workflow configuration: {problems}") from exc
        return cls(
            scheduler=scheduler,
            metrics_collector=metrics_collector,
            signal_coordinator=signal_coordinator,
            max_parallel_tasks=section.max_parallel_tasks,
            stage_timeout_seconds=section.stage_timeout_seconds,
            enable_fast_fail=section.enable_fast_fail,
        )

    # -- public API ----------------------------------------------------------

    async def execute_workflow(
        self,
        workflow_id: str,
        stages: Sequence[WorkflowStage],
        context: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
        baseline_ms: float | None = None,
    ) -> WorkflowResult:
        """Execute every stage and return the run's result.

        ``baseline_ms`` is the measured wall time of the same workflow run
        with one worker (``max_parallel_tasks=1``); when given, the result's
        ``overall_speedup`` is ``baseline_ms`` over this run's wall time.
        Without it ``overall_speedup`` is NaN: not measured.

        Raises:
            WorkflowDefinitionError: Invalid stages (duplicate ids, unknown or
                out-of-order dependencies; ``CycleError`` for a cycle).
            StageTimeoutError: A stage exceeded its timeout (a ``TimeoutError``;
                ``.result`` is the run's result).
            WorkflowFailedError: The run failed and fast-fail is enabled (a
                ``RuntimeError``; ``.result`` is the run's result).
        """
        ordered = self._plan(stages)
        bound = structlog.contextvars.get_contextvars()
        correlation_id = correlation_id or bound.get("correlation_id") or str(uuid.uuid4())
        run = _Run(workflow_id, correlation_id, dict(context or {}))
        with structlog.contextvars.bound_contextvars(
            correlation_id=correlation_id, workflow_id=workflow_id
        ):
            result = await self._execute(run, ordered, baseline_ms)
        if result.success or (not self.enable_fast_fail and not _timed_out(result)):
            return result
        return result.raise_for_failure()

    async def execute_stage(self, stage: WorkflowStage, context: dict[str, Any]) -> StageResult:
        """Execute one stage on its own.

        ``context`` becomes the workflow context; its ``workflow_id`` and
        ``correlation_id`` keys are used when present.
        """
        self._plan([stage])
        run = _Run(
            str(context.get("workflow_id", f"stage-{stage.stage_id}")),
            str(context.get("correlation_id") or uuid.uuid4()),
            dict(context),
        )
        result = await self._run_stage(stage, run)
        self._totals.stages += 1
        self._totals.stage_ms += result.duration_ms
        return result

    def get_statistics(self) -> dict[str, Any]:
        """Totals over this executor's lifetime.

        Keys: total_workflows, successful_workflows, failed_workflows,
        total_stages, total_steps, failed_steps, total_retries,
        avg_workflow_duration_ms, avg_stage_duration_ms, avg_speedup (mean of
        the measured ``overall_speedup`` values, NaN when none was measured),
        avg_stage_transition_ms, avg_parallelism (mean summed step time over
        wall time).
        """
        stats = self.get_statistics_record()
        return {name: getattr(stats, name) for name in stats.__slots__}

    def get_statistics_record(self) -> ExecutorStatistics:
        """Typed form of :meth:`get_statistics`."""
        t = self._totals
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

    # -- planning ------------------------------------------------------------

    def _plan(self, stages: Sequence[WorkflowStage]) -> list[WorkflowStage]:
        if not stages:
            raise WorkflowDefinitionError("a workflow needs at least one stage")
        graph = DependencyGraph()
        step_ids: set[str] = set()
        for stage in stages:
            if not stage.stage_id:
                raise WorkflowDefinitionError("stage_id must be a non-empty string")
            if stage.timeout_seconds <= 0:
                raise WorkflowDefinitionError(
                    f"stage {stage.stage_id!r}: timeout_seconds must be > 0"
                )
            graph.add(stage.stage_id, stage.dependencies)
            for step in stage.steps:
                self._check_step(stage, step, step_ids)
        graph.validate()
        ordered = sorted(stages, key=lambda s: s.stage_number)
        position = {s.stage_id: i for i, s in enumerate(ordered)}
        for stage in ordered:
            for dep in stage.dependencies:
                if position[dep] > position[stage.stage_id]:
                    raise WorkflowDefinitionError(
                        f"stage {stage.stage_id!r} (number {stage.stage_number}) depends on "
                        f"{dep!r}, which runs later; give {dep!r} a lower stage_number"
                    )
        return ordered

    @staticmethod
    def _check_step(stage: WorkflowStage, step: WorkflowStep, seen: set[str]) -> None:
        where = f"stage {stage.stage_id!r} step {step.step_id!r}"
        if not step.step_id:
            raise WorkflowDefinitionError(f"stage {stage.stage_id!r}: step_id must be non-empty")
        if step.step_id in seen:
            raise WorkflowDefinitionError(f"duplicate step id {step.step_id!r}")
        seen.add(step.step_id)
        if not callable(step.handler):
            raise WorkflowDefinitionError(f"{where}: handler is not callable")
        if not isinstance(step.step_type, EnumStepType):
            raise WorkflowDefinitionError(f"{where}: step_type must be an EnumStepType")
        if step.timeout_seconds <= 0:
            raise WorkflowDefinitionError(f"{where}: timeout_seconds must be > 0")
        if step.retry_count < 0:
            raise WorkflowDefinitionError(f"{where}: retry_count must be >= 0")

    # -- execution -----------------------------------------------------------

    async def _execute(
        self, run: _Run, ordered: list[WorkflowStage], baseline_ms: float | None
    ) -> WorkflowResult:
        self._emit(SignalType.WORKFLOW_STARTED, run, data={"stages": len(ordered)})
        log.info("workflow.started", stages=len(ordered))
        start = time.perf_counter()
        results: list[StageResult] = []
        errors: list[str] = []
        failed_stage: str | None = None
        last_end: float | None = None
        for stage in ordered:
            reason = self._skip_reason(stage, run, failed_stage)
            if last_end is not None:
                self._totals.transitions += 1
                self._totals.transition_ms += (time.perf_counter() - last_end) * 1000
            if reason is not None:
                stage_result = self._skipped(stage, reason)
                self._emit(SignalType.STAGE_SKIPPED, run, stage.stage_id, error=reason)
            else:
                stage_result = await self._run_stage(stage, run)
            last_end = time.perf_counter()
            run.stage_results[stage.stage_id] = stage_result
            results.append(stage_result)
            errors.extend(self._errors_of(stage_result))
            if stage_result.status is EnumStageStatus.FAILED and failed_stage is None:
                failed_stage = stage.stage_id
        wall_ms = (time.perf_counter() - start) * 1000
        step_ms = sum(s.duration_ms for r in results for s in r.step_results)
        parallelism = step_ms / wall_ms if wall_ms > 0 else 1.0
        speedup = baseline_ms / wall_ms if baseline_ms is not None and wall_ms > 0 else NOT_MEASURED
        success = all(r.status is EnumStageStatus.COMPLETED for r in results)
        result = WorkflowResult(
            workflow_id=run.workflow_id,
            success=success,
            stage_results=results,
            total_duration_ms=wall_ms,
            overall_speedup=speedup,
            failed_stage=failed_stage,
            errors=errors,
            generated_files=_generated_files(run.step_results.values()),
            correlation_id=run.correlation_id,
            parallelism=parallelism,
        )
        self._account(result, run)
        self._emit(
            SignalType.WORKFLOW_COMPLETED if success else SignalType.WORKFLOW_FAILED,
            run,
            duration_ms=wall_ms,
            error=None if success else (errors[0] if errors else "failed"),
            data={
                "parallelism": parallelism,
                "speedup": measured_or_none(speedup),
                "failed_stage": failed_stage,
            },
        )
        log.info(
            "workflow.finished",
            success=success,
            duration_ms=round(wall_ms, 3),
            parallelism=round(parallelism, 3),
            speedup=measured_or_none(speedup),
            failed_stage=failed_stage,
        )
        return result

    def _skip_reason(self, stage: WorkflowStage, run: _Run, failed_stage: str | None) -> str | None:
        if failed_stage is not None and self.enable_fast_fail:
            return f"not run: stage {failed_stage!r} failed and fast-fail is enabled"
        for dep in stage.dependencies:
            status = run.stage_results[dep].status
            if status is not EnumStageStatus.COMPLETED:
                return f"dependency {dep!r} {status.value}"
        return None

    @staticmethod
    def _skipped(stage: WorkflowStage, reason: str) -> StageResult:
        steps = [
            StepResult(s.step_id, stage.stage_id, EnumStepStatus.SKIPPED, error=reason)
            for s in stage.steps
        ]
        return StageResult(
            stage.stage_id, stage.stage_number, EnumStageStatus.SKIPPED, steps, 0.0, error=reason
        )

    async def _run_stage(self, stage: WorkflowStage, run: _Run) -> StageResult:
        timeout = min(stage.timeout_seconds, self.stage_timeout_seconds)
        fail_fast = self.enable_fast_fail and not stage.allow_partial_failure
        records: dict[str, StepResult] = {}
        self._emit(SignalType.STAGE_STARTED, run, stage.stage_id, data={"steps": len(stage.steps)})
        start = time.perf_counter()
        timed_out = False
        stop_reason: str | None = None
        try:
            async with asyncio.timeout(timeout):
                for group in _groups(stage.steps):
                    await self._run_group(stage, group, run, records, fail_fast)
        except TimeoutError:
            timed_out = True
            stop_reason = str(StageTimeoutError(stage.stage_id, timeout))
        except _StopStage as stop:
            stop_reason = str(stop)
        wall_ms = (time.perf_counter() - start) * 1000
        steps = [
            records.get(s.step_id) or self._not_run(stage, s, stop_reason) for s in stage.steps
        ]
        result = self._stage_result(stage, steps, wall_ms, timed_out, stop_reason, timeout)
        self._emit(
            SignalType.STAGE_COMPLETED
            if result.status is EnumStageStatus.COMPLETED
            else SignalType.STAGE_FAILED,
            run,
            stage.stage_id,
            duration_ms=wall_ms,
            error=result.error,
            data={
                "stage_number": stage.stage_number,
                "successful_steps": result.completed_steps,
                "failed_steps": result.failed_steps,
                "parallelism": result.parallelism,
            },
        )
        if self.metrics_collector is not None:
            self.metrics_collector.record_timing(
                "workflow_stage_execution_time_ms",
                wall_ms,
                {
                    "workflow_id": run.workflow_id,
                    "stage_id": stage.stage_id,
                    "status": result.status.value,
                },
                run.correlation_id,
            )
        log.info(
            "stage.finished",
            stage_id=stage.stage_id,
            status=result.status.value,
            duration_ms=round(wall_ms, 3),
            steps=len(steps),
            failed_steps=result.failed_steps,
        )
        return result

    @staticmethod
    def _not_run(stage: WorkflowStage, step: WorkflowStep, reason: str | None) -> StepResult:
        return StepResult(
            step.step_id, stage.stage_id, EnumStepStatus.SKIPPED, error=f"not started: {reason}"
        )

    def _stage_result(
        self,
        stage: WorkflowStage,
        steps: list[StepResult],
        wall_ms: float,
        timed_out: bool,
        stop_reason: str | None,
        timeout: float,
    ) -> StageResult:
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

    async def _run_group(
        self,
        stage: WorkflowStage,
        group: list[WorkflowStep],
        run: _Run,
        records: dict[str, StepResult],
        fail_fast: bool,
    ) -> None:
        shared = {
            **run.context,
            "workflow_id": run.workflow_id,
            "correlation_id": run.correlation_id,
            "stage_id": stage.stage_id,
            "step_results": dict(run.step_results),
            "stage_results": dict(run.stage_results),
        }
        pending = iter(group)

        async def worker() -> None:
            for step in pending:
                record = await self._run_step(stage, step, shared, run, records)
                if fail_fast and record.status is EnumStepStatus.FAILED:
                    raise _StopStage(f"step {step.step_id!r} failed: {record.error}")

        workers = min(self.max_parallel_tasks, len(group))
        if workers <= 1:
            await worker()
            return
        try:
            async with asyncio.TaskGroup() as task_group:
                for _ in range(workers):
                    task_group.create_task(worker())
        except* _StopStage as stopped:
            raise stopped.exceptions[0] from None

    async def _run_step(
        self,
        stage: WorkflowStage,
        step: WorkflowStep,
        shared: Mapping[str, Any],
        run: _Run,
        records: dict[str, StepResult],
    ) -> StepResult:
        ctx = {**step.context, **shared, "step_id": step.step_id, "step_context": step.context}
        coordinator = self.signal_coordinator
        if coordinator is not None:
            self._emit(SignalType.STEP_STARTED, run, stage.stage_id, step.step_id)

        def on_retry(attempt: RetryAttempt) -> None:
            run.retries += 1
            self._emit(
                SignalType.STEP_RETRIED,
                run,
                stage.stage_id,
                step.step_id,
                error=f"{type(attempt.error).__name__}: {attempt.error}",
                data={"attempt": attempt.attempt, "delay_seconds": attempt.delay_seconds},
            )

        start = time.perf_counter()
        try:
            output, attempts = await call_with_retry(
                lambda: step.handler(step, ctx),
                retries=step.retry_count,
                timeout_seconds=step.timeout_seconds,
                policy=self.scheduler.retry_policy,
                sleep=self.scheduler.sleep,
                on_retry=on_retry,
                timeout_id=step.step_id,
            )
        except asyncio.CancelledError:
            records[step.step_id] = StepResult(
                step.step_id,
                stage.stage_id,
                EnumStepStatus.CANCELLED,
                error="cancelled while running",
                duration_ms=(time.perf_counter() - start) * 1000,
            )
            raise
        except Exception as exc:
            record = self._failed(stage, step, exc, (time.perf_counter() - start) * 1000)
            records[step.step_id] = record
            self._emit(
                SignalType.STEP_FAILED,
                run,
                stage.stage_id,
                step.step_id,
                duration_ms=record.duration_ms,
                error=record.error,
            )
            log.info(
                "step.failed", stage_id=stage.stage_id, step_id=step.step_id, error=record.error
            )
            return record
        duration_ms = (time.perf_counter() - start) * 1000
        result = _as_mapping(output)
        run.step_results[step.step_id] = result
        record = StepResult(
            step.step_id,
            stage.stage_id,
            EnumStepStatus.COMPLETED,
            result,
            None,
            None,
            attempts,
            duration_ms,
        )
        records[step.step_id] = record
        if coordinator is not None:
            self._emit(
                SignalType.STEP_COMPLETED,
                run,
                stage.stage_id,
                step.step_id,
                duration_ms=duration_ms,
                data={"attempts": attempts},
            )
        return record

    @staticmethod
    def _failed(
        stage: WorkflowStage, step: WorkflowStep, exc: Exception, duration_ms: float
    ) -> StepResult:
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

    @staticmethod
    def _errors_of(result: StageResult) -> list[str]:
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

    def _account(self, result: WorkflowResult, run: _Run) -> None:
        t = self._totals
        t.workflows += 1
        t.successful += int(result.success)
        t.retries += run.retries
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
        collector = self.metrics_collector
        if collector is not None:
            tags = {"workflow_id": result.workflow_id, "success": str(result.success).lower()}
            collector.record_timing(
                "workflow_execution_time_ms", result.total_duration_ms, tags, run.correlation_id
            )
            collector.record_gauge(
                "workflow_parallelism_ratio", result.parallelism, "ratio", tags, run.correlation_id
            )
            if result.speedup_measured:
                collector.record_gauge(
                    "workflow_speedup_ratio",
                    result.overall_speedup,
                    "ratio",
                    tags,
                    run.correlation_id,
                )
            collector.record_counter(
                "workflow_steps_total",
                sum(s.total_steps for s in result.stage_results),
                tags,
                run.correlation_id,
            )
            if run.retries:
                collector.record_counter(
                    "workflow_step_retries", run.retries, tags, run.correlation_id
                )

    def _emit(
        self,
        signal_type: SignalType,
        run: _Run,
        stage_id: str | None = None,
        step_id: str | None = None,
        *,
        duration_ms: float | None = None,
        error: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        coordinator = self.signal_coordinator
        if coordinator is None:
            return
        coordinator.emit(
            Signal(
                signal_type=signal_type,
                workflow_id=run.workflow_id,
                stage_id=stage_id,
                step_id=step_id,
                correlation_id=run.correlation_id,
                duration_ms=duration_ms,
                error=error,
                data=data or {},
            )
        )


def _groups(steps: Sequence[WorkflowStep]) -> list[list[WorkflowStep]]:
    """Split steps into runs: consecutive PARALLEL steps together, SEQUENTIAL alone."""
    groups: list[list[WorkflowStep]] = []
    for step in steps:
        if (
            step.step_type is EnumStepType.PARALLEL
            and groups
            and groups[-1][0].step_type is EnumStepType.PARALLEL
        ):
            groups[-1].append(step)
        else:
            groups.append([step])
    return groups


def _as_mapping(output: object) -> Mapping[str, Any]:
    if output is None:
        return {}
    if isinstance(output, Mapping):
        return output
    return {"result": output}


def _generated_files(results: Any) -> list[str]:
    files: list[str] = []
    for result in results:
        many = result.get("generated_files")
        if isinstance(many, list | tuple):
            files.extend(str(f) for f in many)
        one = result.get("generated_file")
        if isinstance(one, str):
            files.append(one)
    return list(dict.fromkeys(files))


def _timed_out(result: WorkflowResult) -> bool:
    """Whether the stage that failed ``result`` timed out."""
    stage = result.get_stage(result.failed_stage) if result.failed_stage else None
    return stage is not None and stage.timed_out
