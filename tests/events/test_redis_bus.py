"""Redis Streams end to end: groups, acknowledgements, redelivery after a consumer dies."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator

import pytest

from omninode_bridge.events import EventProcessor, ModelEvent
from omninode_bridge.events.redis import RedisStreamsEventBus

pytestmark = pytest.mark.redis

TOPIC = "codegen"

# A consumer that reads its share, reports what it read, then hangs until killed.
CHILD = """
import asyncio, json, sys
from omninode_bridge.events.redis import RedisStreamsEventBus

async def main():
    url, prefix, topic, group, count = sys.argv[1:6]
    bus = RedisStreamsEventBus(url, key_prefix=prefix)
    got = await bus.consume(topic, group=group, consumer="doomed", max_count=int(count))
    print(json.dumps([d.event.event_id for d in got]), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""


@pytest.fixture
async def bus(redis_url: str) -> AsyncIterator[RedisStreamsEventBus]:
    prefix = f"test:{uuid.uuid4().hex[:10]}:"
    redis_bus = RedisStreamsEventBus(redis_url, key_prefix=prefix)
    yield redis_bus
    await redis_bus.delete_topic(TOPIC)
    await redis_bus.close()


async def _publish(bus: RedisStreamsEventBus, n: int) -> list[str]:
    ids = []
    for i in range(n):
        event = ModelEvent("code_generated", {"i": i}, correlation_id=f"run-{i % 3}")
        await bus.publish(TOPIC, event)
        ids.append(event.event_id)
    return ids


async def _kill_consumer_after_it_reads(
    redis_url: str, prefix: str, group: str, n: int
) -> list[str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, redis_url, prefix, TOPIC, group, str(n),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
    os.kill(proc.pid, signal.SIGKILL)
    assert await proc.wait() == -signal.SIGKILL
    read: list[str] = json.loads(line)
    return read


async def test_group_consumes_and_acknowledges_every_event(bus: RedisStreamsEventBus) -> None:
    published = await _publish(bus, 120)
    seen: list[str] = []
    while batch := await bus.consume(TOPIC, group="g", consumer="a", max_count=50):
        for delivery in batch:
            seen.append(delivery.event.event_id)
            await bus.ack(delivery)
    assert seen == published
    assert await bus.pending_count(TOPIC, "g") == 0


async def test_killed_consumer_events_are_redelivered_to_another(
    bus: RedisStreamsEventBus, redis_url: str
) -> None:
    published = await _publish(bus, 200)
    lost = await _kill_consumer_after_it_reads(redis_url, bus.key_prefix, "workers", 40)
    assert lost == published[:40]
    assert await bus.pending_count(TOPIC, "workers") == 40

    processed: list[str] = []
    while batch := await bus.consume(TOPIC, group="workers", consumer="survivor", max_count=64):
        for delivery in batch:
            processed.append(delivery.event.event_id)
            await bus.ack(delivery)
    claimed = await bus.claim_stale(TOPIC, group="workers", consumer="survivor", min_idle_ms=0)
    assert all(d.redelivered for d in claimed)
    for delivery in claimed:
        processed.append(delivery.event.event_id)
        await bus.ack(delivery)

    assert sorted(processed) == sorted(published)  # nothing lost
    assert len(processed) == len(set(processed))  # nothing processed twice
    assert await bus.pending_count(TOPIC, "workers") == 0
    assert await bus.claim_stale(TOPIC, group="workers", consumer="x", min_idle_ms=0) == []
    assert await bus.consume(TOPIC, group="workers", consumer="x") == []


async def test_two_live_consumers_never_get_the_same_event(bus: RedisStreamsEventBus) -> None:
    published = await _publish(bus, 100)
    a = await bus.consume(TOPIC, group="g", consumer="a", max_count=30)
    b = await bus.consume(TOPIC, group="g", consumer="b", max_count=100)
    assert sorted(d.event.event_id for d in a + b) == sorted(published)
    assert not {d.message_id for d in a} & {d.message_id for d in b}


async def test_recent_unacked_events_are_not_claimed(bus: RedisStreamsEventBus) -> None:
    await _publish(bus, 3)
    await bus.consume(TOPIC, group="g", consumer="slow")
    assert await bus.claim_stale(TOPIC, group="g", consumer="x", min_idle_ms=60_000) == []


async def test_malformed_entry_is_dead_lettered_not_delivered(bus: RedisStreamsEventBus) -> None:
    from redis.asyncio import Redis

    raw = Redis.from_url(
        bus._redis.connection_pool.connection_kwargs and "redis://127.0.0.1:6379/15"
    )
    try:
        await raw.xadd(bus.key(TOPIC), {b"event": b"{broken"})
    finally:
        await raw.aclose()
    [good] = await _publish(bus, 1)
    deliveries = await bus.consume(TOPIC, group="g", consumer="a")
    assert [d.event.event_id for d in deliveries] == [good]
    assert bus.dead_lettered == 1
    assert await bus.pending_count(TOPIC, "g") == 1


async def test_event_processor_acks_only_processed_batches(bus: RedisStreamsEventBus) -> None:
    await _publish(bus, 25)
    handled: list[str] = []
    fail = True

    async def handler(batch: list[ModelEvent]) -> None:
        if fail:
            raise RuntimeError("downstream unavailable")
        handled.extend(e.event_id for e in batch)

    processor = EventProcessor(batch_size=10, handler=handler)
    assert await processor.consume_from(bus, TOPIC, group="p", consumer="c1") == 0
    assert await bus.pending_count(TOPIC, "p") == 10
    fail = False
    acked = 0
    while n := await processor.consume_from(bus, TOPIC, group="p", consumer="c1"):
        acked += n
    recovered = await processor.recover_stale(bus, TOPIC, group="p", consumer="c1", min_idle_ms=0)
    assert (acked, recovered) == (15, 10)
    assert len(handled) == 25 == len(set(handled))
    assert await bus.pending_count(TOPIC, "p") == 0
    assert processor.get_metrics()["failed_batches"] == 1
