"""Monitoring: record named metrics, evaluate alert rules, summarise by component.

``record_metric`` keeps the last 1000 samples of each metric in memory, feeds
each sample to the :class:`~omninode_bridge.observability.alerts.AlertManager`
and exposes the latest values on the Prometheus registry as ``omninode_<name>``
(gauges as gauges, counters as running totals, histograms and summaries as
summaries with 0.5/0.9/0.95/0.99 quantiles over the last 100 samples).

``collect_all_metrics`` organises everything by component (template_cache,
parallel_generation, mixin_learning, pattern_matching, event_processing,
quality_validation, custom, or the ``component`` label), merging the
persistence analytics summaries when a store is attached.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest

from omninode_bridge.logs import get_logger
from omninode_bridge.observability.alerts import Alert, AlertManager, get_alert_manager
from omninode_bridge.observability.prometheus import (
    METRIC_PREFIX,
    get_prometheus_metrics,
    reserved_metric_names,
)

if TYPE_CHECKING:
    from omninode_bridge.metrics.models import Metric as CollectedMetric

__all__ = [
    "COMPONENTS",
    "AnalyticsSource",
    "MetricPoint",
    "MetricType",
    "MonitoringSink",
    "MonitoringSystem",
    "collect_all_metrics",
    "component_for",
    "export_prometheus_metrics",
    "get_active_alerts",
    "get_monitoring_summary",
    "get_monitoring_system",
    "initialize_monitoring_system",
    "record_metric",
    "set_monitoring_system",
]

log = get_logger(__name__, component="monitoring")

COMPONENTS = (
    "template_cache",
    "parallel_generation",
    "mixin_learning",
    "pattern_matching",
    "event_processing",
    "quality_validation",
)
CUSTOM = "custom"
_COMPONENT_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("template_cache", ("template", "cache")),
    ("parallel_generation", ("parallel", "generation", "speedup")),
    ("mixin_learning", ("mixin", "compatibility")),
    ("pattern_matching", ("pattern", "false_positive")),
    ("event_processing", ("event",)),
    ("quality_validation", ("quality", "validation")),
)
_QUANTILES = (0.5, 0.9, 0.95, 0.99)
_NAME_RE = re.compile(r"[^a-zA-Z0-9_:]")
_LABEL_RE = re.compile(r"[^a-zA-Z0-9_]")


class MetricType(str, Enum):
    """How a recorded metric is interpreted."""

    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"
    SUMMARY = "summary"


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One recorded sample."""

    name: str
    value: float
    metric_type: MetricType
    labels: Mapping[str, str]
    timestamp: float
    component: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "value": self.value,
            "type": self.metric_type.value,
            "labels": dict(self.labels),
            "timestamp": self.timestamp,
            "component": self.component,
        }


def component_for(name: str, labels: Mapping[str, str] | None = None) -> str:
    """The component a metric belongs to: its ``component`` label, else from its name."""
    if labels and labels.get("component"):
        return labels["component"]
    lowered = name.lower()
    for component, hints in _COMPONENT_HINTS:
        if any(hint in lowered for hint in hints):
            return component
    return CUSTOM


class AnalyticsSource(Protocol):
    """The persistence analytics the monitoring system reads (``OmniNodePersistence``)."""

    async def get_template_cache_efficiency(self) -> list[dict[str, Any]]: ...

    async def get_performance_metrics_summary(
        self, time_window_minutes: float | None = None
    ) -> list[dict[str, Any]]: ...

    async def get_mixin_compatibility_by_node_type(self) -> list[dict[str, Any]]: ...

    async def get_pattern_feedback_analysis(
        self, pattern_name: str | None = None, *, time_window_minutes: float | None = None
    ) -> list[dict[str, Any]]: ...

    async def get_event_processing_health(
        self, time_window_minutes: float | None = None
    ) -> dict[str, Any]: ...


@dataclass(slots=True)
class _Series:
    """Running state of one (name, labels) series for export."""

    metric_type: MetricType
    labels: dict[str, str]
    last: float = 0.0
    total: float = 0.0
    count: int = 0
    window: deque[float] = field(default_factory=lambda: deque(maxlen=100))


def _sanitize(name: str) -> str:
    clean = _NAME_RE.sub("_", name)
    if clean and clean[0].isdigit():
        clean = "_" + clean
    return clean if clean.startswith(METRIC_PREFIX) else METRIC_PREFIX + clean


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class _RecordedCollector:
    """Exposes recorded metrics on a prometheus_client registry."""

    def __init__(self, system: MonitoringSystem) -> None:
        self._system = system

    def collect(self) -> Iterator[Metric]:
        reserved = reserved_metric_names()
        for name, series_list, help_text in self._system._export_snapshot():
            export = _sanitize(name)
            if export in reserved or not series_list:
                continue
            kind = series_list[0].metric_type
            doc = help_text or f"Recorded metric {name}"
            if kind is MetricType.GAUGE:
                gauge = GaugeMetricFamily(export, doc, labels=())
                yield _family(name, gauge, series_list, "last")
            elif kind is MetricType.COUNTER:
                counter = CounterMetricFamily(export, doc, labels=())
                yield _family(name, counter, series_list, "total")
            else:
                yield _summary(name, export, doc, series_list)

    def describe(self) -> list[Metric]:
        return []


def _export_labels(name: str, series: _Series) -> dict[str, str]:
    labels = {_LABEL_RE.sub("_", k): v for k, v in series.labels.items()}
    labels.setdefault("component", component_for(name, series.labels))
    return labels


def _family(name: str, metric: Metric, series_list: list[_Series], attr: str) -> Metric:
    sample_name = metric.name + ("_total" if metric.type == "counter" else "")
    for series in series_list:
        metric.add_sample(sample_name, _export_labels(name, series), getattr(series, attr))
    return metric


def _summary(name: str, export: str, doc: str, series_list: list[_Series]) -> Metric:
    metric = Metric(export, doc, "summary")
    for series in series_list:
        labels = _export_labels(name, series)
        if series.window:
            for q in _QUANTILES:
                value = _quantile(series.window, q)
                metric.add_sample(export, {**labels, "quantile": str(q)}, value)
        metric.add_sample(export + "_count", labels, series.count)
        metric.add_sample(export + "_sum", labels, series.total)
    return metric


class MonitoringSystem:
    """Keeps recent samples per metric, evaluates alerts, summarises by component.

    Args:
        alert_manager: Receives every sample; defaults to :func:`get_alert_manager`.
        registry: Prometheus registry the recorded metrics are exposed on;
            defaults to the package registry.
        analytics: Persistence analytics read by :meth:`collect_all_metrics`.
        clock: Seconds since the epoch.
        max_points_per_metric: Samples kept per metric name.
    """

    def __init__(
        self,
        *,
        alert_manager: AlertManager | None = None,
        registry: CollectorRegistry | None = None,
        analytics: AnalyticsSource | None = None,
        clock: Callable[[], float] = time.time,
        max_points_per_metric: int = 1000,
    ) -> None:
        self.alert_manager = alert_manager if alert_manager is not None else get_alert_manager()
        self.registry = registry if registry is not None else get_prometheus_metrics().registry
        self.analytics = analytics
        self.clock = clock
        self.max_points_per_metric = max_points_per_metric
        self._lock = threading.Lock()
        self._points: dict[str, deque[MetricPoint]] = {}
        self._series: dict[tuple[str, tuple[tuple[str, str], ...]], _Series] = {}
        self._help: dict[str, str] = {}
        self._collector = _RecordedCollector(self)
        self.registry.register(self._collector)

    def close(self) -> None:
        """Detach from the Prometheus registry."""
        self.registry.unregister(self._collector)

    # ------------------------------------------------------------------ recording

    def record(
        self,
        name: str,
        value: float,
        metric_type: MetricType | str = MetricType.GAUGE,
        labels: Mapping[str, str] | None = None,
        help_text: str | None = None,
    ) -> MetricPoint:
        """Record one sample and evaluate the alert rules on it."""
        kind = MetricType(metric_type)
        label_map = {str(k): str(v) for k, v in (labels or {}).items()}
        point = MetricPoint(
            name, float(value), kind, label_map, self.clock(), component_for(name, label_map)
        )
        key = (name, tuple(sorted(label_map.items())))
        with self._lock:
            points = self._points.get(name)
            if points is None:
                points = self._points[name] = deque(maxlen=self.max_points_per_metric)
            points.append(point)
            if help_text:
                self._help[name] = help_text
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = _Series(kind, label_map)
            series.last = point.value
            series.total += point.value
            series.count += 1
            series.window.append(point.value)
        self.alert_manager.evaluate(name, point.value, label_map)
        return point

    async def record_metric(
        self,
        name: str,
        value: float,
        metric_type: MetricType | str = MetricType.GAUGE,
        labels: Mapping[str, str] | None = None,
        help_text: str | None = None,
    ) -> MetricPoint:
        """Async form of :meth:`record` (it does no I/O; webhooks go to a background thread)."""
        return self.record(name, value, metric_type, labels, help_text)

    def _export_snapshot(self) -> list[tuple[str, list[_Series], str | None]]:
        with self._lock:
            by_name: dict[str, list[_Series]] = {}
            for (name, _), series in self._series.items():
                copy = _Series(
                    series.metric_type,
                    series.labels,
                    series.last,
                    series.total,
                    series.count,
                    deque(series.window, maxlen=100),
                )
                by_name.setdefault(name, []).append(copy)
            return [(name, items, self._help.get(name)) for name, items in by_name.items()]

    # ------------------------------------------------------------------ queries

    def get_metrics(
        self, name: str | None = None, *, since: float | None = None
    ) -> list[MetricPoint]:
        """Recorded samples, optionally of one metric and newer than ``since``."""
        with self._lock:
            if name is not None:
                points = list(self._points.get(name, ()))
            else:
                points = [p for series in self._points.values() for p in series]
        if since is not None:
            points = [p for p in points if p.timestamp >= since]
        return points

    def latest(self, name: str) -> float | None:
        """Latest value recorded for ``name``."""
        with self._lock:
            points = self._points.get(name)
            return points[-1].value if points else None

    def export_prometheus_metrics(self) -> str:
        """The Prometheus text exposition of the registry."""
        return generate_latest(self.registry).decode("utf-8")

    def get_monitoring_summary(self) -> dict[str, Any]:
        """Counts of metrics and samples plus the alert statistics."""
        with self._lock:
            names = len(self._points)
            samples = sum(len(p) for p in self._points.values())
        return {
            "metric_names": names,
            "samples": samples,
            "alerts": self.alert_manager.get_statistics(),
        }

    async def collect_all_metrics(self, time_window_minutes: float = 60) -> dict[str, Any]:
        """Every metric of the last ``time_window_minutes``, organised by component.

        Each standard component maps to a dict with ``metrics`` (per metric name:
        latest, mean, min, max, count, and quantiles for histograms) plus the
        summary keys the dashboards read (``overall_hit_rate``, ``avg_speedup``,
        ``accuracy``, ``precision``, ``success_rate``, ``p95_latency_ms``...),
        taken from persistence analytics when attached. ``custom`` is a list of
        ``{name, value, type, labels, ...}`` for metrics of no known component.
        """
        result = self.snapshot(time_window_minutes)
        errors: dict[str, str] = {}
        if self.analytics is not None:
            await _merge_analytics(result, self.analytics, time_window_minutes, errors)
        result["meta"]["analytics_errors"] = errors
        return result

    def snapshot(self, time_window_minutes: float = 60) -> dict[str, Any]:
        """The in-memory part of :meth:`collect_all_metrics` (no persistence reads)."""
        since = self.clock() - time_window_minutes * 60
        points = self.get_metrics(since=since)
        result: dict[str, Any] = {component: {"metrics": {}} for component in COMPONENTS}
        custom: list[dict[str, Any]] = []
        grouped: dict[str, dict[str, list[MetricPoint]]] = {}
        for point in points:
            grouped.setdefault(point.component, {}).setdefault(point.name, []).append(point)
        for component, by_name in grouped.items():
            stats = {name: _stats(items) for name, items in by_name.items()}
            if component == CUSTOM:
                custom.extend({"name": n, **s} for n, s in stats.items())
            else:
                result.setdefault(component, {"metrics": {}})["metrics"].update(stats)
        result[CUSTOM] = custom
        _derive_from_recorded(result)
        result["meta"] = {
            "collected_at": self.clock(),
            "time_window_minutes": time_window_minutes,
            "samples": len(points),
        }
        return result


def _stats(points: list[MetricPoint]) -> dict[str, Any]:
    values = [p.value for p in points]
    kind = points[-1].metric_type
    stats: dict[str, Any] = {
        "type": kind.value,
        "value": values[-1],
        "latest": values[-1],
        "mean": math.fsum(values) / len(values),
        "min": min(values),
        "max": max(values),
        "count": len(values),
        "labels": dict(points[-1].labels),
        "timestamp": points[-1].timestamp,
    }
    if kind is MetricType.COUNTER:
        stats["total"] = math.fsum(values)
    if kind in (MetricType.HISTOGRAM, MetricType.SUMMARY):
        tail = values[-100:]
        for q in _QUANTILES:
            stats[f"p{round(q * 100)}"] = _quantile(tail, q)
    return stats


# (metric, summary key): the guide's metric names first, then the names a
# generation run records (``codegen.telemetry.run_gauges``), which win.
_RECORDED_KEYS = {
    "template_cache": (
        ("cache_hit_rate", "overall_hit_rate"),
        ("template_cache_hit_rate", "overall_hit_rate"),
    ),
    "parallel_generation": (
        ("parallel_speedup", "avg_speedup"),
        ("workflow_speedup_ratio", "avg_speedup"),
        ("workflow_parallelism_ratio", "avg_parallelism"),
    ),
    "mixin_learning": (
        ("mixin_accuracy", "accuracy"),
        ("mixin_prediction_accuracy", "accuracy"),
        ("compatibility_score", "compatibility"),
        ("mixin_compatibility_score", "compatibility"),
    ),
    "pattern_matching": (
        ("pattern_precision", "precision"),
        ("false_positive_rate", "false_positive_rate"),
        ("pattern_accuracy", "accuracy"),
        ("pattern_false_positive_rate", "false_positive_rate"),
    ),
    "event_processing": (
        ("event_latency_p95_ms", "p95_latency_ms"),
        ("event_batch_processing_ms", "avg_batch_processing_ms"),
        ("event_success_rate", "success_rate"),
    ),
    "quality_validation": (
        ("quality_score", "quality_score"),
        ("validation_pass_rate", "validation_pass_rate"),
    ),
}


def _derive_from_recorded(result: dict[str, Any]) -> None:
    for component, pairs in _RECORDED_KEYS.items():
        section = result[component]
        for metric_name, key in pairs:
            stats = section["metrics"].get(metric_name)
            if stats is not None:
                section[key] = stats["mean"] if key.startswith("avg_") else stats["latest"]


async def _merge_analytics(
    result: dict[str, Any], source: AnalyticsSource, window: float, errors: dict[str, str]
) -> None:
    async def attempt(component: str, read: Callable[[], Any]) -> Any:
        try:
            return await read()
        except Exception as exc:
            errors[component] = f"{type(exc).__name__}: {exc}"
            log.warning("monitoring.analytics_failed", source=component, error=errors[component])
            return None

    rows = await attempt("template_cache", source.get_template_cache_efficiency)
    if rows is not None:
        section = result["template_cache"]
        section["by_template_type"] = rows
        hits = sum((r.get("avg_cache_hits") or 0) * r.get("template_count", 0) for r in rows)
        misses = sum((r.get("avg_cache_misses") or 0) * r.get("template_count", 0) for r in rows)
        if hits + misses > 0:
            section.setdefault("overall_hit_rate", round(hits / (hits + misses), 4))
    rows = await attempt(
        "parallel_generation",
        lambda: source.get_performance_metrics_summary(time_window_minutes=window),
    )
    if rows is not None:
        section = result["parallel_generation"]
        section["by_phase"] = rows
        section["total_executions"] = sum(r.get("execution_count", 0) for r in rows)
        section["parallel_executions"] = sum(r.get("parallel_executions", 0) for r in rows)
    rows = await attempt("mixin_learning", source.get_mixin_compatibility_by_node_type)
    if rows is not None:
        section = result["mixin_learning"]
        section["by_node_type"] = rows
        ok = sum(r.get("total_successes", 0) for r in rows)
        bad = sum(r.get("total_failures", 0) for r in rows)
        if ok + bad:  # a success rate, not the accuracy of any prediction
            section.setdefault("success_rate", round(ok / (ok + bad), 4))
    rows = await attempt(
        "pattern_matching",
        lambda: source.get_pattern_feedback_analysis(time_window_minutes=window),
    )
    if rows is not None:
        section = result["pattern_matching"]
        section["by_pattern"] = rows
        weighted = [
            (r["precision"], r.get("total_feedback", 0))
            for r in rows
            if r.get("precision") is not None
        ]
        total = sum(w for _, w in weighted)
        if total:
            section.setdefault("precision", round(sum(p * w for p, w in weighted) / total, 4))
        feedback = sum(r.get("total_feedback", 0) for r in rows)
        if feedback:
            fp = sum(r.get("false_positive_count", 0) for r in rows)
            section.setdefault("false_positive_rate", round(fp / feedback, 4))
    health = await attempt(
        "event_processing",
        lambda: source.get_event_processing_health(time_window_minutes=window),
    )
    if health is not None:
        section = result["event_processing"]
        for key, value in health.items():
            section.setdefault(key, value)


_SINK_TYPES = {
    "timing": MetricType.HISTOGRAM,
    "counter": MetricType.COUNTER,
    "gauge": MetricType.GAUGE,
    "rate": MetricType.GAUGE,
}


class MonitoringSink:
    """A ``MetricsCollector`` sink that records every flushed metric here.

    ``collector.add_sink(MonitoringSink())`` makes the executor's timings,
    counters and gauges visible to alert rules, ``collect_all_metrics`` and
    ``/metrics``; timings become summaries, rates gauges.

    Args:
        system: Defaults to the process-wide monitoring system (looked up per batch).
    """

    name = "monitoring"

    def __init__(self, system: MonitoringSystem | None = None) -> None:
        self._system = system

    async def write(self, batch: Sequence[CollectedMetric]) -> None:
        """Record each metric of ``batch``."""
        system = self._system or get_monitoring_system()
        for metric in batch:
            kind = _SINK_TYPES.get(metric.metric_type.value, MetricType.GAUGE)
            system.record(metric.metric_name, metric.value, kind, metric.tags)

    async def close(self) -> None:
        """Nothing to release."""


# ---------------------------------------------------------------------- module API

_system: MonitoringSystem | None = None
_system_lock = threading.Lock()


def get_monitoring_system() -> MonitoringSystem:
    """The process-wide monitoring system, created on first use."""
    global _system
    with _system_lock:
        if _system is None:
            _system = MonitoringSystem()
        return _system


def set_monitoring_system(system: MonitoringSystem | None) -> None:
    """Replace (or with ``None``, forget) the process-wide monitoring system."""
    global _system
    with _system_lock:
        _system = system


async def initialize_monitoring_system(
    *,
    analytics: AnalyticsSource | None = None,
    alert_manager: AlertManager | None = None,
    registry: CollectorRegistry | None = None,
    clock: Callable[[], float] = time.time,
) -> MonitoringSystem:
    """Create (or replace) the process-wide monitoring system.

    Args:
        analytics: Persistence store whose analytics summaries
            :func:`collect_all_metrics` merges in (an ``OmniNodePersistence``).
        alert_manager: Defaults to :func:`get_alert_manager`.
        registry: Defaults to the package Prometheus registry.
        clock: Seconds since the epoch.
    """
    global _system
    system = MonitoringSystem(
        alert_manager=alert_manager, registry=registry, analytics=analytics, clock=clock
    )
    with _system_lock:
        previous, _system = _system, system
    if previous is not None:
        previous.close()
    log.info("monitoring.initialized", analytics=analytics is not None)
    return system


async def record_metric(
    name: str,
    value: float,
    metric_type: MetricType | str = MetricType.GAUGE,
    labels: Mapping[str, str] | None = None,
    help_text: str | None = None,
) -> MetricPoint:
    """Record one sample on the process-wide monitoring system."""
    return get_monitoring_system().record(name, value, metric_type, labels, help_text)


async def collect_all_metrics(time_window_minutes: float = 60) -> dict[str, Any]:
    """Metrics of the last ``time_window_minutes``, organised by component."""
    return await get_monitoring_system().collect_all_metrics(time_window_minutes)


def get_active_alerts() -> list[Alert]:
    """Active alerts of the process-wide monitoring system's alert manager."""
    return get_monitoring_system().alert_manager.get_active_alerts()


def get_monitoring_summary() -> dict[str, Any]:
    """Summary counts of the process-wide monitoring system."""
    return get_monitoring_system().get_monitoring_summary()


def export_prometheus_metrics() -> str:
    """Prometheus text exposition of the package registry."""
    return get_monitoring_system().export_prometheus_metrics()
