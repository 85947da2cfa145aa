"""EventProcessor: batches events and hands each batch to a handler.

A batch is processed as soon as it holds ``batch_size`` events, or
``batch_timeout_ms`` after its first event arrived, whichever comes first.
Every batch is timed (processing time, how long its events waited) and,
when a store is given, recorded in ``event_processing_metrics``.

Example:
    ```python
    async def handle(batch: list[ModelEvent]) -> None: ...

    processor = EventProcessor(batch_size=10, batch_timeout_ms=100, handler=handle)
    for event in events:
        await processor.process_event(event)
    await processor.close()  # processes what is left
    print(processor.get_metrics()["batch_size"])
    ```
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from omninode_bridge.errors import EventBusError, PersistenceError
from omninode_bridge.events.bus import Delivery, EventBus
from omninode_bridge.events.models import ModelEvent
from omninode_bridge.logs import get_logger

if TYPE_CHECKING:
    from omninode_bridge.persistence.store import OmniNodePersistence

__all__ = ["BatchHandler", "EventProcessor", "EventProcessorMetrics"]

log = get_logger(__name__, component="events")

BatchHandler = Callable[[list[ModelEvent]], Awaitable[None]]
SleepFunc = Callable[[float], Awaitable[None]]


async def _no_handler(batch: list[ModelEvent]) -> None:
    return None


@dataclass(frozen=True, slots=True)
class EventProcessorMetrics:
    """Counters of an :class:`EventProcessor`.

    ``batch_size``, ``processing_duration_ms`` and ``queue_wait_time_ms``
    describe the most recent batch; the rest are totals.
    """

    batch_size: int
    processing_duration_ms: float
    queue_wait_time_ms: float
    total_events: int
    total_batches: int
    failed_events: int
    failed_batches: int
    pending_events: int
    avg_batch_size: float
    avg_processing_duration_ms: float
    store_errors: int


class EventProcessor:
    """Batches events for a handler and measures each batch.

    Args:
        batch_size: Events per batch (>= 1).
        batch_timeout_ms: Longest an event waits for its batch to fill.
        handler: ``async (batch) -> None``; an exception fails the whole batch.
        store: Records one ``event_processing_metrics`` row per event type of
            each batch.
        event_source: ``event_source`` column of those rows.
        clock: Monotonic seconds (injectable).
        sleep: Timer used for the batch timeout (injectable).
    """

    def __init__(
        self,
        batch_size: int = 10,
        batch_timeout_ms: int = 100,
        *,
        handler: BatchHandler = _no_handler,
        store: OmniNodePersistence | None = None,
        event_source: str = "event_processor",
        clock: Callable[[], float] = time.perf_counter,
        sleep: SleepFunc = asyncio.sleep,
    ) -> None:
        if batch_size < 1 or batch_timeout_ms < 0:
            raise ValueError("batch_size must be >= 1 and batch_timeout_ms >= 0")
        self.batch_size = batch_size
        self.batch_timeout_ms = batch_timeout_ms
        self.handler = handler
        self.store = store
        self.event_source = event_source
        self._clock = clock
        self._sleep = sleep
        self._batch: list[tuple[ModelEvent, float]] = []
        self._timer: asyncio.Task[None] | None = None
        self._lock: asyncio.Lock | None = None
        self._last = (0, 0.0, 0.0)
        self._events = 0
        self._batches = 0
        self._failed_events = 0
        self._failed_batches = 0
        self._processing_total = 0.0
        self._store_errors = 0

    async def process_event(self, event: ModelEvent) -> bool:
        """Add ``event`` to the current batch; process the batch if it is full.

        Returns:
            False when the batch this event completed failed, True otherwise.
        """
        self._batch.append((event, self._clock()))
        if len(self._batch) >= self.batch_size:
            return await self.flush()
        if self._timer is None or self._timer.done():
            self._timer = asyncio.get_running_loop().create_task(self._flush_later())
        return True

    async def _flush_later(self) -> None:
        await self._sleep(self.batch_timeout_ms / 1000)
        # shielded: a close() that cancels the timer mid-flush must not lose the
        # batch already taken (close's own flush waits for this one on the lock)
        await asyncio.shield(self.flush())

    async def flush(self) -> bool:
        """Process whatever is batched now; False if the handler failed."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self._batch:
                return True
            batch, self._batch = self._batch, []
            timer = self._timer
            if timer is not None and timer is not asyncio.current_task() and not timer.done():
                timer.cancel()
            ok = await self._process(batch)
        self._rearm()
        return ok

    def _rearm(self) -> None:
        """Start a timer for events that arrived while a batch was processed."""
        if not self._batch:
            return
        timer = self._timer
        if timer is None or timer.done() or timer is asyncio.current_task():
            self._timer = asyncio.get_running_loop().create_task(self._flush_later())

    async def _process(self, batch: list[tuple[ModelEvent, float]]) -> bool:
        start = self._clock()
        wait_ms = sum((start - queued) * 1000 for _, queued in batch) / len(batch)
        events = [event for event, _ in batch]
        error: Exception | None = None
        try:
            await self.handler(events)
        except Exception as exc:
            error = exc
            log.warning("events.batch_failed", size=len(events), error=repr(exc))
        duration_ms = (self._clock() - start) * 1000
        self._last = (len(events), duration_ms, wait_ms)
        self._events += len(events)
        self._batches += 1
        self._processing_total += duration_ms
        if error is not None:
            self._failed_events += len(events)
            self._failed_batches += 1
        await self._record(events, duration_ms, wait_ms, error)
        return error is None

    async def _record(
        self,
        events: Sequence[ModelEvent],
        duration_ms: float,
        wait_ms: float,
        error: Exception | None,
    ) -> None:
        if self.store is None:
            return
        try:
            async with self.store.transaction(), self.store.batched_inserts():
                for event_type, _count in Counter(e.event_type for e in events).items():
                    await self.store.insert_event_processing_metric(
                        event_type=event_type,
                        processing_duration_ms=duration_ms,
                        queue_wait_time_ms=wait_ms,
                        success=error is None,
                        batch_size=len(events),
                        event_source=self.event_source,
                        error_type=None if error is None else type(error).__name__,
                        error_message=None if error is None else str(error)[:2000],
                    )
        except PersistenceError as exc:
            self._store_errors += 1
            log.warning("events.metrics_not_recorded", error=str(exc))

    async def consume_from(
        self,
        bus: EventBus,
        topic: str,
        *,
        group: str,
        consumer: str,
        block_ms: int = 0,
    ) -> int:
        """Process one batch read from ``bus`` and acknowledge it if the handler succeeded.

        Unacknowledged (failed) events stay pending in the group and come back
        through ``claim_stale``.

        Returns:
            Number of events acknowledged.
        """
        deliveries = await bus.consume(
            topic, group=group, consumer=consumer, max_count=self.batch_size, block_ms=block_ms
        )
        return await self._process_deliveries(bus, deliveries)

    async def recover_stale(
        self,
        bus: EventBus,
        topic: str,
        *,
        group: str,
        consumer: str,
        min_idle_ms: int,
    ) -> int:
        """Claim events another consumer left unacknowledged, process and acknowledge them.

        Returns:
            Number of events acknowledged.
        """
        deliveries = await bus.claim_stale(
            topic,
            group=group,
            consumer=consumer,
            min_idle_ms=min_idle_ms,
            max_count=self.batch_size,
        )
        return await self._process_deliveries(bus, deliveries)

    async def _process_deliveries(self, bus: EventBus, deliveries: list[Delivery]) -> int:
        if not deliveries:
            return 0
        now = self._clock()
        ok = await self._process([(d.event, now) for d in deliveries])
        if not ok:
            return 0
        for delivery in deliveries:
            try:
                await bus.ack(delivery)
            except EventBusError as exc:
                log.warning("events.ack_failed", message_id=delivery.message_id, error=str(exc))
                return 0
        return len(deliveries)

    def get_metrics(self) -> dict[str, Any]:
        """Last batch size and timings plus totals (see :class:`EventProcessorMetrics`)."""
        return asdict(self.metrics())

    def metrics(self) -> EventProcessorMetrics:
        """Typed counters."""
        size, duration, wait = self._last
        return EventProcessorMetrics(
            batch_size=size,
            processing_duration_ms=round(duration, 3),
            queue_wait_time_ms=round(wait, 3),
            total_events=self._events,
            total_batches=self._batches,
            failed_events=self._failed_events,
            failed_batches=self._failed_batches,
            pending_events=len(self._batch),
            avg_batch_size=round(self._events / self._batches, 3) if self._batches else 0.0,
            avg_processing_duration_ms=(
                round(self._processing_total / self._batches, 3) if self._batches else 0.0
            ),
            store_errors=self._store_errors,
        )

    async def close(self) -> None:
        """Process the remaining events and stop the timer."""
        timer = self._timer
        self._timer = None
        if timer is not None and not timer.done():
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        await self.flush()
