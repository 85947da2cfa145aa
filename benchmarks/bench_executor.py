"""Executor overhead on no-op steps against a plain ``asyncio.gather`` baseline.

Measured in one process and run: 1, 100 and 10,000 no-op steps in one stage,
6 stages x 100 steps, the cost of a stage transition, and peak traced memory.
Each figure is the median of several repetitions.

Run: ``python3 benchmarks/run.py --only executor`` (or this file directly).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from omninode_bridge.agents.coordination import SignalCoordinator
from omninode_bridge.agents.metrics import MetricsCollector
from omninode_bridge.agents.scheduler import DependencyAwareScheduler
from omninode_bridge.agents.workflows import (
    EnumStepType,
    StagedParallelExecutor,
    WorkflowStage,
    WorkflowStep,
)


async def _noop_handler(step: WorkflowStep, context: dict[str, Any]) -> None:
    return None


async def _noop() -> None:
    return None


def _stages(stage_count: int, steps_per_stage: int) -> list[WorkflowStage]:
    return [
        WorkflowStage(
            stage_id=f"stage_{s}",
            stage_number=s + 1,
            steps=[
                WorkflowStep(f"s{s}_{i}", EnumStepType.PARALLEL, _noop_handler)
                for i in range(steps_per_stage)
            ],
        )
        for s in range(stage_count)
    ]


async def _time(func: Callable[[], Awaitable[object]]) -> float:
    gc.collect()
    start = time.perf_counter()
    await func()
    return (time.perf_counter() - start) * 1000


async def _median(func: Callable[[], Awaitable[object]], repeats: int) -> float:
    return statistics.median([await _time(func) for _ in range(repeats)])


async def _case(
    stage_count: int, steps: int, repeats: int, observed: bool
) -> dict[str, float | int | bool]:
    stages = _stages(stage_count, steps)
    metrics = MetricsCollector(buffer_size=100_000) if observed else None
    coordinator = SignalCoordinator(metrics_collector=metrics) if observed else None
    if coordinator is not None:
        coordinator.subscribe(lambda s: None)
    executor = StagedParallelExecutor(
        DependencyAwareScheduler(),
        metrics_collector=metrics,
        signal_coordinator=coordinator,
        max_parallel_tasks=10,
    )

    async def run_executor() -> None:
        result = await executor.execute_workflow("bench", stages)
        if coordinator is not None:
            await coordinator.drain()
        assert result.success

    async def run_gather() -> None:
        for _ in range(stage_count):
            await asyncio.gather(*(_noop() for _ in range(steps)))

    await run_executor()  # warm-up
    await run_gather()
    executor_ms = await _median(run_executor, repeats)
    gather_ms = await _median(run_gather, repeats)
    if coordinator is not None:
        await coordinator.close()
    return {
        "stages": stage_count,
        "steps_per_stage": steps,
        "observed": observed,
        "executor_ms": round(executor_ms, 3),
        "gather_ms": round(gather_ms, 3),
        "ratio_to_gather": round(executor_ms / gather_ms, 3) if gather_ms else 0.0,
        "executor_us_per_step": round(executor_ms * 1000 / (stage_count * steps), 3),
    }


async def _stage_transition(stage_count: int, repeats: int) -> dict[str, float]:
    """Per-stage cost: N one-step stages vs one stage, divided by the extra stages."""
    many = _stages(stage_count, 1)
    one = _stages(1, 1)
    executor = StagedParallelExecutor(DependencyAwareScheduler())

    async def run_many() -> None:
        await executor.execute_workflow("many", many)

    async def run_one() -> None:
        await executor.execute_workflow("one", one)

    await run_many()
    many_ms = await _median(run_many, repeats)
    one_ms = await _median(run_one, repeats)
    return {
        "stages": stage_count,
        "per_stage_transition_ms": round((many_ms - one_ms) / (stage_count - 1), 4),
        "between_stages_gap_ms": round(executor.get_statistics()["avg_stage_transition_ms"], 4),
    }


async def _peak_memory(steps: int) -> dict[str, float]:
    stages = _stages(1, steps)
    executor = StagedParallelExecutor(DependencyAwareScheduler())
    gc.collect()
    tracemalloc.start()
    await executor.execute_workflow("mem", stages)
    _, exec_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    await asyncio.gather(*(_noop() for _ in range(steps)))
    _, gather_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "steps": steps,
        "executor_peak_mib": round(exec_peak / 2**20, 3),
        "gather_peak_mib": round(gather_peak / 2**20, 3),
    }


async def _run(quick: bool) -> dict[str, Any]:
    repeats = 3 if quick else 7
    big = 2_000 if quick else 10_000
    cases = [(1, 1), (1, 100), (1, big), (6, 100)]
    results = [await _case(st, sp, repeats, observed=False) for st, sp in cases]
    results.append(await _case(1, big, repeats, observed=True))
    return {
        "cases": results,
        "stage_transition": await _stage_transition(50, repeats),
        "memory": await _peak_memory(big),
        "targets": {
            "ratio_10k_steps_to_gather_max": 3.0,
            "stage_transition_ms_max": 1.0,
        },
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Run the executor benchmark and return its figures."""
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    try:
        return asyncio.run(_run(quick))
    finally:
        # Later benchmarks in the same process measure logging; give them their config back.
        structlog.configure(**saved)


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
