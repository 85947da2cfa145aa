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
- ``execute_stage`` (one stage on its own) raises as the reference says too:
  ``StageTimeoutError`` on a timeout and ``StageFailedError`` (a
  ``RuntimeError``) when a step failed, fast-fail or not; both carry the
  ``StageResult`` as ``.result``.
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
from omninode_bridge.engine.models import (
    NOT_MEASURED,
    EnumStageStatus,
    EnumStepStatus,
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
from omninode_bridge.engine.outcomes import (
    Totals,
    account,
    as_mapping,
    errors_of,
    failed_step,
    generated_files,
    not_run,
    skipped_stage,
    stage_result,
    statistics,
    timed_out,
)
from omninode_bridge.engine.planning import plan_stages, step_groups
from omninode_bridge.engine.retry import RetryAttempt, call_with_retry
from omninode_bridge.engine.scheduler import DependencyAwareScheduler
from omninode_bridge.engine.signals import Signal, SignalCoordinator, SignalType
from omninode_bridge.errors import ConfigError, StageFailedError, StageTimeoutError
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
        self._totals = Totals()

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
        ordered = plan_stages(stages)
        bound = structlog.contextvars.get_contextvars()
        correlation_id = correlation_id or bound.get("correlation_id") or str(uuid.uuid4())
        run = _Run(workflow_id, correlation_id, dict(context or {}))
        with structlog.contextvars.bound_contextvars(
            correlation_id=correlation_id, workflow_id=workflow_id
        ):
            result = await self._execute(run, ordered, baseline_ms)
        if result.success or (not self.enable_fast_fail and not timed_out(result)):
            return result
        return result.raise_for_failure()

    async def execute_stage(self, stage: WorkflowStage, context: dict[str, Any]) -> StageResult:
        """Execute one stage on its own and return its result.

        ``context`` becomes the workflow context; its ``workflow_id`` and
        ``correlation_id`` keys are used when present. A stage that completes
        (``allow_partial_failure`` with at least one step done included) is
        returned.

        Raises:
            WorkflowDefinitionError: The stage is invalid (a duplicate step id,
                a dependency on another stage, a bad timeout).
            StageTimeoutError: The stage exceeded its timeout (a
                ``TimeoutError``; ``.result`` is the ``StageResult``).
            StageFailedError: A step failed, with or without fast-fail (a
                ``RuntimeError``; ``.result`` is the ``StageResult``).
        """
        plan_stages([stage])
        run = _Run(
            str(context.get("workflow_id", f"stage-{stage.stage_id}")),
            str(context.get("correlation_id") or uuid.uuid4()),
            dict(context),
        )
        result = await self._run_stage(stage, run)
        self._totals.stages += 1
        self._totals.stage_ms += result.duration_ms
        if result.timed_out:
            raise StageTimeoutError(stage.stage_id, result.timeout_seconds or 0, result=result)
        if result.status is EnumStageStatus.FAILED:
            raise StageFailedError(result)
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
        return statistics(self._totals)

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
                stage_result = skipped_stage(stage, reason)
                self._emit(SignalType.STAGE_SKIPPED, run, stage.stage_id, error=reason)
            else:
                stage_result = await self._run_stage(stage, run)
            last_end = time.perf_counter()
            run.stage_results[stage.stage_id] = stage_result
            results.append(stage_result)
            errors.extend(errors_of(stage_result))
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
            generated_files=generated_files(run.step_results.values()),
            correlation_id=run.correlation_id,
            parallelism=parallelism,
        )
        account(self._totals, result, run.retries, self.metrics_collector, run.correlation_id)
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
                for group in step_groups(stage.steps):
                    await self._run_group(stage, group, run, records, fail_fast)
        except TimeoutError:
            timed_out = True
            stop_reason = str(StageTimeoutError(stage.stage_id, timeout))
        except _StopStage as stop:
            stop_reason = str(stop)
        wall_ms = (time.perf_counter() - start) * 1000
        steps = [records.get(s.step_id) or not_run(stage, s, stop_reason) for s in stage.steps]
        result = stage_result(stage, steps, wall_ms, timed_out, stop_reason, timeout)
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
            record = failed_step(stage, step, exc, (time.perf_counter() - start) * 1000)
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
        result = as_mapping(output)
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
