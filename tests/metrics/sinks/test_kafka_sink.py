"""KafkaMetricSink through its producer seam: routing, envelopes, batching, failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from omninode_bridge.agents.metrics import Metric, MetricsCollector, MetricType
from omninode_bridge.errors import EventBusError
from omninode_bridge.metrics.sinks import KafkaMetricSink, metric_envelope, topic_for


class FakeProducer:
    """Records what would be sent; fails the sends it is told to fail."""

    def __init__(self, *, fail_sends: int = 0, fail_names: set[str] | None = None) -> None:
        self.sent: list[tuple[str, dict[str, Any], bytes | None]] = []
        self.fail_sends = fail_sends
        self.fail_names = fail_names or set()
        self.started = 0
        self.stopped = 0
        self.fail_start = 0

    async def start(self) -> None:
        if self.fail_start:
            self.fail_start -= 1
            raise ConnectionError("broker unavailable")
        self.started += 1

    async def stop(self) -> None:
        self.stopped += 1

    async def send_and_wait(
        self, topic: str, value: bytes | None = None, key: bytes | None = None
    ) -> None:
        assert value is not None
        message = json.loads(value)
        if self.fail_sends:
            self.fail_sends -= 1
            raise ConnectionError("leader not available")
        if message["payload"]["metric_name"] in self.fail_names:
            raise ConnectionError("record too large")
        self.sent.append((topic, message, key))

    def metric_ids(self) -> list[str]:
        return [m["payload"]["metric_id"] for _, m, _ in self.sent]


def _metric(name: str, metric_id: str = "m-1", correlation_id: str | None = "c-1") -> Metric:
    return Metric(
        metric_name=name,
        metric_type=MetricType.TIMING,
        value=12.5,
        unit="ms",
        tags={"stage_id": "models"},
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        correlation_id=correlation_id,
        agent_id="executor",
        metric_id=metric_id,
    )


@pytest.mark.parametrize(
    ("name", "topic"),
    [
        ("routing_decision_time_ms", "dev.agent.metrics.routing.v1"),
        ("state_get_time_ms", "dev.agent.metrics.state-ops.v1"),
        ("coordination_overhead_ms", "dev.agent.metrics.coordination.v1"),
        ("workflow_stage_execution_time_ms", "dev.agent.metrics.workflow.v1"),
        ("quorum_consensus_score", "dev.agent.metrics.ai-quorum.v1"),
        ("validation_time_ms", "dev.agent.metrics.routing.v1"),
    ],
    ids=["routing", "state", "coordination", "workflow", "quorum", "other"],
)
async def test_topic_follows_metric_name_prefix(name: str, topic: str) -> None:
    producer = FakeProducer()
    sink = KafkaMetricSink("kafka:9092", producer)
    await sink.write([_metric(name)])
    assert [t for t, _, _ in producer.sent] == [topic]
    assert topic_for(name) == topic


def test_environment_prefixes_the_topic() -> None:
    assert topic_for("quorum_x", environment="prod") == "prod.agent.metrics.ai-quorum.v1"


async def test_message_is_the_onex_envelope() -> None:
    producer = FakeProducer()
    await KafkaMetricSink("k:9092", producer).write([_metric("workflow_x", "abc-1")])
    [(_, message, key)] = producer.sent
    assert key == b"c-1"
    assert message == {
        "event_type": "metric.recorded",
        "event_version": "v1",
        "event_id": metric_envelope(_metric("workflow_x", "abc-1"))["event_id"],
        "timestamp": "2026-01-01T00:00:00+00:00",
        "source_service": "omninode-bridge",
        "correlation_id": "c-1",
        "payload": {
            "metric_id": "abc-1",
            "metric_name": "workflow_x",
            "metric_type": "timing",
            "value": 12.5,
            "unit": "ms",
            "tags": {"stage_id": "models"},
            "agent_id": "executor",
            "correlation_id": "c-1",
        },
    }


def test_event_id_is_stable_per_metric_and_distinct_across_metrics() -> None:
    a = metric_envelope(_metric("x", "id-1"))["event_id"]
    assert a == metric_envelope(_metric("x", "id-1"))["event_id"]
    assert a != metric_envelope(_metric("x", "id-2"))["event_id"]


async def test_key_falls_back_to_metric_name_without_correlation_id() -> None:
    producer = FakeProducer()
    await KafkaMetricSink("k:9092", producer).write([_metric("x", correlation_id=None)])
    assert producer.sent[0][2] == b"x"


async def test_collector_flushes_in_batches_of_batch_size() -> None:
    producer = FakeProducer()
    collector = MetricsCollector(batch_size=100, flush_interval_ms=60_000)
    collector.add_sink(KafkaMetricSink("k:9092", producer))
    for i in range(250):
        collector.record_timing("workflow_step_ms", float(i))
    assert await collector.flush() == 100
    assert len(producer.sent) == 100
    await collector.stop()
    assert len(producer.sent) == 250
    assert producer.stopped == 1


async def test_outage_loses_nothing_and_duplicates_nothing() -> None:
    producer = FakeProducer(fail_sends=150)
    collector = MetricsCollector(batch_size=100, flush_interval_ms=60_000)
    collector.add_sink(KafkaMetricSink("k:9092", producer))
    recorded = [collector.record_gauge("state_size", float(i)).metric_id for i in range(300)]
    await collector.flush(drain=True)  # first batch fails entirely
    await collector.flush(drain=True)  # 50 more failures, then the broker is back
    await collector.stop()
    assert sorted(producer.metric_ids()) == sorted(recorded)
    assert collector.get_stats().flush_failures == 2


async def test_partially_failed_batch_resends_only_unacknowledged_messages() -> None:
    producer = FakeProducer(fail_names={"quorum_bad"})
    sink = KafkaMetricSink("k:9092", producer)
    batch = [_metric("quorum_ok", "1"), _metric("quorum_bad", "2"), _metric("quorum_ok", "3")]
    with pytest.raises(EventBusError, match="1 of 3"):
        await sink.write(batch)
    producer.fail_names.clear()
    await sink.write(batch)
    assert producer.metric_ids() == ["1", "3", "2"]


async def test_producer_that_cannot_start_is_retried_on_next_write() -> None:
    producer = FakeProducer()
    producer.fail_start = 1
    sink = KafkaMetricSink("k:9092", producer)
    with pytest.raises(EventBusError, match="did not start"):
        await sink.write([_metric("x")])
    await sink.write([_metric("x")])
    assert producer.started == 1
    assert len(producer.sent) == 1


async def test_close_without_start_does_not_stop_producer() -> None:
    producer = FakeProducer()
    await KafkaMetricSink("k:9092", producer).close()
    assert producer.stopped == 0


async def test_default_producer_is_built_by_the_factory_on_first_write() -> None:
    built: list[str] = []
    producer = FakeProducer()

    def factory(servers: str) -> FakeProducer:
        built.append(servers)
        return producer

    sink = KafkaMetricSink("broker-1:9092,broker-2:9092", producer_factory=factory)
    assert built == []
    await sink.write([_metric("x")])
    assert built == ["broker-1:9092,broker-2:9092"]


async def test_collector_start_adds_kafka_sink_and_keeps_metrics_when_broker_is_down() -> None:
    collector = MetricsCollector(batch_size=10, flush_interval_ms=60_000)
    await collector.start(kafka_bootstrap_servers="127.0.0.1:1")
    collector.record_counter("workflow_runs")
    [sink] = collector.sinks
    assert isinstance(sink, KafkaMetricSink)
    await collector.stop()
    assert collector.pending_for(sink) == 1
    assert collector.get_stats().flush_failures >= 1
