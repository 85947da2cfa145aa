"""DependencyAwareScheduler: runs a task DAG wave by wave under a concurrency limit.

Tasks are added with their dependencies, validated (unknown ids, cycles named),
grouped into waves (every task in a wave depends only on earlier waves) and run
with a per-task timeout and retries. A task whose dependency failed is skipped,
not run. Clock and sleep are injectable so tests never wait for real.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from omninode_bridge.engine.dag import DependencyGraph
from omninode_bridge.engine.retry import (
    RetryPolicy,
    SleepFunc,
    call_with_retry,
)
from omninode_bridge.errors import WorkflowDefinitionError
from omninode_bridge.logs import get_logger

__all__ = [
    "DependencyAwareScheduler",
    "ExecutionResult",
    "ScheduledTask",
    "TaskContext",
    "TaskOutcome",
    "TaskStatus",
    "Wave",
    "WaveSummary",
]

log = get_logger(__name__, component="scheduler")

_EMPTY: Mapping[str, Any] = {}


class TaskStatus(str, Enum):
    """Outcome of one task."""

    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class TaskContext:
    """What a task's executor receives."""

    task_id: str
    dependency_results: Mapping[str, Any]
    metadata: Mapping[str, Any]
    context: Mapping[str, Any]


TaskExecutor = Callable[[TaskContext], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class ScheduledTask:
    """A task definition."""

    task_id: str
    executor: TaskExecutor
    dependencies: tuple[str, ...] = ()
    timeout_seconds: float | None = 300.0
    retry_count: int = 0
    metadata: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class Wave:
    """Tasks that can run together: each depends only on earlier waves."""

    wave_number: int
    task_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """Result of one task."""

    task_id: str
    status: TaskStatus
    result: Any = None
    error: str | None = None
    attempts: int = 0
    duration_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class WaveSummary:
    """Timing of one executed wave."""

    wave_number: int
    task_count: int
    duration_ms: float
    failed: int


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """Result of :meth:`DependencyAwareScheduler.execute`."""

    outcomes: Mapping[str, TaskOutcome]
    waves: tuple[WaveSummary, ...]
    total_duration_ms: float
    peak_concurrency: int

    @property
    def success(self) -> bool:
        """True when every task completed."""
        return all(o.status is TaskStatus.COMPLETED for o in self.outcomes.values())

    @property
    def task_results(self) -> dict[str, Any]:
        """Results of completed tasks by id."""
        return {k: o.result for k, o in self.outcomes.items() if o.status is TaskStatus.COMPLETED}

    @property
    def task_errors(self) -> dict[str, str]:
        """Errors of failed and skipped tasks by id."""
        return {k: o.error or "" for k, o in self.outcomes.items() if o.error is not None}

    @property
    def sequential_duration_ms(self) -> float:
        """Sum of task durations: what running them one by one would have cost."""
        return sum(o.duration_ms for o in self.outcomes.values())

    @property
    def parallelism(self) -> float:
        """Sum of task durations over wall time: tasks in flight on average."""
        if self.total_duration_ms <= 0:
            return 1.0
        return self.sequential_duration_ms / self.total_duration_ms

    @property
    def speedup_ratio(self) -> float:
        """Alias of :attr:`parallelism` kept for the seed API.

        It is not a measured speedup: a task's duration includes time spent
        waiting for the CPU while other tasks run.
        """
        if self.total_duration_ms <= 0:
            return 1.0
        return self.sequential_duration_ms / self.total_duration_ms


class DependencyAwareScheduler:
    """Schedules and runs tasks with dependencies.

    Args:
        max_concurrent: Tasks running at once, at most.
        retry_policy: Backoff between retries of a failing task.
        sleep: Awaitable sleep used for backoff (inject a fake in tests).
        clock: Monotonic clock in seconds used for durations.

    Example:
        ```python
        scheduler = DependencyAwareScheduler(max_concurrent=4)
        scheduler.add_task("parse", parse)
        scheduler.add_task("models", build_models, dependencies=["parse"])
        result = await scheduler.execute()
        ```
    """

    def __init__(
        self,
        max_concurrent: int = 10,
        *,
        retry_policy: RetryPolicy | None = None,
        sleep: SleepFunc = asyncio.sleep,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be >= 1")
        self.max_concurrent = max_concurrent
        self.retry_policy = retry_policy or RetryPolicy()
        self.sleep = sleep
        self.clock = clock
        self._tasks: dict[str, ScheduledTask] = {}

    # -- building ------------------------------------------------------------

    def add_task(
        self,
        task_id: str,
        executor: TaskExecutor,
        dependencies: Iterable[str] = (),
        timeout_seconds: float | None = 300.0,
        retry_count: int = 0,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Add a task; raises WorkflowDefinitionError on a duplicate id."""
        if task_id in self._tasks:
            raise WorkflowDefinitionError(f"duplicate task id {task_id!r}")
        if retry_count < 0:
            raise WorkflowDefinitionError(f"task {task_id!r}: retry_count must be >= 0")
        self._tasks[task_id] = ScheduledTask(
            task_id,
            executor,
            tuple(dependencies),
            timeout_seconds,
            retry_count,
            dict(metadata) if metadata else _EMPTY,
        )

    def clear(self) -> None:
        """Remove every task."""
        self._tasks.clear()

    def get_dag(self) -> DependencyGraph:
        """The dependency graph of the tasks added so far."""
        return DependencyGraph.from_mapping(
            {t.task_id: t.dependencies for t in self._tasks.values()}
        )

    def schedule(self) -> list[Wave]:
        """Validate the graph and group tasks into waves.

        Raises:
            WorkflowDefinitionError: A dependency names an unknown task.
            CycleError: The dependencies form a cycle (named in the message).
        """
        return [Wave(i + 1, tuple(ids)) for i, ids in enumerate(self.get_dag().waves())]

    # -- running -------------------------------------------------------------

    async def execute(self, context: Mapping[str, Any] | None = None) -> ExecutionResult:
        """Run every task, wave by wave, and report each outcome.

        A task whose dependency failed or was skipped is skipped. Nothing keeps
        running after this returns: on cancellation every started task is
        cancelled and awaited.
        """
        waves = self.schedule()
        shared = context or _EMPTY
        outcomes: dict[str, TaskOutcome] = {}
        summaries: list[WaveSummary] = []
        semaphore = asyncio.Semaphore(self.max_concurrent)
        active = 0
        peak = 0
        start = self.clock()

        async def run(task: ScheduledTask) -> None:
            nonlocal active, peak
            async with semaphore:
                active += 1
                peak = max(peak, active)
                try:
                    outcomes[task.task_id] = await self._run_task(task, outcomes, shared)
                finally:
                    active -= 1

        for wave in waves:
            wave_start = self.clock()
            runnable: list[ScheduledTask] = []
            for task_id in wave.task_ids:
                task = self._tasks[task_id]
                blocked = [
                    d for d in task.dependencies if outcomes[d].status is not TaskStatus.COMPLETED
                ]
                if blocked:
                    outcomes[task_id] = TaskOutcome(
                        task_id,
                        TaskStatus.SKIPPED,
                        error=f"dependency {blocked[0]!r} did not complete",
                    )
                else:
                    runnable.append(task)
            async with asyncio.TaskGroup() as group:
                for task in runnable:
                    group.create_task(run(task))
            failed = sum(1 for t in wave.task_ids if outcomes[t].status is not TaskStatus.COMPLETED)
            summaries.append(
                WaveSummary(
                    wave.wave_number, len(wave.task_ids), (self.clock() - wave_start) * 1000, failed
                )
            )
        return ExecutionResult(outcomes, tuple(summaries), (self.clock() - start) * 1000, peak)

    async def _run_task(
        self,
        task: ScheduledTask,
        outcomes: Mapping[str, TaskOutcome],
        shared: Mapping[str, Any],
    ) -> TaskOutcome:
        ctx = TaskContext(
            task.task_id,
            {d: outcomes[d].result for d in task.dependencies},
            task.metadata,
            shared,
        )
        start = self.clock()
        try:
            result, attempts = await call_with_retry(
                lambda: task.executor(ctx),
                retries=task.retry_count,
                timeout_seconds=task.timeout_seconds,
                policy=self.retry_policy,
                sleep=self.sleep,
                timeout_id=task.task_id,
            )
        except Exception as exc:
            log.info("task.failed", task_id=task.task_id, error=repr(exc))
            return TaskOutcome(
                task.task_id,
                TaskStatus.FAILED,
                error=f"{type(exc).__name__}: {exc}",
                attempts=task.retry_count + 1,
                duration_ms=(self.clock() - start) * 1000,
            )
        return TaskOutcome(
            task.task_id,
            TaskStatus.COMPLETED,
            result,
            None,
            attempts,
            (self.clock() - start) * 1000,
        )
