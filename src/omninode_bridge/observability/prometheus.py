"""Prometheus metrics for workflow runs, fed by lifecycle signals.

:class:`OmniNodeMetrics` owns a dedicated ``CollectorRegistry`` (never the
global default one) holding histograms of workflow, stage and step durations,
counters of runs, steps, failures, retries, template cache hits and misses and
validation findings, and gauges of work in flight. :class:`PrometheusSignalExporter`
subscribes to a :class:`~omninode_bridge.engine.signals.SignalCoordinator`
and turns every lifecycle signal into those metrics, keeping a short history
of finished runs for the JSON API of ``omninode serve``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest

from omninode_bridge.engine.signals import Signal, SignalType
from omninode_bridge.logs import get_logger
from omninode_bridge.observability.health import stats_mapping

if TYPE_CHECKING:
    from omninode_bridge.engine.signals import SignalCoordinator, Subscription

__all__ = [
    "DURATION_BUCKETS",
    "METRIC_PREFIX",
    "OmniNodeMetrics",
    "PrometheusSignalExporter",
    "RunSummary",
    "get_prometheus_metrics",
    "render_metrics",
    "reserved_metric_names",
    "set_prometheus_metrics",
]

log = get_logger(__name__, component="prometheus")

METRIC_PREFIX = "omninode_"
#: Seconds; from a millisecond step up to a five-minute stage.
DURATION_BUCKETS = (
    0.001,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
    300.0,
)

WORKFLOW_DURATION = "omninode_workflow_duration_seconds"
STAGE_DURATION = "omninode_stage_duration_seconds"
STEP_DURATION = "omninode_step_duration_seconds"
WORKFLOWS = "omninode_workflows"
STAGES = "omninode_stages"
STEPS = "omninode_steps"
STEP_FAILURES = "omninode_step_failures"
STEP_RETRIES = "omninode_step_retries"
CACHE_HITS = "omninode_template_cache_hits"
CACHE_MISSES = "omninode_template_cache_misses"
CACHE_HIT_RATE = "omninode_template_cache_hit_rate"
VALIDATION_FINDINGS = "omninode_validation_findings"
WORKFLOWS_IN_FLIGHT = "omninode_workflows_in_flight"
STAGES_IN_FLIGHT = "omninode_stages_in_flight"
STEPS_IN_FLIGHT = "omninode_steps_in_flight"

_COUNTERS = (WORKFLOWS, STAGES, STEPS, STEP_FAILURES, STEP_RETRIES, CACHE_HITS, CACHE_MISSES)
_OTHERS = (
    WORKFLOW_DURATION,
    STAGE_DURATION,
    STEP_DURATION,
    CACHE_HIT_RATE,
    VALIDATION_FINDINGS,
    WORKFLOWS_IN_FLIGHT,
    STAGES_IN_FLIGHT,
    STEPS_IN_FLIGHT,
)


def reserved_metric_names() -> frozenset[str]:
    """Names owned by :class:`OmniNodeMetrics`, with their sample suffixes.

    Recorded metrics (``record_metric``) with one of these names are not
    exported, so the exposition never holds two families of one name.
    """
    suffixes = ("", "_total", "_created", "_bucket", "_count", "_sum")
    names = (*_COUNTERS, *_OTHERS)
    return frozenset(name + suffix for name in names for suffix in suffixes)


#: ``template_manager.get_cache_stats``: a record or mapping with ``hits`` and ``misses``.
CacheStatsSource = Callable[[], Any]


class _CacheCollector:
    """Template cache counters: recorded accesses plus attached cumulative sources."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.sources: list[CacheStatsSource] = []

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            hits, misses, sources = self.hits, self.misses, list(self.sources)
        for source in sources:
            try:
                stats = stats_mapping(source())
            except Exception as exc:
                log.warning("prometheus.cache_source_failed", error=repr(exc))
                continue
            hits += int(stats.get("hits", 0) or 0)
            misses += int(stats.get("misses", 0) or 0)
        yield CounterMetricFamily(CACHE_HITS, "Template cache hits.", value=hits)
        yield CounterMetricFamily(CACHE_MISSES, "Template cache misses.", value=misses)
        rate = hits / (hits + misses) if hits + misses else 0.0
        yield GaugeMetricFamily(
            CACHE_HIT_RATE, "Template cache hit rate (hits over lookups).", value=rate
        )

    def describe(self) -> list[Metric]:
        return []


class OmniNodeMetrics:
    """The package's Prometheus metrics on a dedicated registry.

    Args:
        registry: Registry to register on; a new one by default.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        reg = self.registry
        self.workflow_duration = Histogram(
            WORKFLOW_DURATION,
            "Wall time of workflow runs.",
            ["status"],
            buckets=DURATION_BUCKETS,
            registry=reg,
        )
        self.stage_duration = Histogram(
            STAGE_DURATION,
            "Wall time of workflow stages.",
            ["stage_id", "status"],
            buckets=DURATION_BUCKETS,
            registry=reg,
        )
        self.step_duration = Histogram(
            STEP_DURATION,
            "Wall time of workflow steps, retries included.",
            ["stage_id", "status"],
            buckets=DURATION_BUCKETS,
            registry=reg,
        )
        self.workflows = Counter(WORKFLOWS, "Finished workflow runs.", ["status"], registry=reg)
        self.stages = Counter(STAGES, "Finished stages.", ["stage_id", "status"], registry=reg)
        self.steps = Counter(STEPS, "Finished steps.", ["stage_id", "status"], registry=reg)
        self.step_failures = Counter(STEP_FAILURES, "Failed steps.", ["stage_id"], registry=reg)
        self.step_retries = Counter(STEP_RETRIES, "Step retries.", ["stage_id"], registry=reg)
        self.validation_findings = Counter(
            VALIDATION_FINDINGS,
            "Validation findings reported.",
            ["validator", "severity"],
            registry=reg,
        )
        self.workflows_in_flight = Gauge(
            WORKFLOWS_IN_FLIGHT, "Workflow runs started, not finished.", registry=reg
        )
        self.stages_in_flight = Gauge(STAGES_IN_FLIGHT, "Stages running.", registry=reg)
        self.steps_in_flight = Gauge(STEPS_IN_FLIGHT, "Steps running.", registry=reg)
        self._cache = _CacheCollector()
        reg.register(self._cache)

    def record_cache_access(self, *, hit: bool, count: int = 1) -> None:
        """Count template cache lookups."""
        with self._cache._lock:
            if hit:
                self._cache.hits += count
            else:
                self._cache.misses += count

    def add_cache_stats_source(self, source: CacheStatsSource) -> None:
        """Read cumulative ``hits``/``misses`` from ``source`` at every scrape.

        Pass ``template_manager.get_cache_stats``.
        """
        with self._cache._lock:
            self._cache.sources.append(source)

    def record_validation_findings(self, validator: str, severity: str, count: int = 1) -> None:
        """Count findings reported by a validator."""
        if count:
            self.validation_findings.labels(validator=validator, severity=severity).inc(count)

    def render(self) -> bytes:
        """Text exposition of the registry."""
        return render_metrics(self.registry)


def render_metrics(registry: CollectorRegistry) -> bytes:
    """Prometheus text format for ``registry``."""
    return generate_latest(registry)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One finished workflow run as seen through its signals."""

    workflow_id: str
    correlation_id: str | None
    status: str
    started_at: float | None
    finished_at: float
    duration_ms: float | None
    steps_completed: int
    steps_failed: int
    retries: int
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(slots=True)
class _RunState:
    started_at: float
    steps_completed: int = 0
    steps_failed: int = 0
    retries: int = 0


class PrometheusSignalExporter:
    """A SignalCoordinator subscriber that feeds :class:`OmniNodeMetrics`.

    Attach it to the coordinator the executor emits on::

        exporter = PrometheusSignalExporter(get_prometheus_metrics())
        exporter.attach(coordinator)

    Args:
        metrics: Where to record; defaults to the package metrics.
        history_size: Finished runs kept for :meth:`recent_runs`.
    """

    def __init__(self, metrics: OmniNodeMetrics | None = None, *, history_size: int = 100) -> None:
        self.metrics = metrics if metrics is not None else get_prometheus_metrics()
        self._runs: dict[tuple[str, str | None], _RunState] = {}
        self._history: deque[RunSummary] = deque(maxlen=history_size)
        self._lock = threading.Lock()

    def attach(self, coordinator: SignalCoordinator) -> Subscription:
        """Subscribe to every lifecycle signal of ``coordinator``."""
        return coordinator.subscribe(self)

    def __call__(self, signal: Signal) -> None:
        handler = self._handlers.get(signal.signal_type)
        if handler is not None:
            handler(self, signal)

    def recent_runs(self, limit: int | None = None) -> list[RunSummary]:
        """Finished runs, newest first."""
        with self._lock:
            runs = list(reversed(self._history))
        return runs if limit is None else runs[:limit]

    def _key(self, signal: Signal) -> tuple[str, str | None]:
        return (signal.workflow_id, signal.correlation_id)

    def _workflow_started(self, signal: Signal) -> None:
        self.metrics.workflows_in_flight.inc()
        with self._lock:
            self._runs[self._key(signal)] = _RunState(started_at=signal.timestamp)

    def _workflow_finished(self, signal: Signal) -> None:
        status = "completed" if signal.signal_type is SignalType.WORKFLOW_COMPLETED else "failed"
        m = self.metrics
        m.workflows_in_flight.dec()
        m.workflows.labels(status=status).inc()
        if signal.duration_ms is not None:
            m.workflow_duration.labels(status=status).observe(signal.duration_ms / 1000)
        with self._lock:
            state = self._runs.pop(self._key(signal), None)
            self._history.append(
                RunSummary(
                    workflow_id=signal.workflow_id,
                    correlation_id=signal.correlation_id,
                    status=status,
                    started_at=state.started_at if state else None,
                    finished_at=signal.timestamp,
                    duration_ms=signal.duration_ms,
                    steps_completed=state.steps_completed if state else 0,
                    steps_failed=state.steps_failed if state else 0,
                    retries=state.retries if state else 0,
                    error=signal.error,
                )
            )

    def _stage_started(self, signal: Signal) -> None:
        self.metrics.stages_in_flight.inc()

    def _stage_finished(self, signal: Signal) -> None:
        status = "completed" if signal.signal_type is SignalType.STAGE_COMPLETED else "failed"
        stage_id = signal.stage_id or "unknown"
        m = self.metrics
        m.stages_in_flight.dec()
        m.stages.labels(stage_id=stage_id, status=status).inc()
        if signal.duration_ms is not None:
            m.stage_duration.labels(stage_id=stage_id, status=status).observe(
                signal.duration_ms / 1000
            )

    def _stage_skipped(self, signal: Signal) -> None:
        self.metrics.stages.labels(stage_id=signal.stage_id or "unknown", status="skipped").inc()

    def _step_started(self, signal: Signal) -> None:
        self.metrics.steps_in_flight.inc()

    def _step_finished(self, signal: Signal) -> None:
        failed = signal.signal_type is SignalType.STEP_FAILED
        status = "failed" if failed else "completed"
        stage_id = signal.stage_id or "unknown"
        m = self.metrics
        m.steps_in_flight.dec()
        m.steps.labels(stage_id=stage_id, status=status).inc()
        if failed:
            m.step_failures.labels(stage_id=stage_id).inc()
        if signal.duration_ms is not None:
            m.step_duration.labels(stage_id=stage_id, status=status).observe(
                signal.duration_ms / 1000
            )
        with self._lock:
            state = self._runs.get(self._key(signal))
            if state is not None:
                if failed:
                    state.steps_failed += 1
                else:
                    state.steps_completed += 1

    def _step_retried(self, signal: Signal) -> None:
        self.metrics.step_retries.labels(stage_id=signal.stage_id or "unknown").inc()
        with self._lock:
            state = self._runs.get(self._key(signal))
            if state is not None:
                state.retries += 1

    _handlers: ClassVar[dict[SignalType, Callable[[PrometheusSignalExporter, Signal], None]]] = {
        SignalType.WORKFLOW_STARTED: _workflow_started,
        SignalType.WORKFLOW_COMPLETED: _workflow_finished,
        SignalType.WORKFLOW_FAILED: _workflow_finished,
        SignalType.STAGE_STARTED: _stage_started,
        SignalType.STAGE_COMPLETED: _stage_finished,
        SignalType.STAGE_FAILED: _stage_finished,
        SignalType.STAGE_SKIPPED: _stage_skipped,
        SignalType.STEP_STARTED: _step_started,
        SignalType.STEP_COMPLETED: _step_finished,
        SignalType.STEP_FAILED: _step_finished,
        SignalType.STEP_RETRIED: _step_retried,
    }


_metrics: OmniNodeMetrics | None = None
_metrics_lock = threading.Lock()


def get_prometheus_metrics() -> OmniNodeMetrics:
    """The process-wide metrics (and registry), created on first use."""
    global _metrics
    with _metrics_lock:
        if _metrics is None:
            _metrics = OmniNodeMetrics()
        return _metrics


def set_prometheus_metrics(metrics: OmniNodeMetrics | None) -> None:
    """Replace (or with ``None``, forget) the process-wide metrics."""
    global _metrics
    with _metrics_lock:
        _metrics = metrics
