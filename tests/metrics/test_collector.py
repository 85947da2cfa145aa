"""MetricsCollector: typed records, bounded buffer, sinks, flushing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from omninode_bridge.agents.metrics import Metric, MetricsCollector, MetricSink, MetricType
from omninode_bridge.metrics.collector import DROPPED_METRIC


class ListSink:
    def __init__(self, name: str = "list", fail_times: int = 0) -> None:
        self.name = name
        self.batches: list[list[Metric]] = []
        self.fail_times = fail_times
        self.closed = False

    async def write(self, batch: Sequence[Metric]) -> None:
        if self.fail_times > 0:
            self.fail_times -= 1
            raise ConnectionError("sink down")
        self.batches.append(list(batch))

    async def close(self) -> None:
        self.closed = True

    @property
    def written(self) -> list[Metric]:
        return [m for b in self.batches for m in b]


def fixed_clock() -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC)


def test_records_are_typed() -> None:
    m = MetricsCollector(clock=fixed_clock)
    t = m.record_timing("stage_ms", 12.5, tags={"stage": "a"}, correlation_id="c1")
    c = m.record_counter("steps", 3)
    g = m.record_gauge("in_flight", 4, unit="tasks")
    r = m.record_rate("throughput", 100.0)
    assert (t.metric_type, t.unit, t.value, t.tags, t.correlation_id) == (
        MetricType.TIMING,
        "ms",
        12.5,
        {"stage": "a"},
        "c1",
    )
    assert (c.metric_type, g.metric_type, r.metric_type) == (
        MetricType.COUNTER,
        MetricType.GAUGE,
        MetricType.RATE,
    )
    assert t.timestamp == fixed_clock()
    assert isinstance(ListSink(), MetricSink)


def test_buffer_is_bounded_and_drops_are_counted() -> None:
    m = MetricsCollector(buffer_size=3)
    for i in range(5):
        m.record_counter("n", i)
    assert [x.value for x in m.get_metrics()] == [2, 3, 4]
    stats = m.get_stats()
    assert (stats.buffer_size, stats.recorded, stats.dropped) == (3, 5, 2)


def test_summary_aggregates_every_value() -> None:
    m = MetricsCollector(buffer_size=2)
    for v in (5.0, 1.0, 9.0):
        m.record_timing("t", v)
    s = m.get_summary("t")
    assert s is not None
    assert (s.count, s.total, s.minimum, s.maximum, s.last) == (3, 15.0, 1.0, 9.0, 9.0)
    assert s.average == 5.0


def test_rejects_overlong_names() -> None:
    m = MetricsCollector()
    with pytest.raises(ValueError, match="metric_name"):
        m.record_counter("x" * 101)


async def test_stop_flushes_everything_and_closes_sinks() -> None:
    m = MetricsCollector(batch_size=10)
    sink = ListSink()
    m.add_sink(sink)
    await m.start()
    for i in range(25):
        m.record_counter("n", i)
    await m.stop()
    assert [x.value for x in sink.written] == list(range(25))
    assert sink.closed
    assert m.get_stats().flushed == 25


async def test_failed_batch_is_kept_and_retried_without_loss() -> None:
    m = MetricsCollector(batch_size=5)
    sink = ListSink(fail_times=2)
    m.add_sink(sink)
    for i in range(7):
        m.record_counter("n", i)
    assert await m.flush() == 0
    assert m.pending_for(sink) == 7
    assert await m.flush() == 0
    assert await m.flush(drain=True) == 7
    assert [x.value for x in sink.written] == list(range(7))
    assert m.get_stats().flush_failures == 2


async def test_one_failing_sink_does_not_duplicate_or_block_another() -> None:
    m = MetricsCollector(batch_size=100)
    good, bad = ListSink("good"), ListSink("bad", fail_times=1)
    m.add_sink(good)
    m.add_sink(bad)
    m.record_counter("n", 1)
    await m.flush()
    await m.flush()
    assert len(good.written) == 1
    assert len(bad.written) == 1


async def test_sink_buffer_overflow_drops_oldest_and_counts() -> None:
    m = MetricsCollector(buffer_size=4, batch_size=100)
    sink = ListSink(fail_times=100)
    m.add_sink(sink)
    for i in range(6):
        m.record_counter("n", i)
    assert m.pending_for(sink) == 4
    assert m.get_stats().dropped == 2  # two metrics were lost, counted once


async def test_batch_size_triggers_background_flush() -> None:
    m = MetricsCollector(batch_size=3, flush_interval_ms=60_000)
    sink = ListSink()
    m.add_sink(sink)
    await m.start()
    for i in range(3):
        m.record_counter("n", i)
    task = m._flush_task
    assert task is not None
    await task
    assert len(sink.written) == 3
    await m.stop()


def test_invalid_sizes_rejected() -> None:
    with pytest.raises(ValueError):
        MetricsCollector(buffer_size=0)


class GatedSink(ListSink):
    """A sink whose first write waits until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__("gated")
        self.gate: asyncio.Event = asyncio.Event()
        self.writing: asyncio.Event = asyncio.Event()

    async def write(self, batch: Sequence[Metric]) -> None:
        self.writing.set()
        await self.gate.wait()
        await super().write(batch)


async def test_overflow_during_a_write_keeps_the_newest_metrics() -> None:
    m = MetricsCollector(buffer_size=4, batch_size=4)
    sink = GatedSink()
    m.add_sink(sink)
    for i in range(4):
        m.record_counter("n", i)
    flushing = asyncio.ensure_future(m.flush())
    await sink.writing.wait()
    m.record_counter("n", 4)
    m.record_counter("n", 5)  # evicts 0 and 1, which the sink is writing
    sink.gate.set()
    await flushing
    await m.flush(drain=True)
    values = [x.value for x in sink.written if x.metric_name == "n"]
    assert values == [0, 1, 2, 3, 4, 5]
    assert m.get_stats().dropped == 0


async def test_drops_are_counted_and_exposed_as_a_metric() -> None:
    m = MetricsCollector(buffer_size=2, batch_size=100)
    sink = ListSink()
    m.add_sink(sink)
    for i in range(5):
        m.record_counter("n", i)
    await m.flush(drain=True)
    assert [x.value for x in sink.written] == [3, 4]  # the oldest were dropped
    await m.flush(drain=True)
    dropped = [x for x in sink.written if x.metric_name == DROPPED_METRIC]
    assert [x.value for x in dropped] == [3]
    assert m.get_stats().dropped == 3
