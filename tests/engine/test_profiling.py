"""PerformanceProfiler and PerformanceOptimizer."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.agents.scheduler import DependencyAwareScheduler
from omninode_bridge.agents.workflows import (
    EnumStepType,
    StagedParallelExecutor,
    WorkflowStage,
    WorkflowStep,
)
from omninode_bridge.engine.profiling import (
    OptimizationArea,
    OptimizationPriority,
    PerformanceOptimizer,
    PerformanceProfiler,
)


def test_timing_stats_percentiles() -> None:
    profiler = PerformanceProfiler()
    for value in range(1, 101):
        profiler.record("render", float(value))
    stats = profiler.get_timing_stats("render")
    assert (stats.count, stats.min_ms, stats.max_ms) == (100, 1.0, 100.0)
    assert (stats.p50_ms, stats.p95_ms, stats.p99_ms) == (50.0, 95.0, 99.0)
    assert stats.average_ms == pytest.approx(50.5)


async def test_profile_workflow_and_hot_paths() -> None:
    profiler = PerformanceProfiler()

    async def workflow() -> None:
        async with profiler.profile_operation("heavy"):
            await asyncio.sleep(0.004)
        async with profiler.profile_operation("light"):
            await asyncio.sleep(0)

    result = await profiler.profile_workflow(workflow, iterations=3)
    assert result.iterations == 3
    assert result.operations["workflow"].count == 3
    assert result.operations["heavy"].count == 3
    hot = profiler.analyze_hot_paths(result, threshold=0.5)
    assert [h.operation_name for h in hot] == ["heavy"]
    assert hot[0].bottleneck_score > 0.5


async def test_memory_profiling_reports_peak() -> None:
    profiler = PerformanceProfiler(enable_memory_profiling=True)

    async def allocate() -> None:
        data = [bytes(1024) for _ in range(1000)]
        del data

    result = await profiler.profile_workflow(allocate, iterations=1)
    assert result.peak_memory_mb is not None and result.peak_memory_mb > 0.5


@dataclass
class Stats:
    hit_rate: float
    hits: int
    misses: int


class FakeTemplates:
    def __init__(self, directory: Path) -> None:
        self.search_path = (directory,)
        self.preloaded: list[tuple[str, Any]] = []

    def get_cache_stats(self) -> Stats:
        return Stats(0.5, 5, 5)

    async def preload_templates(self, templates: list[tuple[str, Any]]) -> None:
        self.preloaded.extend(templates)


async def test_optimizer_recommends_and_applies_cache_and_parallel(tmp_path: Path) -> None:
    (tmp_path / "node_effect_v1.j2").write_text("x")
    (tmp_path / "model_v1.j2").write_text("y")
    templates = FakeTemplates(tmp_path)
    executor = StagedParallelExecutor(DependencyAwareScheduler(), max_parallel_tasks=1)

    async def step(s: WorkflowStep, c: dict[str, Any]) -> None:
        await asyncio.sleep(0.01)  # four of these: 40 ms one by one, ~10 ms side by side

    stages = [
        WorkflowStage(
            "x", 1, [WorkflowStep(f"s{i}", EnumStepType.PARALLEL, step) for i in range(4)]
        )
    ]

    async def workflow() -> None:
        await executor.execute_workflow("wf", stages)

    optimizer = PerformanceOptimizer(
        PerformanceProfiler(), template_manager=templates, staged_executor=executor
    )
    report = await optimizer.optimize_workflow("wf", workflow, iterations=2)
    areas = {r.area: r.priority for r in report.recommendations}
    assert areas[OptimizationArea.TEMPLATE_CACHE] is OptimizationPriority.CRITICAL
    assert OptimizationArea.PARALLEL_EXECUTION in areas
    assert [t for t, _ in templates.preloaded] == ["model_v1", "node_effect_v1"]
    assert executor.max_parallel_tasks >= 2
    assert report.baseline_time_ms > 0
    # measured: the workflow profiled again after raising max_parallel_tasks
    assert report.estimated_speedup == report.baseline_time_ms / report.optimized_time_ms
    assert report.estimated_speedup > 2.5
    assert report.recommendations[0].priority is OptimizationPriority.CRITICAL


async def test_no_recommendations_without_measurements() -> None:
    optimizer = PerformanceOptimizer(PerformanceProfiler())
    report = await optimizer.optimize_workflow("wf")
    assert report.recommendations == []
    assert math.isnan(report.estimated_speedup)  # nothing profiled: nothing to report


def test_recommendation_areas_are_the_api_references() -> None:
    assert {a.value for a in OptimizationArea} == {"cache", "parallel", "memory", "io"}
    assert OptimizationArea.TEMPLATE_CACHE is OptimizationArea.CACHE
    assert OptimizationArea("parallel") is OptimizationArea.PARALLEL_EXECUTION


def test_tune_parallel_execution_defaults_to_twelve_tasks() -> None:
    executor = StagedParallelExecutor(DependencyAwareScheduler(), max_parallel_tasks=2)
    optimizer = PerformanceOptimizer(PerformanceProfiler(), staged_executor=executor)

    optimizer.tune_parallel_execution()

    assert executor.max_parallel_tasks == 12


def test_tune_parallel_execution_keeps_a_higher_limit_and_refuses_nonsense() -> None:
    executor = StagedParallelExecutor(DependencyAwareScheduler(), max_parallel_tasks=32)
    optimizer = PerformanceOptimizer(PerformanceProfiler(), staged_executor=executor)

    optimizer.tune_parallel_execution(target_concurrency=8)

    assert executor.max_parallel_tasks == 32
    with pytest.raises(ValueError, match="target_concurrency"):
        optimizer.tune_parallel_execution(target_concurrency=0)


async def test_tune_parallel_execution_honours_target_speedup() -> None:
    executor = StagedParallelExecutor(DependencyAwareScheduler(), max_parallel_tasks=4)

    async def step(s: WorkflowStep, c: dict[str, Any]) -> None:
        await asyncio.sleep(0.01)

    stages = [
        WorkflowStage(
            "x", 1, [WorkflowStep(f"s{i}", EnumStepType.PARALLEL, step) for i in range(4)]
        )
    ]
    await executor.execute_workflow("wf", stages)
    optimizer = PerformanceOptimizer(PerformanceProfiler(), staged_executor=executor)
    optimizer.tune_parallel_execution(target_speedup=2.0)  # measured ~4 in flight: met
    assert executor.max_parallel_tasks == 4
    optimizer.tune_parallel_execution(target_speedup=9.0)
    assert executor.max_parallel_tasks >= 9
