"""InMemoryEventBus: groups, acknowledgements, redelivery of stale events."""

from __future__ import annotations

import asyncio

import pytest

from omninode_bridge.errors import EventBusError
from omninode_bridge.events import InMemoryEventBus, ModelEvent


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def _publish(bus: InMemoryEventBus, n: int) -> list[str]:
    events = [ModelEvent("e", {"i": i}) for i in range(n)]
    for event in events:
        await bus.publish("t", event)
    return [e.event_id for e in events]


async def test_each_group_sees_every_event_once() -> None:
    bus = InMemoryEventBus()
    ids = await _publish(bus, 5)
    a = await bus.consume("t", group="g1", consumer="a")
    b = await bus.consume("t", group="g2", consumer="b")
    assert [d.event.event_id for d in a] == ids
    assert [d.event.event_id for d in b] == ids
    assert await bus.consume("t", group="g1", consumer="c") == []


async def test_consumers_of_one_group_split_the_events() -> None:
    bus = InMemoryEventBus()
    await _publish(bus, 10)
    first = await bus.consume("t", group="g", consumer="a", max_count=4)
    second = await bus.consume("t", group="g", consumer="b", max_count=100)
    assert len(first) == 4
    assert len(second) == 6
    assert not {d.message_id for d in first} & {d.message_id for d in second}


async def test_unacked_events_are_claimed_after_idle_time() -> None:
    clock = Clock()
    bus = InMemoryEventBus(clock=clock)
    await _publish(bus, 3)
    deliveries = await bus.consume("t", group="g", consumer="dead")
    await bus.ack(deliveries[0])
    assert await bus.claim_stale("t", group="g", consumer="live", min_idle_ms=1000) == []
    clock.now += 2
    claimed = await bus.claim_stale("t", group="g", consumer="live", min_idle_ms=1000)
    assert [d.message_id for d in claimed] == ["1", "2"]
    assert all(d.redelivered and d.consumer == "live" for d in claimed)
    for d in claimed:
        await bus.ack(d)
    assert bus.pending_count("t", "g") == 0
    clock.now += 10
    assert await bus.claim_stale("t", group="g", consumer="x", min_idle_ms=0) == []


async def test_blocking_consume_wakes_up_on_publish() -> None:
    bus = InMemoryEventBus()
    waiting = asyncio.create_task(bus.consume("t", group="g", consumer="a", block_ms=30_000))
    await asyncio.sleep(0)
    await bus.publish("t", ModelEvent("late"))
    [delivery] = await waiting
    assert delivery.event.event_type == "late"


async def test_closed_bus_refuses_publish() -> None:
    bus = InMemoryEventBus()
    await bus.close()
    with pytest.raises(EventBusError, match="closed"):
        await bus.publish("t", ModelEvent("x"))
