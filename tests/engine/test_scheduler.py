"""DependencyAwareScheduler: waves, dependency results, limits, failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from omninode_bridge.agents.scheduler import (
    DependencyAwareScheduler,
    RetryPolicy,
    TaskContext,
    TaskStatus,
)
from omninode_bridge.errors import CycleError, WorkflowDefinitionError


async def _no_sleep(_: float) -> None:
    return None


def value(v: Any):  # type: ignore[no-untyped-def]
    async def run(ctx: TaskContext) -> Any:
        return v

    return run


async def test_schedule_builds_waves() -> None:
    s = DependencyAwareScheduler()
    s.add_task("a", value(1))
    s.add_task("b", value(2), dependencies=["a"])
    s.add_task("c", value(3), dependencies=["a"])
    s.add_task("d", value(4), dependencies=["b", "c"])
    assert [w.task_ids for w in s.schedule()] == [("a",), ("b", "c"), ("d",)]


async def test_tasks_receive_dependency_results() -> None:
    s = DependencyAwareScheduler()
    s.add_task("a", value(20))
    s.add_task("b", value(22))

    async def add(ctx: TaskContext) -> int:
        return int(ctx.dependency_results["a"]) + int(ctx.dependency_results["b"])

    s.add_task("sum", add, dependencies=["a", "b"], metadata={"kind": "sum"})
    result = await s.execute()
    assert result.success
    assert result.task_results["sum"] == 42
    assert [w.task_count for w in result.waves] == [2, 1]


async def test_failed_task_skips_dependents_but_not_others() -> None:
    s = DependencyAwareScheduler(sleep=_no_sleep)

    async def boom(ctx: TaskContext) -> None:
        raise RuntimeError("boom")

    s.add_task("bad", boom)
    s.add_task("good", value(1))
    s.add_task("after_bad", value(2), dependencies=["bad"])
    s.add_task("after_good", value(3), dependencies=["good"])
    result = await s.execute()
    assert not result.success
    assert result.outcomes["bad"].status is TaskStatus.FAILED
    assert result.outcomes["after_bad"].status is TaskStatus.SKIPPED
    assert result.outcomes["after_good"].status is TaskStatus.COMPLETED
    assert "RuntimeError: boom" in result.task_errors["bad"]
    assert "'bad'" in result.task_errors["after_bad"]


async def test_concurrency_limit_is_respected() -> None:
    s = DependencyAwareScheduler(max_concurrent=3)
    active = 0
    peak = 0
    release = asyncio.Event()

    async def work(ctx: TaskContext) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        if active == 3:
            release.set()
        await release.wait()
        await asyncio.sleep(0)
        active -= 1

    for i in range(12):
        s.add_task(f"t{i}", work)
    result = await s.execute()
    assert result.success
    assert peak == 3
    assert result.peak_concurrency == 3


async def test_retries_then_success() -> None:
    delays: list[float] = []

    async def sleep(d: float) -> None:
        delays.append(d)

    s = DependencyAwareScheduler(retry_policy=RetryPolicy(initial_delay=1, jitter=0), sleep=sleep)
    calls = 0

    async def flaky(ctx: TaskContext) -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise OSError("again")
        return "done"

    s.add_task("flaky", flaky, retry_count=2)
    result = await s.execute()
    assert result.outcomes["flaky"].attempts == 3
    assert delays == [1, 2]


async def test_task_timeout_fails_task() -> None:
    s = DependencyAwareScheduler()
    never = asyncio.Event()

    async def hang(ctx: TaskContext) -> None:
        await never.wait()

    s.add_task("hang", hang, timeout_seconds=0.01)
    result = await s.execute()
    assert result.outcomes["hang"].status is TaskStatus.FAILED
    assert "exceeded timeout" in (result.outcomes["hang"].error or "")


def test_cycle_is_rejected_before_running() -> None:
    s = DependencyAwareScheduler()
    s.add_task("a", value(1), dependencies=["b"])
    s.add_task("b", value(1), dependencies=["a"])
    with pytest.raises(CycleError):
        s.schedule()


def test_duplicate_task_rejected() -> None:
    s = DependencyAwareScheduler()
    s.add_task("a", value(1))
    with pytest.raises(WorkflowDefinitionError):
        s.add_task("a", value(1))


async def test_speedup_is_measured_from_durations() -> None:
    clock_values = iter([0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0])

    def clock() -> float:
        return next(clock_values)

    s = DependencyAwareScheduler(clock=clock)
    s.add_task("a", value(1))
    s.add_task("b", value(2))
    result = await s.execute()
    assert result.total_duration_ms == 1000.0
    assert result.sequential_duration_ms == 2000.0
    assert result.parallelism == result.speedup_ratio == 2.0


def test_clear_removes_tasks() -> None:
    s = DependencyAwareScheduler()
    s.add_task("a", value(1))
    s.clear()
    assert s.schedule() == []
