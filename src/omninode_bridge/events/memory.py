"""InMemoryEventBus: the default, in-process bus with the same semantics as Redis Streams.

Each topic is an append-only log; each consumer group keeps its read
position and a pending list of delivered, unacknowledged events.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from omninode_bridge.errors import EventBusError
from omninode_bridge.events.bus import Delivery
from omninode_bridge.events.models import ModelEvent

__all__ = ["InMemoryEventBus"]


@dataclass(slots=True)
class _Pending:
    consumer: str
    delivered_at: float
    count: int


@dataclass(slots=True)
class _Group:
    position: int = 0
    pending: dict[int, _Pending] = field(default_factory=dict)


class InMemoryEventBus:
    """In-process bus: consumer groups, acknowledgements and redelivery.

    Args:
        clock: Monotonic seconds, used for idle times (injectable for tests).
    """

    name = "memory"

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._logs: dict[str, list[ModelEvent]] = {}
        self._groups: dict[tuple[str, str], _Group] = {}
        self._published: asyncio.Condition | None = None
        self._closed = False

    def _condition(self) -> asyncio.Condition:
        if self._published is None:
            self._published = asyncio.Condition()
        return self._published

    def _check_open(self) -> None:
        if self._closed:
            raise EventBusError("the in-memory event bus is closed")

    async def publish(self, topic: str, event: ModelEvent) -> str:
        """Append ``event``; the id is its position in the topic."""
        self._check_open()
        log = self._logs.setdefault(topic, [])
        log.append(event)
        condition = self._condition()
        async with condition:
            condition.notify_all()
        return str(len(log) - 1)

    def pending_count(self, topic: str, group: str) -> int:
        """Delivered but unacknowledged events of ``group``."""
        return len(self._groups.get((topic, group), _Group()).pending)

    async def consume(
        self,
        topic: str,
        *,
        group: str,
        consumer: str,
        max_count: int = 100,
        block_ms: int = 0,
    ) -> list[Delivery]:
        """New events for ``group``, delivered to ``consumer``."""
        self._check_open()
        state = self._groups.setdefault((topic, group), _Group())
        if block_ms > 0 and state.position >= len(self._logs.get(topic, ())):
            condition = self._condition()
            async with condition:
                try:
                    await asyncio.wait_for(
                        condition.wait_for(lambda: state.position < len(self._logs.get(topic, ()))),
                        block_ms / 1000,
                    )
                except TimeoutError:
                    return []
        log = self._logs.get(topic, [])
        end = min(len(log), state.position + max_count)
        now = self._clock()
        out = []
        for index in range(state.position, end):
            state.pending[index] = _Pending(consumer, now, 1)
            out.append(Delivery(topic, str(index), log[index], group, consumer))
        state.position = end
        return out

    async def ack(self, delivery: Delivery) -> None:
        """Remove ``delivery`` from its group's pending list."""
        state = self._groups.get((delivery.topic, delivery.group))
        if state is not None:
            state.pending.pop(int(delivery.message_id), None)

    async def claim_stale(
        self,
        topic: str,
        *,
        group: str,
        consumer: str,
        min_idle_ms: int,
        max_count: int = 100,
    ) -> list[Delivery]:
        """Reassign pending events idle for at least ``min_idle_ms`` to ``consumer``."""
        self._check_open()
        state = self._groups.get((topic, group))
        if state is None:
            return []
        now = self._clock()
        out = []
        for index in sorted(state.pending):
            entry = state.pending[index]
            if (now - entry.delivered_at) * 1000 < min_idle_ms:
                continue
            state.pending[index] = _Pending(consumer, now, entry.count + 1)
            out.append(Delivery(topic, str(index), self._logs[topic][index], group, consumer, True))
            if len(out) >= max_count:
                break
        return out

    async def close(self) -> None:
        """Refuse further use."""
        self._closed = True
