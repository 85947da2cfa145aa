"""``MixinMetrics``: in-memory counters, gauges and timings of a node."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omninode_bridge.onex.errors import ModelOnexError
from omninode_bridge.onex.mixins.config import MixinMetricsConfig
from omninode_bridge.onex.node import NodeBase, OperationCall, OperationOutcome

__all__ = ["MixinMetrics", "ModelMetricsSnapshot", "ModelTimingSummary", "metric_key"]


def metric_key(name: str, labels: Mapping[str, str]) -> str:
    """``name{a=1,b=2}`` with labels sorted; just ``name`` without labels."""
    if not labels:
        return name
    inner = ",".join(f"{k}={labels[k]}" for k in sorted(labels))
    return f"{name}{{{inner}}}"


@dataclass(frozen=True, slots=True)
class ModelTimingSummary:
    """Summary of one timing series (milliseconds).

    Attributes:
        count: Samples recorded since the last reset.
        total_ms: Sum of every sample.
        min_ms: Smallest sample.
        max_ms: Largest sample.
        mean_ms: ``total_ms / count``.
        percentiles: Percentile -> value (nearest rank over the kept samples).
        buckets: Upper bound in ms -> samples at or below it (cumulative);
            ``math.inf`` counts every sample.
    """

    count: int
    total_ms: float
    min_ms: float
    max_ms: float
    mean_ms: float
    percentiles: Mapping[float, float] = field(default_factory=dict)
    buckets: Mapping[float, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModelMetricsSnapshot:
    """Every metric of a node at one moment, keyed by :func:`metric_key`.

    Attributes:
        node_name: The node's contract name.
        counters: Monotonic counters.
        gauges: Last-value gauges.
        timings: Timing summaries.
        labels: Labels the contract attaches to every metric.
    """

    node_name: str
    counters: Mapping[str, float]
    gauges: Mapping[str, float]
    timings: Mapping[str, ModelTimingSummary]
    labels: Mapping[str, str] = field(default_factory=dict)

    def counter(self, name: str, **labels: str) -> float:
        """Value of a counter (0 when never incremented)."""
        return self.counters.get(metric_key(name, labels), 0.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (infinite bucket bound written as ``"+Inf"``)."""
        return {
            "node_name": self.node_name,
            "labels": dict(self.labels),
            "counters": dict(self.counters),
            "gauges": dict(self.gauges),
            "timings": {
                key: {
                    "count": t.count,
                    "total_ms": t.total_ms,
                    "min_ms": t.min_ms,
                    "max_ms": t.max_ms,
                    "mean_ms": t.mean_ms,
                    "percentiles": {str(p): v for p, v in t.percentiles.items()},
                    "buckets": {
                        ("+Inf" if math.isinf(b) else str(int(b))): n for b, n in t.buckets.items()
                    },
                }
                for key, t in self.timings.items()
            },
        }


@dataclass(slots=True)
class _Series:
    samples: deque[float]
    count: int = 0
    total: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf


class MixinMetrics(NodeBase):
    """Counters, gauges and timings kept in memory, plus automatic operation metrics.

    Every operation run through ``dispatch``/``run_operation`` records
    ``operations_total{operation}`` (throughput), ``operation_errors_total{operation,error_code}``
    (error rates) and the ``operation_duration_ms{operation}`` timing (latency),
    each switchable in the contract. ``operations_in_flight`` is a gauge.

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinMetricsConfig`.
    """

    def _on_configure(self) -> None:
        super()._on_configure()
        self._metrics_config = self.mixin_config(MixinMetricsConfig)
        self._counters: dict[str, float] = {}
        self._gauges: dict[str, float] = {}
        self._series: dict[str, _Series] = {}

    def increment_counter(self, name: str, value: float = 1.0, **labels: str) -> None:
        """Add ``value`` (not negative) to a counter."""
        if value < 0:
            raise ValueError(f"counter {name} cannot decrease (got {value})")
        if self._metrics_config.metrics_enabled:
            key = metric_key(name, labels)
            self._counters[key] = self._counters.get(key, 0.0) + value

    def set_gauge(self, name: str, value: float, **labels: str) -> None:
        """Set a gauge to ``value``."""
        if self._metrics_config.metrics_enabled:
            self._gauges[metric_key(name, labels)] = value

    def record_timing(self, name: str, duration_ms: float, **labels: str) -> None:
        """Add one timing sample in milliseconds."""
        if not self._metrics_config.metrics_enabled:
            return
        key = metric_key(name, labels)
        series = self._series.get(key)
        if series is None:
            series = _Series(deque(maxlen=self._metrics_config.max_samples))
            self._series[key] = series
        series.samples.append(duration_ms)
        series.count += 1
        series.total += duration_ms
        series.minimum = min(series.minimum, duration_ms)
        series.maximum = max(series.maximum, duration_ms)

    def get_metrics(self) -> ModelMetricsSnapshot:
        """A snapshot of every metric."""
        return ModelMetricsSnapshot(
            node_name=self.node_name,
            counters=dict(self._counters),
            gauges=dict(self._gauges),
            timings={key: self._summary(series) for key, series in self._series.items()},
            labels=dict(self._metrics_config.metric_labels),
        )

    def reset_metrics(self) -> None:
        """Forget every metric."""
        self._counters.clear()
        self._gauges.clear()
        self._series.clear()

    def _summary(self, series: _Series) -> ModelTimingSummary:
        ordered = sorted(series.samples)
        percentiles = {p: _nearest_rank(ordered, p) for p in self._metrics_config.percentiles}
        bounds = [float(b) for b in self._metrics_config.histogram_buckets] + [math.inf]
        buckets = {b: sum(1 for s in ordered if s <= b) for b in bounds}
        return ModelTimingSummary(
            count=series.count,
            total_ms=series.total,
            min_ms=series.minimum,
            max_ms=series.maximum,
            mean_ms=series.total / series.count,
            percentiles=percentiles,
            buckets=buckets,
        )

    def _operation_started(self, call: OperationCall) -> None:
        super()._operation_started(call)
        self._adjust_in_flight(1)

    def _operation_finished(self, call: OperationCall, outcome: OperationOutcome) -> None:
        super()._operation_finished(call, outcome)
        self._adjust_in_flight(-1)
        config = self._metrics_config
        if config.collect_throughput:
            self.increment_counter("operations_total", operation=call.operation)
        if config.latency_enabled:
            self.record_timing(
                "operation_duration_ms", outcome.duration_ms, operation=call.operation
            )
        if config.error_rate_enabled and outcome.error is not None:
            code = (
                outcome.error.error_code.value
                if isinstance(outcome.error, ModelOnexError)
                else type(outcome.error).__name__
            )
            self.increment_counter(
                "operation_errors_total", operation=call.operation, error_code=code
            )

    def _adjust_in_flight(self, delta: int) -> None:
        current = self._gauges.get("operations_in_flight", 0.0)
        self.set_gauge("operations_in_flight", current + delta)


def _nearest_rank(ordered: list[float], percentile: float) -> float:
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(percentile / 100.0 * len(ordered)))
    return ordered[rank - 1]
