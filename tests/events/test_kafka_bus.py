"""KafkaEventBus through its producer and consumer seams."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from omninode_bridge.errors import EventBusError
from omninode_bridge.events import ModelEvent
from omninode_bridge.events.kafka import KafkaEventBus


@dataclass(frozen=True)
class TopicPartition:
    topic: str
    partition: int


@dataclass(frozen=True)
class Record:
    offset: int
    value: bytes


@dataclass(frozen=True)
class RecordMetadata:
    partition: int
    offset: int


class FakeProducer:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, bytes, bytes | None]] = []
        self.fail = fail
        self.started = self.stopped = 0

    async def start(self) -> None:
        self.started += 1

    async def stop(self) -> None:
        self.stopped += 1

    async def send_and_wait(
        self, topic: str, value: bytes | None = None, key: bytes | None = None
    ) -> RecordMetadata:
        if self.fail:
            raise ConnectionError("no leader")
        assert value is not None
        self.sent.append((topic, value, key))
        return RecordMetadata(0, len(self.sent) - 1)


class FakeConsumer:
    """Serves queued records of one partition and records commits."""

    def __init__(self, records: list[bytes]) -> None:
        self.tp = TopicPartition("t", 3)
        self.records = [Record(i, v) for i, v in enumerate(records)]
        self.position = 0
        self.commits: list[int] = []
        self.started = self.stopped = 0

    async def start(self) -> None:
        self.started += 1

    async def stop(self) -> None:
        self.stopped += 1

    async def getmany(
        self, *partitions: Any, timeout_ms: int = 0, max_records: int | None = None
    ) -> dict[Any, list[Any]]:
        end = len(self.records) if max_records is None else self.position + max_records
        batch = self.records[self.position : end]
        self.position += len(batch)
        return {self.tp: batch} if batch else {}

    async def commit(self, offsets: Any = None) -> None:
        self.commits.append(offsets[self.tp])


def _bus(consumer: FakeConsumer, producer: FakeProducer | None = None) -> KafkaEventBus:
    return KafkaEventBus(
        "k:9092", producer=producer or FakeProducer(), consumer_factory=lambda *a: consumer
    )


async def test_publish_sends_envelope_keyed_by_correlation_id() -> None:
    producer = FakeProducer()
    bus = KafkaEventBus("k:9092", producer=producer)
    event = ModelEvent("stage.completed", {"stage_id": "models"}, correlation_id="run-1")
    assert await bus.publish("omninode.lifecycle.v1", event) == "0-0"
    [(topic, value, key)] = producer.sent
    assert (topic, key) == ("omninode.lifecycle.v1", b"run-1")
    assert json.loads(value)["payload"] == {"stage_id": "models"}
    await bus.close()
    assert producer.stopped == 1


async def test_publish_failure_raises_event_bus_error() -> None:
    bus = KafkaEventBus("k:9092", producer=FakeProducer(fail=True))
    with pytest.raises(EventBusError, match=r"omninode\.lifecycle"):
        await bus.publish("omninode.lifecycle", ModelEvent("x"))


async def test_commit_never_skips_an_unacknowledged_offset() -> None:
    consumer = FakeConsumer([ModelEvent("e", {"i": i}).to_json() for i in range(4)])
    bus = _bus(consumer)
    d = await bus.consume("t", group="g", consumer="c")
    assert [x.message_id for x in d] == ["3-0", "3-1", "3-2", "3-3"]
    await bus.ack(d[2])
    await bus.ack(d[1])
    assert consumer.commits == []  # offset 0 still unacknowledged
    await bus.ack(d[0])
    assert consumer.commits == [3]
    await bus.ack(d[3])
    assert consumer.commits == [3, 4]


async def test_malformed_record_is_skipped_and_committed() -> None:
    consumer = FakeConsumer([b"garbage", ModelEvent("ok").to_json()])
    bus = _bus(consumer)
    [delivery] = await bus.consume("t", group="g", consumer="c")
    assert delivery.event.event_type == "ok"
    assert consumer.commits == [1]
    await bus.ack(delivery)
    assert consumer.commits == [1, 2]


async def test_consumer_is_created_once_per_member_and_stopped_on_close() -> None:
    consumer = FakeConsumer([])
    bus = _bus(consumer)
    assert await bus.consume("t", group="g", consumer="c") == []
    assert await bus.consume("t", group="g", consumer="c") == []
    await bus.close()
    assert (consumer.started, consumer.stopped) == (1, 1)


async def test_claim_stale_is_left_to_kafka_rebalancing() -> None:
    bus = _bus(FakeConsumer([]))
    assert await bus.claim_stale("t", group="g", consumer="c", min_idle_ms=0) == []
