"""Typed metric records and the sink protocol."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Protocol, runtime_checkable

__all__ = ["Metric", "MetricSink", "MetricSummary", "MetricType"]


class MetricType(str, Enum):
    """Kinds of metric the collector records."""

    TIMING = "timing"
    COUNTER = "counter"
    GAUGE = "gauge"
    RATE = "rate"


@dataclass(frozen=True, slots=True)
class Metric:
    """One recorded measurement.

    Attributes:
        metric_name: Dotted or snake_case name, at most 100 characters.
        metric_type: Timing, counter, gauge or rate.
        value: The measured value (milliseconds for timings).
        unit: Unit of ``value`` (``ms``, ``count``...), at most 20 characters.
        tags: String labels.
        timestamp: When it was recorded (UTC).
        correlation_id: Correlation id of the work that produced it.
        agent_id: Component that recorded it.
        metric_id: Unique id (the collector assigns a process-unique one).
    """

    metric_name: str
    metric_type: MetricType
    value: float
    unit: str
    tags: Mapping[str, str]
    timestamp: datetime
    correlation_id: str | None = None
    agent_id: str | None = None
    metric_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """Running aggregate of every value recorded under one metric name."""

    metric_name: str
    metric_type: MetricType
    count: int
    total: float
    minimum: float
    maximum: float
    last: float

    @property
    def average(self) -> float:
        """Mean of the recorded values (0.0 when nothing was recorded)."""
        return self.total / self.count if self.count else 0.0


@runtime_checkable
class MetricSink(Protocol):
    """Destination for flushed metric batches (database, Kafka, ...).

    ``write`` raises on failure; the collector keeps the batch and retries it
    on the next flush, so a sink that is down for a while loses nothing that
    still fits in its buffer.
    """

    name: str

    async def write(self, batch: Sequence[Metric]) -> None:
        """Persist or publish one batch."""

    async def close(self) -> None:
        """Release connections; called once by ``MetricsCollector.stop``."""
