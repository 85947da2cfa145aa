"""Events between nodes: the envelope, the bus protocol and an in-process bus.

Nodes never talk to a broker directly. They publish and subscribe through a
:class:`ProtocolEventBus` resolved from the container under :data:`EVENT_BUS`;
:class:`InMemoryEventBus` is the in-process implementation (also the test
double). A Kafka or Redis bus satisfies the same protocol.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from omninode_bridge.onex.container import ServiceKey
from omninode_bridge.onex.enums import EnumLogLevel
from omninode_bridge.onex.log_events import emit_log_event

__all__ = [
    "EVENT_BUS",
    "EventHandler",
    "InMemoryEventBus",
    "ModelEventEnvelope",
    "ProtocolEventBus",
    "ProtocolSubscription",
]


@dataclass(frozen=True, slots=True)
class ModelEventEnvelope:
    """One event on the bus.

    Attributes:
        topic: Where it is published (``test.events.data.processed``).
        event_type: What it is (``DataProcessedEvent``); handlers route on it.
        payload: JSON-compatible body.
        source: Name of the publishing node.
        correlation_id: Request correlation id carried across nodes.
        event_id: Unique id.
        timestamp: Publication time (UTC).
    """

    topic: str
    event_type: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    correlation_id: str | None = None
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "event_id": self.event_id,
            "topic": self.topic,
            "event_type": self.event_type,
            "payload": dict(self.payload),
            "source": self.source,
            "correlation_id": self.correlation_id,
            "timestamp": self.timestamp.isoformat(),
        }


EventHandler = Callable[[ModelEventEnvelope], Awaitable[None]]


class ProtocolSubscription(Protocol):
    """A live subscription; :meth:`unsubscribe` stops delivery."""

    @property
    def topic(self) -> str:
        """The subscribed topic."""

    async def unsubscribe(self) -> None:
        """Stop delivering events to the handler (idempotent)."""


class ProtocolEventBus(Protocol):
    """What a node needs from an event bus."""

    async def publish(self, envelope: ModelEventEnvelope) -> None:
        """Publish one event."""

    async def subscribe(self, topic: str, handler: EventHandler) -> ProtocolSubscription:
        """Deliver every later event on ``topic`` to ``handler``."""


EVENT_BUS: Final[ServiceKey[ProtocolEventBus]] = ServiceKey("onex.event_bus")
"""Container key of the node's event bus."""


@dataclass(slots=True, eq=False)
class _Subscription:
    bus: InMemoryEventBus
    topic: str
    handler: EventHandler
    active: bool = True

    async def unsubscribe(self) -> None:
        if self.active:
            self.active = False
            self.bus._remove(self)


class InMemoryEventBus:
    """In-process bus: ``publish`` awaits every subscriber of the topic in turn.

    A subscriber that raises does not stop delivery to the others; the failure
    is logged and counted in :attr:`delivery_failures`. Every published envelope
    is kept in :attr:`published` (bounded by ``history``) so tests can assert on
    what a node sent.

    Args:
        history: How many published envelopes to keep.
    """

    def __init__(self, *, history: int = 1000) -> None:
        self._subscriptions: dict[str, list[_Subscription]] = defaultdict(list)
        self._history = history
        self.published: list[ModelEventEnvelope] = []
        self.delivery_failures = 0

    async def publish(self, envelope: ModelEventEnvelope) -> None:
        """Record the envelope and deliver it to the topic's subscribers."""
        self.published.append(envelope)
        del self.published[: -self._history]
        for subscription in tuple(self._subscriptions.get(envelope.topic, ())):
            if not subscription.active:
                continue
            try:
                await subscription.handler(envelope)
            except Exception as exc:
                self.delivery_failures += 1
                emit_log_event(
                    EnumLogLevel.ERROR,
                    "event_bus.delivery_failed",
                    {"topic": envelope.topic, "event_id": envelope.event_id, "error": repr(exc)},
                )

    async def subscribe(self, topic: str, handler: EventHandler) -> ProtocolSubscription:
        """Deliver every later event on ``topic`` to ``handler``."""
        subscription = _Subscription(self, topic, handler)
        self._subscriptions[topic].append(subscription)
        return subscription

    def subscriber_count(self, topic: str) -> int:
        """Active subscriptions on ``topic``."""
        return len(self._subscriptions.get(topic, ()))

    def published_on(self, topic: str) -> list[ModelEventEnvelope]:
        """Recorded envelopes published on ``topic``, oldest first."""
        return [e for e in self.published if e.topic == topic]

    def _remove(self, subscription: _Subscription) -> None:
        subscriptions = self._subscriptions.get(subscription.topic, [])
        if subscription in subscriptions:
            subscriptions.remove(subscription)
