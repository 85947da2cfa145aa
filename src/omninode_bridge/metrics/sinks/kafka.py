"""KafkaMetricSink: metric batches as ``OnexEnvelopeV1`` messages on Kafka.

Topics follow the metric-name prefix (see :mod:`.routing`). The producer is a
seam: anything with aiokafka's ``start``/``stop``/``send_and_wait`` works, and
by default an ``aiokafka.AIOKafkaProducer`` (``acks="all"``) is created and
started on the first write.

A batch is sent concurrently; if any message fails the write raises
:class:`~omninode_bridge.errors.EventBusError` and the collector keeps the
batch. On the retry, messages that were already acknowledged are not sent
again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from omninode_bridge.errors import EventBusError
from omninode_bridge.logs import get_logger
from omninode_bridge.metrics.models import Metric
from omninode_bridge.metrics.sinks.routing import metric_envelope, topic_for

__all__ = ["KafkaMetricSink", "KafkaProducer"]

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
        self._acked: set[str] = set()
        self.sent = 0
        self.failed = 0

    async def _ensure_started(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = self._factory(self.bootstrap_servers)
        if not self._started:
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
        """Stop the producer if it was started."""
        if self._producer is not None and self._started:
            self._started = False
            try:
                await self._producer.stop()
            except Exception as exc:
                log.warning("metrics.kafka_stop_failed", error=repr(exc))
