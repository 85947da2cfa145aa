"""Performance profiling and optimisation of workflows.

:class:`PerformanceProfiler` times named operations (``profile_operation``),
runs a workflow function several times (``profile_workflow``), and finds hot
paths. :class:`PerformanceOptimizer` turns a profile plus the template cache
and executor statistics into prioritised recommendations, and applies the
ones it can (preloading templates, raising the executor's parallelism).
"""

from __future__ import annotations

import contextlib
import math
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omninode_bridge.logs import get_logger

if TYPE_CHECKING:
    from omninode_bridge.engine.executor import StagedParallelExecutor
    from omninode_bridge.ports import MetricsRecorder

__all__ = [
    "HotPath",
    "OptimizationArea",
    "OptimizationPriority",
    "OptimizationRecommendation",
    "PerformanceOptimizer",
    "PerformanceProfiler",
    "PerformanceReport",
    "ProfileResult",
    "TimingStats",
]

log = get_logger(__name__, component="profiling")


class OptimizationArea(str, Enum):
    """Where a recommendation applies: the API Reference's ``cache, parallel, memory, io``.

    ``TEMPLATE_CACHE`` and ``PARALLEL_EXECUTION`` are other names of ``CACHE``
    and ``PARALLEL``.
    """

    CACHE = "cache"
    PARALLEL = "parallel"
    MEMORY = "memory"
    IO = "io"
    TEMPLATE_CACHE = "cache"  # noqa: PIE796 - an alias by design
    PARALLEL_EXECUTION = "parallel"  # noqa: PIE796 - an alias by design


class OptimizationPriority(str, Enum):
    """How urgent a recommendation is (CRITICAL first)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for CRITICAL up to 3 for LOW; sorts recommendations by urgency."""
        return list(OptimizationPriority).index(self)


@dataclass(frozen=True, slots=True)
class TimingStats:
    """Distribution of one operation's durations, in milliseconds."""

    operation_name: str
    count: int
    total_ms: float
    average_ms: float
    min_ms: float
    max_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


@dataclass(frozen=True, slots=True)
class HotPath:
    """An operation taking at least a threshold share of the profiled time."""

    operation_name: str
    total_ms: float
    bottleneck_score: float

    @property
    def is_critical(self) -> bool:
        """More than half of all profiled time."""
        return self.bottleneck_score > 0.5


@dataclass(frozen=True, slots=True)
class ProfileResult:
    """Timings of every operation seen while profiling a workflow."""

    iterations: int
    total_ms: float
    operations: Mapping[str, TimingStats]
    peak_memory_mb: float | None = None

    def bottleneck_score(self, operation_name: str) -> float:
        """The operation's share of the summed operation time."""
        total = sum(s.total_ms for s in self.operations.values())
        stats = self.operations.get(operation_name)
        return stats.total_ms / total if stats and total > 0 else 0.0


@dataclass(frozen=True, slots=True)
class OptimizationRecommendation:
    """Optimisation recommendation.

    Attributes:
        area: Optimisation area.
        priority: Priority level.
        description: What is wrong, with the measured value.
        estimated_impact: Expected effect, in words.
        confidence: Confidence in the estimate (0.0-1.0).
        implementation: What to change.
    """

    area: OptimizationArea
    priority: OptimizationPriority
    description: str
    estimated_impact: str
    confidence: float
    implementation: str


@dataclass(frozen=True, slots=True)
class PerformanceReport:
    """Performance optimisation report.

    Attributes:
        workflow_id: Workflow identifier.
        estimated_speedup: Measured, never a formula: the mean run time profiled
            before the optimiser applied its changes over the mean run time
            profiled after them (same function, same iteration count); 1.0 when
            it profiled the workflow and changed nothing; NaN when there was no
            workflow to profile or the changes were not applied (nothing to
            measure).
        baseline_time_ms: Mean measured time of one workflow run.
        optimized_time_ms: Mean measured time of one run after the changes
            (``baseline_time_ms`` when nothing changed, NaN when not measured).
        recommendations: Sorted most urgent first.
        applied_optimizations: What the optimiser changed.
        profiling_overhead_ms: Time spent profiling beyond the runs themselves.
    """

    workflow_id: str
    estimated_speedup: float
    baseline_time_ms: float
    optimized_time_ms: float
    recommendations: list[OptimizationRecommendation] = field(default_factory=list)
    applied_optimizations: list[str] = field(default_factory=list)
    profiling_overhead_ms: float = 0.0


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return ordered[index]


class PerformanceProfiler:
    """Times operations and workflows.

    Args:
        metrics_collector: Receives ``profile_<operation>_ms`` timings.
        enable_memory_profiling: Track peak memory with tracemalloc (slower).
        enable_io_profiling: Accepted for API compatibility; I/O is timed as an operation.
    """

    def __init__(
        self,
        metrics_collector: MetricsRecorder | None = None,
        enable_memory_profiling: bool = False,
        enable_io_profiling: bool = True,
    ) -> None:
        self.metrics_collector = metrics_collector
        self.enable_memory_profiling = enable_memory_profiling
        self.enable_io_profiling = enable_io_profiling
        self._samples: dict[str, list[float]] = {}

    @contextlib.asynccontextmanager
    async def profile_operation(
        self, operation_name: str, metadata: Mapping[str, Any] | None = None
    ) -> AsyncIterator[None]:
        """Time the body of the ``async with`` block under ``operation_name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            self._samples.setdefault(operation_name, []).append(elapsed)
            if self.metrics_collector is not None:
                tags = {k: str(v) for k, v in (metadata or {}).items()}
                self.metrics_collector.record_timing(f"profile_{operation_name}_ms", elapsed, tags)

    def record(self, operation_name: str, duration_ms: float) -> None:
        """Add a duration measured elsewhere."""
        self._samples.setdefault(operation_name, []).append(duration_ms)

    def get_timing_stats(self, operation_name: str) -> TimingStats:
        """p50/p95/p99, min, max and mean of the operation's durations."""
        samples = sorted(self._samples.get(operation_name, []))
        total = sum(samples)
        return TimingStats(
            operation_name=operation_name,
            count=len(samples),
            total_ms=total,
            average_ms=total / len(samples) if samples else 0.0,
            min_ms=samples[0] if samples else 0.0,
            max_ms=samples[-1] if samples else 0.0,
            p50_ms=_percentile(samples, 0.50),
            p95_ms=_percentile(samples, 0.95),
            p99_ms=_percentile(samples, 0.99),
        )

    def reset(self) -> None:
        """Forget every sample."""
        self._samples.clear()

    async def profile_workflow(
        self,
        workflow_func: Callable[..., Awaitable[Any]],
        iterations: int = 10,
        **kwargs: Any,
    ) -> ProfileResult:
        """Run ``workflow_func(**kwargs)`` ``iterations`` times, timing each run.

        Operations timed inside the function with :meth:`profile_operation`
        appear in the result next to the ``workflow`` operation itself.
        """
        if iterations < 1:
            raise ValueError("iterations must be >= 1")
        self.reset()
        tracing = self.enable_memory_profiling and not tracemalloc.is_tracing()
        if tracing:
            tracemalloc.start()
        start = time.perf_counter()
        try:
            for _ in range(iterations):
                async with self.profile_operation("workflow"):
                    await workflow_func(**kwargs)
            peak = tracemalloc.get_traced_memory()[1] / 2**20 if tracing else None
        finally:
            if tracing:
                tracemalloc.stop()
        total = (time.perf_counter() - start) * 1000
        operations = {name: self.get_timing_stats(name) for name in self._samples}
        return ProfileResult(iterations, total, operations, peak)

    def analyze_hot_paths(
        self, profile_data: ProfileResult, threshold: float = 0.20
    ) -> list[HotPath]:
        """Operations (other than the whole ``workflow``) taking >= ``threshold`` of the time."""
        inner = {k: v for k, v in profile_data.operations.items() if k != "workflow"}
        total = sum(s.total_ms for s in inner.values())
        if total <= 0:
            return []
        paths = [
            HotPath(name, stats.total_ms, stats.total_ms / total)
            for name, stats in inner.items()
            if stats.total_ms / total >= threshold
        ]
        return sorted(paths, key=lambda p: -p.bottleneck_score)


class PerformanceOptimizer:
    """Turns measurements into recommendations and applies the safe ones.

    Args:
        profiler: The profiler used to measure workflows.
        template_manager: Its ``get_cache_stats()`` feeds cache advice, and its
            ``preload_templates`` is used to apply it.
        staged_executor: Its statistics feed parallelism advice; its
            ``max_parallel_tasks`` is raised when applying it.
        metrics_collector: Receives ``optimizer_*`` metrics.
        auto_optimize: Apply CRITICAL and HIGH recommendations by default.
    """

    CACHE_TARGET = 0.95
    SPEEDUP_TARGET = 3.5
    MEMORY_TARGET_MB = 50.0

    def __init__(
        self,
        profiler: PerformanceProfiler,
        template_manager: Any | None = None,
        staged_executor: StagedParallelExecutor | None = None,
        metrics_collector: MetricsRecorder | None = None,
        auto_optimize: bool = True,
    ) -> None:
        self.profiler = profiler
        self.template_manager = template_manager
        self.staged_executor = staged_executor
        self.metrics_collector = metrics_collector
        self.auto_optimize = auto_optimize
        self.reports: list[PerformanceReport] = []

    async def optimize_workflow(
        self,
        workflow_id: str,
        workflow_func: Callable[..., Awaitable[Any]] | None = None,
        iterations: int = 5,
        apply_optimizations: bool | None = None,
        **profile_kwargs: Any,
    ) -> PerformanceReport:
        """Profile (when a function is given), recommend, optionally apply, and re-profile.

        When changes are applied to a profiled workflow it is profiled again
        with the same ``iterations``, and the report's ``estimated_speedup`` is
        the ratio of the two measured mean run times.
        """
        profile = None
        overhead = 0.0
        if workflow_func is not None:
            profile = await self.profiler.profile_workflow(
                workflow_func, iterations, **profile_kwargs
            )
            run_ms = profile.operations["workflow"].total_ms
            overhead = max(0.0, profile.total_ms - run_ms)
        recommendations = self.recommend(profile)
        apply = self.auto_optimize if apply_optimizations is None else apply_optimizations
        applied = await self._apply(recommendations) if apply else []
        baseline = profile.operations["workflow"].average_ms if profile else 0.0
        optimized = math.nan
        if profile is not None and workflow_func is not None and (applied or not apply):
            if applied:
                after = await self.profiler.profile_workflow(
                    workflow_func, iterations, **profile_kwargs
                )
                optimized = after.operations["workflow"].average_ms
        elif profile is not None:
            optimized = baseline  # profiled, nothing changed: measured equal
        speedup = baseline / optimized if optimized > 0 else math.nan
        report = PerformanceReport(
            workflow_id=workflow_id,
            estimated_speedup=speedup,
            baseline_time_ms=baseline,
            optimized_time_ms=optimized,
            recommendations=recommendations,
            applied_optimizations=applied,
            profiling_overhead_ms=overhead,
        )
        self.reports.append(report)
        if self.metrics_collector is not None and not math.isnan(speedup):
            self.metrics_collector.record_gauge("optimizer_estimated_speedup", speedup, "ratio")
            self.metrics_collector.record_counter(
                "optimizer_recommendations_generated", len(recommendations)
            )
        return report

    def recommend(self, profile: ProfileResult | None = None) -> list[OptimizationRecommendation]:
        """Recommendations from cache, executor and memory measurements, most urgent first."""
        found = [
            r
            for r in (self._cache_advice(), self._parallel_advice(), self._memory_advice(profile))
            if r is not None
        ]
        return sorted(found, key=lambda r: r.priority.rank)

    def _cache_advice(self) -> OptimizationRecommendation | None:
        if self.template_manager is None:
            return None
        stats = self.template_manager.get_cache_stats()
        hit_rate = float(stats.hit_rate)
        if hit_rate >= self.CACHE_TARGET or (stats.hits + stats.misses) == 0:
            return None
        priority = (
            OptimizationPriority.CRITICAL
            if hit_rate < 0.85
            else OptimizationPriority.HIGH
            if hit_rate < 0.90
            else OptimizationPriority.MEDIUM
        )
        return OptimizationRecommendation(
            OptimizationArea.TEMPLATE_CACHE,
            priority,
            f"template cache hit rate {hit_rate:.1%} is below {self.CACHE_TARGET:.0%}",
            "fewer template loads from disk",
            0.7,
            "preload the templates in use; grow cache_size if evictions are high",
        )

    def _parallel_advice(self) -> OptimizationRecommendation | None:
        if self.staged_executor is None:
            return None
        stats = self.staged_executor.get_statistics()
        if not stats["total_workflows"] or stats["total_steps"] <= 1:
            return None
        in_flight = float(stats["avg_parallelism"])
        if in_flight >= 3.0:
            return None
        priority = (
            OptimizationPriority.CRITICAL
            if in_flight < 2.0
            else OptimizationPriority.HIGH
            if in_flight < 2.5
            else OptimizationPriority.MEDIUM
        )
        return OptimizationRecommendation(
            OptimizationArea.PARALLEL_EXECUTION,
            priority,
            f"measured parallelism {in_flight:.2f} steps in flight is below 3.0",
            "more steps in flight per stage",
            0.5,
            "mark independent steps PARALLEL and raise max_parallel_tasks",
        )

    def _memory_advice(self, profile: ProfileResult | None) -> OptimizationRecommendation | None:
        if profile is None or profile.peak_memory_mb is None:
            return None
        peak = profile.peak_memory_mb
        if peak <= self.MEMORY_TARGET_MB:
            return None
        priority = (
            OptimizationPriority.CRITICAL
            if peak > 100
            else OptimizationPriority.HIGH
            if peak > 75
            else OptimizationPriority.MEDIUM
        )
        return OptimizationRecommendation(
            OptimizationArea.MEMORY,
            priority,
            f"peak traced memory {peak:.1f} MiB is above {self.MEMORY_TARGET_MB:.0f} MiB",
            "lower peak memory",
            0.6,
            "stream large inputs, drop intermediate results between stages",
        )

    async def _apply(self, recommendations: list[OptimizationRecommendation]) -> list[str]:
        applied: list[str] = []
        for rec in recommendations:
            if rec.priority not in (OptimizationPriority.CRITICAL, OptimizationPriority.HIGH):
                continue
            if rec.area is OptimizationArea.TEMPLATE_CACHE:
                count = await self.optimize_template_cache()
                applied.append(f"preloaded {count} templates")
            elif rec.area is OptimizationArea.PARALLEL_EXECUTION:
                before = self.staged_executor.max_parallel_tasks if self.staged_executor else 0
                self.tune_parallel_execution()
                after = self.staged_executor.max_parallel_tasks if self.staged_executor else 0
                applied.append(f"max_parallel_tasks {before} -> {after}")
        return applied

    async def optimize_template_cache(
        self, target_hit_rate: float = 0.95, preload_top_n: int = 20
    ) -> int:
        """Preload up to ``preload_top_n`` templates found on the manager's search path.

        Returns:
            How many templates were preloaded (0 when the hit rate already meets the target).
        """
        manager = self.template_manager
        if manager is None:
            return 0
        stats = manager.get_cache_stats()
        if float(stats.hit_rate) >= target_hit_rate:
            return 0
        known = _known_templates(manager)[:preload_top_n]
        if known:
            await manager.preload_templates(known)
        return len(known)

    def tune_parallel_execution(
        self, target_concurrency: int = 12, target_speedup: float = 3.5
    ) -> None:
        """Raise the executor's ``max_parallel_tasks`` toward ``target_speedup``.

        ``target_speedup`` (default 3.5) is the parallelism wanted: steps in
        flight on average, as the executor measures it. When the executor's
        measured ``avg_parallelism`` already meets it nothing changes;
        otherwise ``max_parallel_tasks`` is raised to at least
        ``target_concurrency`` (default 12) and ``ceil(target_speedup)``; a
        higher limit already set is kept. Whether runs get faster is measured
        by :meth:`optimize_workflow`, not promised here.

        Raises:
            ValueError: ``target_concurrency`` below 1 or ``target_speedup`` not positive.
        """
        if target_concurrency < 1 or target_speedup <= 0:
            raise ValueError(
                f"target_concurrency must be >= 1 and target_speedup > 0, got "
                f"{target_concurrency} and {target_speedup}"
            )
        if self.staged_executor is None:
            return
        stats = self.staged_executor.get_statistics()
        if stats["total_workflows"] and float(stats["avg_parallelism"]) >= target_speedup:
            log.info("optimizer.parallelism_met", avg_parallelism=stats["avg_parallelism"])
            return
        target_concurrency = max(target_concurrency, math.ceil(target_speedup))
        self.staged_executor.max_parallel_tasks = max(
            self.staged_executor.max_parallel_tasks, target_concurrency
        )
        log.info(
            "optimizer.parallelism",
            max_parallel_tasks=self.staged_executor.max_parallel_tasks,
            target_speedup=target_speedup,
        )


def _known_templates(manager: Any) -> list[tuple[str, None]]:
    """(template id, ``None``) for every ``*.j2`` file on the manager's search path.

    The type is left for the manager to infer: the engine knows no template kinds.
    """
    ids: dict[str, None] = {}
    for directory in getattr(manager, "search_path", ()):
        for path in sorted(Path(directory).glob("*.j2")):
            ids.setdefault(path.stem, None)
    return [(template_id, None) for template_id in ids]
