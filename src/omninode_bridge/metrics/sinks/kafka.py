"""KafkaMetricSink: metric batches as ``OnexEnvelopeV1`` messages on Kafka.

Topics follow the metric-name prefix (see :mod:`.routing`). The producer is a
seam: anything with aiokafka's ``start``/``stop``/``send_and_wait`` works, and
by default an ``aiokafka.AIOKafkaProducer`` (``acks="all"``) is created and
started on the first write.

One producer per process and bootstrap address (per event loop, since an
aiokafka client belongs to the loop it started on) is shared by every sink and
:class:`~omninode_bridge.events.kafka.KafkaEventBus` that uses the default
factory: :func:`acquire_producer` starts it once however many callers ask at
the same time, :func:`release_producer` stops it when the last user lets go.

A batch is sent concurrently; if any message fails the write raises
:class:`~omninode_bridge.errors.EventBusError` and the collector keeps the
batch. On the retry, messages that were already acknowledged are not sent
again.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from omninode_bridge.errors import EventBusError
from omninode_bridge.logs import get_logger
from omninode_bridge.metrics.models import Metric
from omninode_bridge.metrics.sinks.routing import metric_envelope, topic_for

__all__ = [
    "KafkaMetricSink",
    "KafkaProducer",
    "acquire_producer",
    "default_producer",
    "release_producer",
    "shared_producer_count",
]

log = get_logger(__name__, component="metrics")

_MAX_REMEMBERED = 100_000


class KafkaProducer(Protocol):
    """The part of ``aiokafka.AIOKafkaProducer`` the sinks and buses use."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send_and_wait(
        self, topic: str, value: bytes | None = None, key: bytes | None = None
    ) -> Any: ...


def default_producer(bootstrap_servers: str) -> KafkaProducer:
    """An ``AIOKafkaProducer`` that waits for all in-sync replicas."""
    from aiokafka import AIOKafkaProducer

    producer: KafkaProducer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, acks="all", linger_ms=20
    )
    return producer


class _Shared:
    """One started producer and how many users hold it."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.producer: KafkaProducer | None = None
        self.users = 0


_shared: dict[tuple[str, int], _Shared] = {}
_shared_guard = threading.Lock()


def _entry(bootstrap_servers: str) -> _Shared:
    key = (bootstrap_servers, id(asyncio.get_running_loop()))
    with _shared_guard:
        entry = _shared.get(key)
        if entry is None:
            entry = _shared[key] = _Shared()
        return entry


async def acquire_producer(bootstrap_servers: str) -> KafkaProducer:
    """The process's started producer for ``bootstrap_servers`` (started on first use).

    Concurrent callers wait for the one start. A failed start is stopped
    (releasing its connections) and raised; the next call tries again.
    """
    entry = _entry(bootstrap_servers)
    async with entry.lock:
        if entry.producer is None:
            producer = default_producer(bootstrap_servers)
            try:
                await producer.start()
            except BaseException:
                try:
                    await producer.stop()
                except Exception as exc:
                    log.debug("metrics.kafka_stop_failed", error=repr(exc))
                raise
            entry.producer = producer
        entry.users += 1
        return entry.producer


async def release_producer(bootstrap_servers: str) -> None:
    """Let go of the shared producer; the last user stops it."""
    entry = _entry(bootstrap_servers)
    async with entry.lock:
        if entry.users == 0 or entry.producer is None:
            return
        entry.users -= 1
        if entry.users:
            return
        producer, entry.producer = entry.producer, None
        key = (bootstrap_servers, id(asyncio.get_running_loop()))
        with _shared_guard:
            _shared.pop(key, None)
        await producer.stop()


def shared_producer_count() -> int:
    """Shared producers currently started (all loops)."""
    with _shared_guard:
        return sum(1 for e in _shared.values() if e.producer is not None)


def encode(message: dict[str, Any]) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(message, separators=(",", ":"), default=str).encode()


class KafkaMetricSink:
    """Publishes metrics to the per-category metrics topics.

    Args:
        bootstrap_servers: Kafka bootstrap servers (``host:port,...``).
        producer: Producer to use instead of an ``AIOKafkaProducer``.
        environment: Topic prefix (``dev`` gives ``dev.agent.metrics.*.v1``).
        producer_factory: Builds the default producer (a seam for tests).
    """

    name = "kafka"

    def __init__(
        self,
        bootstrap_servers: str = "localhost:9092",
        producer: KafkaProducer | None = None,
        *,
        environment: str = "dev",
        producer_factory: Callable[[str], KafkaProducer] = default_producer,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.environment = environment
        self._producer = producer
        self._owns_producer = producer is None
        self._factory = producer_factory
        self._started = False
        self._start_lock = asyncio.Lock()
        self._acked: set[str] = set()
        self.sent = 0
        self.failed = 0

    @property
    def _shares_producer(self) -> bool:
        return self._owns_producer and self._factory is default_producer

    async def _ensure_started(self) -> KafkaProducer:
        async with self._start_lock:
            if self._started and self._producer is not None:
                return self._producer
            if self._shares_producer:
                try:
                    self._producer = await acquire_producer(self.bootstrap_servers)
                except Exception as exc:
                    raise EventBusError(
                        f"kafka producer for {self.bootstrap_servers} did not start: {exc}"
                    ) from exc
                self._started = True
                return self._producer
            if self._producer is None:
                self._producer = self._factory(self.bootstrap_servers)
            try:
                await self._producer.start()
            except Exception as exc:
                await self._discard_producer()
                raise EventBusError(
                    f"kafka producer for {self.bootstrap_servers} did not start: {exc}"
                ) from exc
            self._started = True
            return self._producer

    async def _discard_producer(self) -> None:
        """Release a producer that failed to start; a default one is rebuilt next time."""
        producer = self._producer
        if producer is None:
            return
        try:
            await producer.stop()
        except Exception as exc:
            log.debug("metrics.kafka_stop_failed", error=repr(exc))
        if self._owns_producer:
            self._producer = None

    async def write(self, batch: Sequence[Metric]) -> None:
        """Publish one batch; raises ``EventBusError`` if any message failed."""
        producer = await self._ensure_started()
        todo = [m for m in batch if m.metric_id not in self._acked]
        results = await asyncio.gather(
            *(self._send(producer, m) for m in todo), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        if not errors:
            self._acked.clear()
            self.sent += len(todo)
            return
        self.failed += len(errors)
        for metric, result in zip(todo, results, strict=True):
            if not isinstance(result, BaseException):
                self._acked.add(metric.metric_id)
                self.sent += 1
        if len(self._acked) > _MAX_REMEMBERED:
            self._acked.clear()
        raise EventBusError(
            f"kafka: {len(errors)} of {len(todo)} metric message(s) failed: {errors[0]!r}"
        )

    async def _send(self, producer: KafkaProducer, metric: Metric) -> None:
        key = (metric.correlation_id or metric.metric_name).encode()
        await producer.send_and_wait(
            topic_for(metric.metric_name, environment=self.environment),
            value=encode(metric_envelope(metric)),
            key=key,
        )

    async def close(self) -> None:
        """Stop the producer if it was started (or let go of the shared one)."""
        if self._producer is not None and self._started:
            self._started = False
            try:
                if self._shares_producer:
                    self._producer = None
                    await release_producer(self.bootstrap_servers)
                else:
                    await self._producer.stop()
            except Exception as exc:
                log.warning("metrics.kafka_stop_failed", error=repr(exc))
