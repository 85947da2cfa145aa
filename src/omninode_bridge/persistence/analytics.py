"""The five analytics summaries, computed in Python from plain rows.

The store selects the raw rows (bounded by a time window where the summary
has one) and these functions aggregate them, so SQLite and PostgreSQL give
exactly the same answers: percentiles use the same linear interpolation as
PostgreSQL's ``percentile_cont``, and every ratio is rounded the same way.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EventHealthGroup",
    "EventProcessingHealth",
    "MixinNodeTypeSummary",
    "MixinPairSummary",
    "PatternFeedbackSummary",
    "PerformanceSummary",
    "TemplateCacheEfficiency",
    "percentile_cont",
    "summarize_event_health",
    "summarize_mixin_node_types",
    "summarize_mixin_pairs",
    "summarize_pattern_feedback",
    "summarize_performance",
    "summarize_template_cache",
]

_DIGITS = 4
CORRECT_TYPES = frozenset({"correct", "true_positive", "true_negative"})
NON_DETECTION_TYPES = frozenset({"true_negative", "false_negative"})


def _r(value: float) -> float:
    return round(value, _DIGITS)


def _ratio(numerator: float, denominator: float) -> float | None:
    return _r(numerator / denominator) if denominator else None


def _mean(values: Sequence[float]) -> float | None:
    return _r(math.fsum(values) / len(values)) if values else None


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    """Continuous percentile with linear interpolation (PostgreSQL ``percentile_cont``).

    Args:
        values: Sample, in any order.
        fraction: Between 0 and 1 (0.95 for p95).

    Returns:
        The interpolated value, rounded to 4 decimals; None for an empty sample.
    """
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return _r(value)


@dataclass(frozen=True, slots=True)
class PerformanceSummary:
    """Generation performance for one phase.

    ``speedup`` is the mean measured speedup (one-worker baseline wall time
    over the run's, recorded as ``metadata.speedup``) of the phase's parallel
    rows that have one, and ``parallel_execution`` how many rows that mean is
    over: rows without a measured speedup are skipped, so ``speedup`` is
    ``None`` exactly when ``parallel_execution`` is 0.
    """

    phase: str
    execution_count: int
    avg_duration_ms: float | None
    p95_duration_ms: float | None
    p99_duration_ms: float | None
    min_duration_ms: float | None
    max_duration_ms: float | None
    cache_hits: int
    parallel_executions: int
    avg_workers: float | None
    parallel_execution: int = 0
    speedup: float | None = None


def summarize_performance(
    rows: Iterable[tuple[str, float, bool, bool, int] | tuple[str, float, bool, bool, int, Any]],
) -> list[PerformanceSummary]:
    """Group ``(phase, duration_ms, cache_hit, parallel, workers[, metadata])`` rows by phase."""
    by_phase: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_phase[row[0]].append(tuple(row))
    out = []
    for phase in sorted(by_phase):
        group = by_phase[phase]
        durations = [float(r[1]) for r in group]
        speedups = [s for r in group if r[3] and (s := _measured_speedup(r)) is not None]
        out.append(
            PerformanceSummary(
                phase=phase,
                execution_count=len(group),
                avg_duration_ms=_mean(durations),
                p95_duration_ms=percentile_cont(durations, 0.95),
                p99_duration_ms=percentile_cont(durations, 0.99),
                min_duration_ms=_r(min(durations)),
                max_duration_ms=_r(max(durations)),
                cache_hits=sum(1 for r in group if r[2]),
                parallel_executions=sum(1 for r in group if r[3]),
                avg_workers=_mean([float(r[4]) for r in group]),
                parallel_execution=len(speedups),
                speedup=_mean(speedups),
            )
        )
    return out


def _measured_speedup(row: tuple[Any, ...]) -> float | None:
    """``metadata.speedup`` of a performance row, when it is a positive number."""
    metadata = row[5] if len(row) > 5 else None
    value = metadata.get("speedup") if isinstance(metadata, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return float(value)


@dataclass(frozen=True, slots=True)
class TemplateCacheEfficiency:
    """Template cache efficiency for one template type."""

    template_type: str
    template_count: int
    avg_cache_hits: float | None
    avg_cache_misses: float | None
    hit_rate: float | None
    avg_load_time_ms: float | None
    total_size_mb: float


def summarize_template_cache(
    rows: Iterable[tuple[str, int, int, float, int]],
) -> list[TemplateCacheEfficiency]:
    """Group ``(template_type, hits, misses, load_time_ms, size_bytes)`` rows by type."""
    by_type: dict[str, list[tuple[str, int, int, float, int]]] = defaultdict(list)
    for row in rows:
        by_type[row[0]].append(row)
    out = []
    for template_type in sorted(by_type):
        group = by_type[template_type]
        hits = sum(r[1] for r in group)
        misses = sum(r[2] for r in group)
        out.append(
            TemplateCacheEfficiency(
                template_type=template_type,
                template_count=len(group),
                avg_cache_hits=_mean([float(r[1]) for r in group]),
                avg_cache_misses=_mean([float(r[2]) for r in group]),
                hit_rate=_ratio(hits, hits + misses),
                avg_load_time_ms=_mean([float(r[3]) for r in group]),
                total_size_mb=_r(sum(r[4] for r in group) / (1024 * 1024)),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class MixinPairSummary:
    """Compatibility record of one mixin pair on one node type."""

    node_type: str
    mixin_combination: tuple[str, str]
    compatibility_score: float
    success_count: int
    failure_count: int
    conflict_reason: str | None
    resolution_pattern: str | None


def summarize_mixin_pairs(
    rows: Iterable[tuple[str, str, str, float, int, int, str | None, str | None]],
) -> list[MixinPairSummary]:
    """``(node_type, a, b, score, successes, failures, conflict, resolution)`` rows, sorted."""
    out = [
        MixinPairSummary(
            node_type=r[0],
            mixin_combination=(r[1], r[2]),
            compatibility_score=_r(float(r[3])),
            success_count=int(r[4]),
            failure_count=int(r[5]),
            conflict_reason=r[6],
            resolution_pattern=r[7],
        )
        for r in rows
    ]
    out.sort(key=lambda s: (s.node_type, s.mixin_combination))
    return out


@dataclass(frozen=True, slots=True)
class MixinNodeTypeSummary:
    """Mixin compatibility aggregated over one node type."""

    node_type: str
    total_combinations: int
    avg_compatibility: float | None
    total_successes: int
    total_failures: int
    success_rate: float | None


def summarize_mixin_node_types(pairs: Iterable[MixinPairSummary]) -> list[MixinNodeTypeSummary]:
    """Aggregate pair records by node type."""
    by_type: dict[str, list[MixinPairSummary]] = defaultdict(list)
    for pair in pairs:
        by_type[pair.node_type].append(pair)
    out = []
    for node_type in sorted(by_type):
        group = by_type[node_type]
        successes = sum(p.success_count for p in group)
        failures = sum(p.failure_count for p in group)
        out.append(
            MixinNodeTypeSummary(
                node_type=node_type,
                total_combinations=len(group),
                avg_compatibility=_mean([p.compatibility_score for p in group]),
                total_successes=successes,
                total_failures=failures,
                success_rate=_ratio(successes, successes + failures),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class PatternFeedbackSummary:
    """Feedback on one detection pattern.

    ``precision`` is correct detections over all detections (rows whose type
    is not ``true_negative``/``false_negative``); ``recall`` is true positives
    over true positives plus ``false_negative`` rows.
    """

    pattern_name: str
    total_feedback: int
    correct_count: int
    incorrect_count: int
    false_positive_count: int
    false_negative_count: int
    precision: float | None
    recall: float | None
    f1_score: float | None
    avg_confidence: float | None
    user_provided_count: int
    avg_learning_weight: float | None
    feedback_counts: dict[str, int] = field(default_factory=dict)


def summarize_pattern_feedback(
    rows: Iterable[tuple[str, str, bool, float, bool, float]],
) -> list[PatternFeedbackSummary]:
    """``(pattern, feedback_type, is_correct, confidence, user_provided, weight)`` rows."""
    by_pattern: dict[str, list[tuple[str, str, bool, float, bool, float]]] = defaultdict(list)
    for row in rows:
        by_pattern[row[0]].append(row)
    return [_pattern_summary(name, by_pattern[name]) for name in sorted(by_pattern)]


def _pattern_summary(
    name: str, group: list[tuple[str, str, bool, float, bool, float]]
) -> PatternFeedbackSummary:
    detections = [r for r in group if r[1] not in NON_DETECTION_TYPES]
    true_pos = sum(1 for r in detections if r[2])
    false_pos = len(detections) - true_pos
    false_neg = sum(1 for r in group if r[1] == "false_negative")
    precision = _ratio(true_pos, len(detections))
    recall = _ratio(true_pos, true_pos + false_neg)
    f1 = None
    if precision is not None and recall is not None and precision + recall > 0:
        f1 = _r(2 * precision * recall / (precision + recall))
    counts: dict[str, int] = defaultdict(int)
    for r in group:
        counts[r[1]] += 1
    correct = sum(1 for r in group if r[2])
    return PatternFeedbackSummary(
        pattern_name=name,
        total_feedback=len(group),
        correct_count=correct,
        incorrect_count=len(group) - correct,
        false_positive_count=false_pos,
        false_negative_count=false_neg,
        precision=precision,
        recall=recall,
        f1_score=f1,
        avg_confidence=_mean([float(r[3]) for r in group]),
        user_provided_count=sum(1 for r in group if r[4]),
        avg_learning_weight=_mean([float(r[5]) for r in group]),
        feedback_counts=dict(sorted(counts.items())),
    )


@dataclass(frozen=True, slots=True)
class EventHealthGroup:
    """Event processing health for one (event_type, event_source) pair."""

    event_type: str
    event_source: str
    total_events: int
    success_count: int
    failure_count: int
    success_rate: float | None
    avg_duration_ms: float | None
    p95_latency_ms: float | None
    avg_wait_ms: float | None
    avg_retries: float | None


@dataclass(frozen=True, slots=True)
class EventProcessingHealth:
    """Overall event processing health plus the per-type breakdown."""

    total_events: int
    success_count: int
    failure_count: int
    success_rate: float | None
    avg_duration_ms: float | None
    p95_latency_ms: float | None
    p99_latency_ms: float | None
    avg_wait_ms: float | None
    avg_retries: float | None
    by_type: tuple[EventHealthGroup, ...] = ()


EventRow = tuple[str, str, float, float | None, bool, int]


def _health_numbers(group: Sequence[EventRow]) -> dict[str, Any]:
    durations = [float(r[2]) for r in group]
    waits = [float(r[3]) for r in group if r[3] is not None]
    successes = sum(1 for r in group if r[4])
    return {
        "total_events": len(group),
        "success_count": successes,
        "failure_count": len(group) - successes,
        "success_rate": _ratio(successes, len(group)),
        "avg_duration_ms": _mean(durations),
        "p95_latency_ms": percentile_cont(durations, 0.95),
        "avg_wait_ms": _mean(waits),
        "avg_retries": _mean([float(r[5]) for r in group]),
    }


def summarize_event_health(rows: Iterable[EventRow]) -> EventProcessingHealth:
    """``(event_type, source, duration_ms, wait_ms, success, retries)`` rows."""
    all_rows = list(rows)
    groups: dict[tuple[str, str], list[EventRow]] = defaultdict(list)
    for row in all_rows:
        groups[(row[0], row[1])].append(row)
    by_type = tuple(
        EventHealthGroup(event_type=key[0], event_source=key[1], **_health_numbers(groups[key]))
        for key in sorted(groups)
    )
    overall = _health_numbers(all_rows)
    return EventProcessingHealth(
        **overall,
        p99_latency_ms=percentile_cont([float(r[2]) for r in all_rows], 0.99),
        by_type=by_type,
    )
