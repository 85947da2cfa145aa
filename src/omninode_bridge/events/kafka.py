"""KafkaEventBus: topics as Kafka topics (aiokafka), groups as consumer groups.

The producer and the consumers are seams: anything with aiokafka's
``start``/``stop``/``send_and_wait`` (producer) and
``start``/``stop``/``getmany``/``commit`` (consumer) works. By default the
process's shared ``AIOKafkaProducer`` (``acks="all"``, see
:func:`~omninode_bridge.metrics.sinks.kafka.acquire_producer`: one per
bootstrap address, started once for concurrent callers) and one
``AIOKafkaConsumer`` per (topic, group, consumer) with auto-commit off are
used. A consumer whose start fails is stopped; :meth:`KafkaEventBus.close`
stops every consumer and lets go of the producer.

:meth:`KafkaEventBus.ping` (used by ``/health``) opens a TCP connection to a
bootstrap server: a broker nobody answers for is reported, not assumed.

Acknowledging commits the partition's offset, but only up to the first event
of that partition still unacknowledged, so an event is never skipped.
Kafka itself redelivers uncommitted events to the group after a consumer
dies (on rebalance), which is why :meth:`KafkaEventBus.claim_stale` returns
nothing here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from omninode_bridge.errors import EventBusError
from omninode_bridge.events.bus import Delivery
from omninode_bridge.events.models import ModelEvent
from omninode_bridge.logs import get_logger
from omninode_bridge.metrics.sinks.kafka import (
    KafkaProducer,
    acquire_producer,
    release_producer,
)

__all__ = ["KafkaConsumer", "KafkaEventBus"]

log = get_logger(__name__, component="events")


class KafkaConsumer(Protocol):
    """The part of ``aiokafka.AIOKafkaConsumer`` the bus uses."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def getmany(
        self, *partitions: Any, timeout_ms: int = 0, max_records: int | None = None
    ) -> dict[Any, list[Any]]: ...

    async def commit(self, offsets: Any = None) -> None: ...


ConsumerFactory = Callable[[str, str, str, str], KafkaConsumer]


def default_consumer(
    bootstrap_servers: str, topic: str, group: str, consumer: str
) -> KafkaConsumer:
    """An ``AIOKafkaConsumer`` in ``group`` with manual commits from the earliest offset."""
    from aiokafka import AIOKafkaConsumer

    built: KafkaConsumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=group,
        client_id=consumer,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    return built


@dataclass(slots=True)
class _Reader:
    consumer: KafkaConsumer
    outstanding: dict[Any, set[int]] = field(default_factory=dict)
    acked: dict[Any, set[int]] = field(default_factory=dict)
    committed: dict[Any, int] = field(default_factory=dict)
    partitions: dict[str, Any] = field(default_factory=dict)


class KafkaEventBus:
    """Event bus on Kafka.

    Args:
        bootstrap_servers: Kafka bootstrap servers.
        producer: Producer to use instead of an ``AIOKafkaProducer``.
        consumer_factory: ``(bootstrap, topic, group, consumer) -> consumer``.
    """

    name = "kafka"

    def __init__(
        self,
        bootstrap_servers: str = "localhost:9092",
        *,
        producer: KafkaProducer | None = None,
        consumer_factory: ConsumerFactory = default_consumer,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self._producer = producer
        self._shared = producer is None
        self._producer_started = False
        self._consumer_factory = consumer_factory
        self._readers: dict[tuple[str, str, str], _Reader] = {}
        self._lock = asyncio.Lock()

    async def _started_producer(self) -> KafkaProducer:
        async with self._lock:  # concurrent publishers share one start
            if self._producer_started and self._producer is not None:
                return self._producer
            producer = self._producer
            try:
                if self._shared or producer is None:
                    producer = await acquire_producer(self.bootstrap_servers)
                else:
                    try:
                        await producer.start()
                    except Exception:
                        with contextlib.suppress(Exception):
                            await producer.stop()  # a failed start leaves a client open
                        raise
            except Exception as exc:
                raise EventBusError(f"kafka producer did not start: {exc}") from exc
            self._producer = producer
            self._producer_started = True
            return producer

    async def ping(self) -> dict[str, Any]:
        """Open (and close) a TCP connection to the first bootstrap server that answers.

        Raises:
            EventBusError: No bootstrap server accepted a connection within 2 s.
        """
        errors = []
        for server in self.bootstrap_servers.split(","):
            host, _, port = server.strip().rpartition(":")
            try:
                async with asyncio.timeout(2.0):
                    _, writer = await asyncio.open_connection(host or "localhost", int(port))
            except (OSError, TimeoutError, ValueError) as exc:
                errors.append(f"{server.strip()}: {exc or type(exc).__name__}")
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return {"broker": server.strip(), "reachable": True}
        raise EventBusError(f"kafka unreachable: {'; '.join(errors)}")

    async def publish(self, topic: str, event: ModelEvent) -> str:
        """Send the envelope (keyed by correlation id); returns ``partition-offset``."""
        producer = await self._started_producer()
        key = (event.correlation_id or event.event_id).encode()
        try:
            meta = await producer.send_and_wait(topic, value=event.to_json(), key=key)
        except Exception as exc:
            raise EventBusError(f"kafka publish to {topic!r} failed: {exc}") from exc
        partition = getattr(meta, "partition", 0)
        offset = getattr(meta, "offset", -1)
        return f"{partition}-{offset}"

    async def _reader(self, topic: str, group: str, consumer: str) -> _Reader:
        key = (topic, group, consumer)
        async with self._lock:  # concurrent consumes of one member build one consumer
            reader = self._readers.get(key)
            if reader is None:
                built = self._consumer_factory(self.bootstrap_servers, topic, group, consumer)
                try:
                    await built.start()
                except Exception as exc:
                    with contextlib.suppress(Exception):
                        await built.stop()  # a failed start leaves a client open
                    raise EventBusError(
                        f"kafka consumer for {topic!r} did not start: {exc}"
                    ) from exc
                reader = self._readers[key] = _Reader(built)
        return reader

    async def consume(
        self,
        topic: str,
        *,
        group: str,
        consumer: str,
        max_count: int = 100,
        block_ms: int = 0,
    ) -> list[Delivery]:
        """Fetch up to ``max_count`` records for this group member."""
        reader = await self._reader(topic, group, consumer)
        try:
            batches = await reader.consumer.getmany(timeout_ms=block_ms, max_records=max_count)
        except Exception as exc:
            raise EventBusError(f"kafka fetch from {topic!r} failed: {exc}") from exc
        out: list[Delivery] = []
        for tp, records in batches.items():
            for record in records:
                message_id = f"{tp.partition}-{record.offset}"
                reader.partitions[message_id] = tp
                reader.outstanding.setdefault(tp, set()).add(record.offset)
                try:
                    event = ModelEvent.from_json(record.value)
                except EventBusError as exc:
                    log.warning(
                        "events.malformed", topic=topic, offset=record.offset, error=str(exc)
                    )
                    await self._ack_offset(reader, tp, record.offset)
                    continue
                out.append(Delivery(topic, message_id, event, group, consumer))
        return out

    async def ack(self, delivery: Delivery) -> None:
        """Commit past ``delivery`` once every earlier record of its partition is acked."""
        reader = self._readers.get((delivery.topic, delivery.group, delivery.consumer))
        if reader is None:
            raise EventBusError(f"ack of {delivery.message_id}: unknown consumer")
        tp = reader.partitions.pop(delivery.message_id, None)
        if tp is None:
            return
        await self._ack_offset(reader, tp, int(delivery.message_id.rsplit("-", 1)[1]))

    async def _ack_offset(self, reader: _Reader, tp: Any, offset: int) -> None:
        outstanding = reader.outstanding.setdefault(tp, set())
        acked = reader.acked.setdefault(tp, set())
        acked.add(offset)
        commit_to = None
        for candidate in sorted(outstanding):
            if candidate not in acked:
                break
            commit_to = candidate + 1
            outstanding.discard(candidate)
            acked.discard(candidate)
        if commit_to is None or commit_to <= reader.committed.get(tp, -1):
            return
        try:
            await reader.consumer.commit({tp: commit_to})
        except Exception as exc:
            raise EventBusError(f"kafka commit failed: {exc}") from exc
        reader.committed[tp] = commit_to

    async def claim_stale(
        self,
        topic: str,
        *,
        group: str,
        consumer: str,
        min_idle_ms: int,
        max_count: int = 100,
    ) -> list[Delivery]:
        """Nothing to claim: Kafka reassigns a dead member's partitions itself."""
        return []

    async def close(self) -> None:
        """Stop the consumers and the producer."""
        for reader in self._readers.values():
            try:
                await reader.consumer.stop()
            except Exception as exc:
                log.warning("events.kafka_consumer_stop_failed", error=repr(exc))
        self._readers.clear()
        if self._producer is not None and self._producer_started:
            self._producer_started = False
            if self._shared:
                self._producer = None
                await release_producer(self.bootstrap_servers)
            else:
                await self._producer.stop()
