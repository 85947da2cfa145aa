"""The event bus protocol shared by the in-process, Kafka and Redis backends.

Delivery is at least once, with consumer groups: every group sees every
event of a topic; inside a group each event goes to one consumer. A consumer
acknowledges an event after processing it; an event delivered but never
acknowledged (its consumer died) is handed to another consumer of the group
by :meth:`EventBus.claim_stale` once it has been idle long enough. Events
carry a unique ``event_id`` so a consumer can drop the rare repeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from omninode_bridge.events.models import ModelEvent

__all__ = ["Delivery", "EventBus"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event handed to a consumer.

    Attributes:
        topic: Topic it was published on.
        message_id: Backend id (stream id, ``partition-offset``, sequence number).
        event: The event.
        group: Consumer group it was delivered in.
        consumer: Consumer it was delivered to.
        redelivered: True when it was claimed from another consumer.
    """

    topic: str
    message_id: str
    event: ModelEvent
    group: str
    consumer: str
    redelivered: bool = False


@runtime_checkable
class EventBus(Protocol):
    """Publish events to topics; consume them in groups with acknowledgements."""

    name: str

    async def publish(self, topic: str, event: ModelEvent) -> str:
        """Append ``event`` to ``topic``; returns the backend message id."""
        ...

    async def consume(
        self,
        topic: str,
        *,
        group: str,
        consumer: str,
        max_count: int = 100,
        block_ms: int = 0,
    ) -> list[Delivery]:
        """Events of ``topic`` not yet delivered to ``group``, at most ``max_count``.

        ``block_ms`` > 0 waits up to that long when there is nothing new.
        """
        ...

    async def ack(self, delivery: Delivery) -> None:
        """Mark ``delivery`` processed; it is never delivered to the group again."""
        ...

    async def claim_stale(
        self,
        topic: str,
        *,
        group: str,
        consumer: str,
        min_idle_ms: int,
        max_count: int = 100,
    ) -> list[Delivery]:
        """Take over events delivered in ``group`` but unacknowledged for ``min_idle_ms``."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
