"""Kafka through the aiokafka seam (fake producer and consumer classes put where the library's
classes are; no broker runs here): one producer per process shared by concurrent callers,
consumers closed, and ``omninode generate`` on the Kafka bus using that one producer."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import aiokafka
import pytest
from typer.testing import CliRunner

from omninode_bridge.cli.app import app
from omninode_bridge.errors import EventBusError
from omninode_bridge.events.kafka import KafkaEventBus
from omninode_bridge.events.models import ModelEvent
from omninode_bridge.metrics import MetricsCollector
from omninode_bridge.metrics.sinks.kafka import KafkaMetricSink, shared_producer_count

ROOT = Path(__file__).resolve().parents[2]


class _Meta:
    partition = 0
    offset = 7


class FakeProducer:
    instances: ClassVar[list[FakeProducer]] = []

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.starts = 0
        self.stops = 0
        self.sent: list[str] = []
        type(self).instances.append(self)

    async def start(self) -> None:
        await asyncio.sleep(0.01)  # a slow start: concurrent callers must wait for this one
        self.starts += 1

    async def stop(self) -> None:
        self.stops += 1

    async def send_and_wait(
        self, topic: str, value: bytes | None = None, key: bytes | None = None
    ) -> _Meta:
        assert self.starts == 1 and self.stops == 0, "sent on a producer that is not running"
        self.sent.append(topic)
        return _Meta()


class FakeConsumer:
    instances: ClassVar[list[FakeConsumer]] = []
    fail_start = False

    def __init__(self, *topics: str, **options: Any) -> None:
        self.topics = topics
        self.running = False
        self.stopped = False
        type(self).instances.append(self)

    async def start(self) -> None:
        await asyncio.sleep(0.01)
        if type(self).fail_start:
            raise OSError("no broker")
        self.running = True

    async def stop(self) -> None:
        self.running = False
        self.stopped = True

    async def getmany(self, *partitions: Any, timeout_ms: int = 0, max_records: Any = None) -> Any:
        return {}

    async def commit(self, offsets: Any = None) -> None:
        return None


@pytest.fixture
def seam(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    FakeProducer.instances = []
    FakeConsumer.instances = []
    FakeConsumer.fail_start = False
    monkeypatch.setattr(aiokafka, "AIOKafkaProducer", FakeProducer)
    monkeypatch.setattr(aiokafka, "AIOKafkaConsumer", FakeConsumer)
    yield
    assert shared_producer_count() == 0


async def test_concurrent_callers_share_one_producer_started_once(seam: None) -> None:
    buses = [KafkaEventBus("broker:9092") for _ in range(3)]
    sink = KafkaMetricSink("broker:9092")
    metrics = MetricsCollector()
    events = [ModelEvent(event_type="x.happened", payload={"i": i}) for i in range(30)]
    await asyncio.gather(
        *(buses[i % 3].publish("t", e) for i, e in enumerate(events)),
        sink.write([metrics.record_counter("workflow_steps_total")]),
    )
    assert len(FakeProducer.instances) == 1
    producer = FakeProducer.instances[0]
    assert (producer.starts, len(producer.sent)) == (1, 31)
    for bus in buses[:2]:
        await bus.close()
    assert producer.stops == 0  # still used by the third bus and the sink
    await buses[2].close()
    await sink.close()
    assert producer.stops == 1


async def test_consumers_are_one_per_member_and_all_closed(seam: None) -> None:
    bus = KafkaEventBus("broker:9092")
    await asyncio.gather(
        *(bus.consume("t", group="g", consumer="c1") for _ in range(5)),
        bus.consume("t", group="g", consumer="c2"),
        bus.consume("u", group="g", consumer="c1"),
    )
    assert len(FakeConsumer.instances) == 3
    FakeConsumer.fail_start = True
    with pytest.raises(EventBusError):
        await bus.consume("v", group="g", consumer="c1")
    await bus.close()
    assert all(c.stopped and not c.running for c in FakeConsumer.instances)
    assert len(FakeConsumer.instances) == 4


async def test_a_failed_producer_start_is_retried_with_a_new_producer(
    seam: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(self: FakeProducer) -> None:
        raise OSError("no broker")

    monkeypatch.setattr(FakeProducer, "start", refuse)
    bus = KafkaEventBus("broker:9092")
    with pytest.raises(EventBusError):
        await bus.publish("t", ModelEvent(event_type="x.happened"))
    assert [p.stops for p in FakeProducer.instances] == [1]
    monkeypatch.undo()
    monkeypatch.setattr(aiokafka, "AIOKafkaProducer", FakeProducer)
    await bus.publish("t", ModelEvent(event_type="x.happened"))
    assert len(FakeProducer.instances) == 2
    await bus.close()


def test_generate_on_the_kafka_bus_uses_one_producer(
    seam: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "examples" / "contracts", tmp_path / "contracts")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OMNINODE_EVENT_BUS", "kafka")
    monkeypatch.setenv("OMNINODE_KAFKA_BOOTSTRAP_SERVERS", "broker:9092")
    result = CliRunner().invoke(app, ["generate", "contracts", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert len(FakeProducer.instances) == 1
    producer = FakeProducer.instances[0]
    assert producer.starts == producer.stops == 1
    assert len(producer.sent) > 10  # the run's lifecycle events
