"""EventProcessor: batching by size and time, metrics, failures, store rows."""

from __future__ import annotations

import asyncio
from pathlib import Path

from omninode_bridge.events import EventProcessor, InMemoryEventBus, ModelEvent
from omninode_bridge.persistence import OmniNodePersistence


class ManualSleep:
    """A sleep that returns when the test releases it."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.requested: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.requested.append(seconds)
        self.started.set()
        await self.release.wait()


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def __call__(self, batch: list[ModelEvent]) -> None:
        self.batches.append([e.event_type for e in batch])


async def test_full_batch_is_processed_at_once() -> None:
    handler = Recorder()
    sleep = ManualSleep()
    processor = EventProcessor(batch_size=3, batch_timeout_ms=100, handler=handler, sleep=sleep)
    for i in range(7):
        await processor.process_event(ModelEvent(f"e{i}"))
    assert handler.batches == [["e0", "e1", "e2"], ["e3", "e4", "e5"]]
    assert processor.get_metrics()["pending_events"] == 1
    await processor.close()
    assert handler.batches[-1] == ["e6"]


async def test_partial_batch_is_processed_after_the_timeout() -> None:
    handler = Recorder()
    sleep = ManualSleep()
    processor = EventProcessor(batch_size=10, batch_timeout_ms=250, handler=handler, sleep=sleep)
    await processor.process_event(ModelEvent("a"))
    await processor.process_event(ModelEvent("b"))
    await sleep.started.wait()
    assert handler.batches == []
    assert sleep.requested == [0.25]
    sleep.release.set()
    await processor.close()
    assert handler.batches == [["a", "b"]]


async def test_metrics_describe_the_last_batch_and_totals() -> None:
    ticks = iter(float(t) for t in range(100))
    processor = EventProcessor(batch_size=2, handler=Recorder(), clock=lambda: next(ticks))
    for _ in range(4):
        await processor.process_event(ModelEvent("x"))
    m = processor.get_metrics()
    assert (m["batch_size"], m["total_events"], m["total_batches"]) == (2, 4, 2)
    assert m["processing_duration_ms"] == 1000.0  # one tick between start and end
    assert m["queue_wait_time_ms"] == 1500.0  # waited 2 and 1 ticks


async def test_handler_failure_fails_the_batch_and_is_counted() -> None:
    async def broken(batch: list[ModelEvent]) -> None:
        raise RuntimeError("no")

    processor = EventProcessor(batch_size=2, handler=broken)
    await processor.process_event(ModelEvent("x"))
    assert not await processor.process_event(ModelEvent("x"))
    assert processor.get_metrics()["failed_events"] == 2


async def test_each_batch_is_recorded_in_the_store(tmp_path: Path) -> None:
    async with OmniNodePersistence(f"sqlite:///{tmp_path / 's.db'}") as store:
        processor = EventProcessor(batch_size=4, handler=Recorder(), store=store)
        for kind in ("code_generated", "code_generated", "validated", "validated"):
            await processor.process_event(ModelEvent(kind))
        await processor.close()
        health = await store.get_event_processing_health()
    assert health["total_events"] == 2
    assert {g["event_type"] for g in health["by_type"]} == {"code_generated", "validated"}
    assert all(g["event_source"] == "event_processor" for g in health["by_type"])


async def test_integration_guide_event_example_runs(tmp_path: Path) -> None:
    processor = EventProcessor(batch_size=10, batch_timeout_ms=100)

    async def process_events(events: list[ModelEvent]) -> dict[str, object]:
        for event in events:
            await processor.process_event(event)
        return processor.get_metrics()

    metrics = await process_events([ModelEvent("code_generated") for _ in range(10)])
    assert metrics["batch_size"] == 10
    assert isinstance(metrics["processing_duration_ms"], float)
    await processor.close()


async def test_consume_from_memory_bus_acknowledges_processed_events() -> None:
    bus = InMemoryEventBus()
    for i in range(5):
        await bus.publish("t", ModelEvent("e", {"i": i}))
    handler = Recorder()
    processor = EventProcessor(batch_size=10, handler=handler)
    assert await processor.consume_from(bus, "t", group="g", consumer="c") == 5
    assert bus.pending_count("t", "g") == 0


async def test_events_arriving_during_a_flush_are_flushed_by_the_timer() -> None:
    """Events queued while a batch's handler runs get their own timer (no waiting for close)."""
    gate = asyncio.Event()
    seen: list[str] = []

    async def slow(batch: list[ModelEvent]) -> None:
        seen.extend(e.event_type for e in batch)
        await gate.wait()

    processor = EventProcessor(batch_size=100, batch_timeout_ms=20, handler=slow)
    for i in range(3):
        await processor.process_event(ModelEvent(f"a{i}"))
    await asyncio.sleep(0.05)  # the timer fires and its handler blocks on the gate
    assert seen == ["a0", "a1", "a2"]
    for i in range(3):
        await processor.process_event(ModelEvent(f"late{i}"))
    gate.set()
    for _ in range(100):
        if processor.metrics().pending_events == 0:
            break
        await asyncio.sleep(0.01)
    assert processor.metrics().pending_events == 0
    assert {"late0", "late1", "late2"} <= set(seen)
    await processor.close()
