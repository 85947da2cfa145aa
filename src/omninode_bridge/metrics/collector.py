"""MetricsCollector: typed metric records in a bounded buffer with pluggable sinks.

Recording is a cheap, synchronous append (safe on the executor's hot path).
Sinks receive batches from a background flush; each sink has its own bounded
buffer, so one failing sink neither blocks nor duplicates the others, and a
batch that fails to write stays buffered for the next flush. When a buffer is
full the oldest metric is dropped and counted in ``get_stats().dropped``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from omninode_bridge.logs import get_logger
from omninode_bridge.metrics.models import Metric, MetricSink, MetricSummary, MetricType

__all__ = ["DROPPED_METRIC", "CollectorStats", "MetricsCollector"]

log = get_logger(__name__, component="metrics")

_MAX_NAME = 100
_MAX_UNIT = 20
_EMPTY_TAGS: Mapping[str, str] = {}
#: Counter recorded after a flush when a full buffer dropped metrics (value: how many).
DROPPED_METRIC = "metrics_dropped"


@dataclass(frozen=True, slots=True)
class CollectorStats:
    """Counters describing the collector's state."""

    buffer_size: int
    buffer_capacity: int
    recorded: int
    dropped: int
    flushed: int
    flush_failures: int
    sinks: tuple[str, ...]
    running: bool


class _Accumulator:
    """Mutable running aggregate behind :class:`MetricSummary`."""

    __slots__ = ("count", "last", "maximum", "metric_type", "minimum", "total")

    def __init__(self, metric_type: MetricType, value: float) -> None:
        self.metric_type = metric_type
        self.count = 1
        self.total = self.minimum = self.maximum = self.last = value

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.last = value
        if value < self.minimum:
            self.minimum = value
        elif value > self.maximum:
            self.maximum = value

    def summary(self, name: str) -> MetricSummary:
        return MetricSummary(
            name, self.metric_type, self.count, self.total, self.minimum, self.maximum, self.last
        )


class _SinkChannel:
    """One sink with its own bounded buffer of metrics not yet written."""

    __slots__ = ("dropped", "evicted", "failures", "pending", "sink", "written")

    def __init__(self, sink: MetricSink, capacity: int) -> None:
        self.sink = sink
        self.pending: deque[Metric] = deque(maxlen=capacity)
        self.dropped = 0
        self.evicted = 0
        self.failures = 0
        self.written = 0

    def append(self, metric: Metric) -> None:
        """Buffer ``metric``; a full buffer drops its oldest metric (and counts it)."""
        if len(self.pending) == self.pending.maxlen:
            self.dropped += 1
            self.evicted += 1
        self.pending.append(metric)

    async def flush_once(self, batch_size: int) -> bool:
        """Write up to ``batch_size`` metrics; False when the sink failed."""
        if not self.pending:
            return True
        batch = [self.pending[i] for i in range(min(batch_size, len(self.pending)))]
        evicted_before = self.evicted
        try:
            await self.sink.write(batch)
        except Exception as exc:
            self.failures += 1
            log.warning("metrics.sink_failed", sink=self.sink.name, error=repr(exc))
            return False
        # metrics recorded during the write may have pushed the oldest ones of
        # this batch out of the buffer: those were written, not dropped, and
        # only the rest of the batch is still at the front of the buffer
        gone = min(self.evicted - evicted_before, len(batch))
        self.dropped -= gone
        for _ in range(len(batch) - gone):
            self.pending.popleft()
        self.written += len(batch)
        return True


class MetricsCollector:
    """Collects timing, counter, gauge and rate metrics.

    Args:
        buffer_size: Capacity of the in-memory buffer (and of each sink's buffer).
        batch_size: Metrics written to a sink per write call.
        flush_interval_ms: Period of the background flush while started.
        clock: Wall clock returning a UTC ``datetime``; injectable for tests.

    Example:
        ```python
        metrics = MetricsCollector()
        await metrics.start()
        metrics.record_timing("stage_execution_time_ms", 12.5, tags={"stage_id": "models"})
        await metrics.stop()
        ```
    """

    def __init__(
        self,
        buffer_size: int = 10_000,
        batch_size: int = 100,
        flush_interval_ms: int = 1_000,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if buffer_size < 1 or batch_size < 1 or flush_interval_ms < 1:
            raise ValueError("buffer_size, batch_size and flush_interval_ms must be >= 1")
        self.buffer_size = buffer_size
        self.batch_size = batch_size
        self.flush_interval_ms = flush_interval_ms
        self._clock = clock or (lambda: datetime.now(UTC))
        self._buffer: deque[Metric] = deque(maxlen=buffer_size)
        self._summaries: dict[str, _Accumulator] = {}
        self._id_prefix = os.urandom(6).hex() + "-"
        self._ids = itertools.count(1)
        self._channels: list[_SinkChannel] = []
        self._recorded = 0
        self._dropped = 0
        self._drops_reported = 0
        self._since_flush = 0
        self._flush_task: asyncio.Task[int] | None = None
        self._periodic_task: asyncio.Task[None] | None = None
        self._flush_lock: asyncio.Lock | None = None
        self._running = False

    # -- sinks and lifecycle -------------------------------------------------

    def add_sink(self, sink: MetricSink) -> None:
        """Attach a sink; it receives every metric recorded from now on."""
        self._channels.append(_SinkChannel(sink, self.buffer_size))

    @property
    def sinks(self) -> tuple[MetricSink, ...]:
        """The attached sinks, in the order they were added."""
        return tuple(channel.sink for channel in self._channels)

    async def start(
        self,
        kafka_bootstrap_servers: str | None = None,
        postgres_url: str | None = None,
    ) -> None:
        """Start background flushing; optionally add the Kafka and database sinks.

        Args:
            kafka_bootstrap_servers: Adds a Kafka sink publishing metric envelopes.
            postgres_url: Adds a database sink (any SQLAlchemy URL; PostgreSQL or SQLite).
        """
        if postgres_url:
            from omninode_bridge.metrics.sinks.database import DatabaseMetricSink

            self.add_sink(DatabaseMetricSink(postgres_url))
        if kafka_bootstrap_servers:
            from omninode_bridge.metrics.sinks.kafka import KafkaMetricSink

            self.add_sink(KafkaMetricSink(kafka_bootstrap_servers))
        self._flush_lock = asyncio.Lock()
        self._running = True
        if self._channels and self._periodic_task is None:
            self._periodic_task = asyncio.create_task(self._periodic_flush())
        log.debug("metrics.started", sinks=[c.sink.name for c in self._channels])

    async def stop(self) -> None:
        """Stop background flushing, flush everything still buffered, close sinks."""
        self._running = False
        for task in (self._periodic_task, self._flush_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._periodic_task = None
        self._flush_task = None
        await self.flush(drain=True)
        for channel in self._channels:
            try:
                await channel.sink.close()
            except Exception as exc:
                log.warning("metrics.sink_close_failed", sink=channel.sink.name, error=repr(exc))
        log.debug("metrics.stopped", recorded=self._recorded, dropped=self._dropped)

    async def flush(self, *, drain: bool = False) -> int:
        """Write buffered metrics to every sink.

        Args:
            drain: Keep writing batches until each sink's buffer is empty or the
                sink fails; otherwise write at most one batch per sink.

        Returns:
            Number of metrics written across all sinks.
        """
        if not self._channels:
            self._since_flush = 0
            return 0
        lock = self._flush_lock or asyncio.Lock()
        self._flush_lock = lock
        async with lock:
            before = sum(c.written for c in self._channels)
            await asyncio.gather(*(self._flush_channel(c, drain) for c in self._channels))
            self._since_flush = 0
            self._report_drops()
            return sum(c.written for c in self._channels) - before

    def _report_drops(self) -> None:
        """Record the metrics dropped since the last report as a ``DROPPED_METRIC`` counter."""
        dropped = self.dropped
        if dropped > self._drops_reported:
            delta = dropped - self._drops_reported
            self._drops_reported = dropped
            self.record(DROPPED_METRIC, MetricType.COUNTER, delta, "count")

    @property
    def dropped(self) -> int:
        """Metrics lost to a full buffer: per sink when there are sinks, else in memory."""
        if self._channels:
            return max(c.dropped for c in self._channels)
        return self._dropped

    async def _flush_channel(self, channel: _SinkChannel, drain: bool) -> None:
        while channel.pending:
            if not await channel.flush_once(self.batch_size) or not drain:
                return

    async def _periodic_flush(self) -> None:
        interval = self.flush_interval_ms / 1000
        while self._running:
            await asyncio.sleep(interval)
            await self.flush()

    # -- recording -----------------------------------------------------------

    def record(
        self,
        metric_name: str,
        metric_type: MetricType,
        value: float,
        unit: str,
        tags: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
        agent_id: str | None = None,
    ) -> Metric:
        """Record one metric of any type and return the stored record."""
        if len(metric_name) > _MAX_NAME:
            raise ValueError(f"metric_name longer than {_MAX_NAME} characters: {metric_name!r}")
        if len(unit) > _MAX_UNIT:
            raise ValueError(f"unit longer than {_MAX_UNIT} characters: {unit!r}")
        metric = Metric(
            metric_name=metric_name,
            metric_type=metric_type,
            value=float(value),
            unit=unit,
            tags=dict(tags) if tags else _EMPTY_TAGS,
            timestamp=self._clock(),
            correlation_id=correlation_id,
            agent_id=agent_id,
            metric_id=f"{self._id_prefix}{next(self._ids):x}",
        )
        if len(self._buffer) == self.buffer_size:
            self._dropped += 1
        self._buffer.append(metric)
        self._recorded += 1
        self._summarise(metric)
        for channel in self._channels:
            channel.append(metric)
        self._since_flush += 1
        if self._since_flush >= self.batch_size and self._channels:
            self._schedule_flush()
        return metric

    def _summarise(self, metric: Metric) -> None:
        acc = self._summaries.get(metric.metric_name)
        if acc is None:
            self._summaries[metric.metric_name] = _Accumulator(metric.metric_type, metric.value)
        else:
            acc.add(metric.value)

    def _schedule_flush(self) -> None:
        if not self._running or (self._flush_task is not None and not self._flush_task.done()):
            return
        try:
            self._flush_task = asyncio.get_running_loop().create_task(self.flush())
        except RuntimeError:  # recorded from a thread without a loop; periodic flush covers it
            return

    def record_timing(
        self,
        metric_name: str,
        duration_ms: float,
        tags: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> Metric:
        """Record a duration in milliseconds."""
        return self.record(metric_name, MetricType.TIMING, duration_ms, "ms", tags, correlation_id)

    def record_counter(
        self,
        metric_name: str,
        count: float = 1,
        tags: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> Metric:
        """Record an increment of a counter."""
        return self.record(metric_name, MetricType.COUNTER, count, "count", tags, correlation_id)

    def record_gauge(
        self,
        metric_name: str,
        value: float,
        unit: str = "",
        tags: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> Metric:
        """Record the current value of a gauge."""
        return self.record(metric_name, MetricType.GAUGE, value, unit, tags, correlation_id)

    def record_rate(
        self,
        metric_name: str,
        value: float,
        unit: str = "per_second",
        tags: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> Metric:
        """Record a rate (events per unit of time, or a ratio)."""
        return self.record(metric_name, MetricType.RATE, value, unit, tags, correlation_id)

    # -- queries -------------------------------------------------------------

    def get_metrics(self, metric_name: str | None = None) -> list[Metric]:
        """Metrics still in the in-memory buffer, oldest first."""
        if metric_name is None:
            return list(self._buffer)
        return [m for m in self._buffer if m.metric_name == metric_name]

    def get_summary(self, metric_name: str) -> MetricSummary | None:
        """Aggregate of every value ever recorded under ``metric_name``."""
        acc = self._summaries.get(metric_name)
        return acc.summary(metric_name) if acc is not None else None

    def get_summaries(self) -> dict[str, MetricSummary]:
        """Aggregates for every metric name recorded so far."""
        return {name: acc.summary(name) for name, acc in self._summaries.items()}

    def get_stats(self) -> CollectorStats:
        """Buffer occupancy, totals and sink health."""
        return CollectorStats(
            buffer_size=len(self._buffer),
            buffer_capacity=self.buffer_size,
            recorded=self._recorded,
            dropped=self.dropped,
            flushed=sum(c.written for c in self._channels),
            flush_failures=sum(c.failures for c in self._channels),
            sinks=tuple(c.sink.name for c in self._channels),
            running=self._running,
        )

    def pending_for(self, sink: MetricSink) -> int:
        """Metrics buffered for ``sink`` and not yet written."""
        for channel in self._channels:
            if channel.sink is sink:
                return len(channel.pending)
        raise KeyError(sink.name)
