"""SignalCoordinator: typed lifecycle signals with filtered, non-blocking delivery.

The executor emits a :class:`Signal` when a workflow, stage or step starts,
completes or fails. Emission never waits for subscribers: each subscriber has
its own bounded queue drained by its own task, so a slow subscriber only
falls behind (and, past its queue size, has signals dropped and counted); it
never stalls the executor.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from omninode_bridge.logs import get_logger

if TYPE_CHECKING:
    from omninode_bridge.ports import MetricsRecorder

__all__ = [
    "Signal",
    "SignalCallback",
    "SignalCoordinator",
    "SignalMetrics",
    "SignalType",
    "Subscription",
]

log = get_logger(__name__, component="coordination")

_EMPTY: Mapping[str, Any] = {}


class SignalType(str, Enum):
    """Lifecycle events of a workflow run."""

    WORKFLOW_STARTED = "workflow_started"
    WORKFLOW_COMPLETED = "workflow_completed"
    WORKFLOW_FAILED = "workflow_failed"
    STAGE_STARTED = "stage_started"
    STAGE_COMPLETED = "stage_completed"
    STAGE_FAILED = "stage_failed"
    STAGE_SKIPPED = "stage_skipped"
    STEP_STARTED = "step_started"
    STEP_COMPLETED = "step_completed"
    STEP_FAILED = "step_failed"
    STEP_RETRIED = "step_retried"

    @property
    def scope(self) -> str:
        """``workflow``, ``stage`` or ``step``."""
        return self.value.split("_", 1)[0]


@dataclass(frozen=True, slots=True)
class Signal:
    """One lifecycle event.

    Attributes:
        signal_type: What happened.
        workflow_id: The workflow run it belongs to.
        stage_id: The stage, for stage and step signals.
        step_id: The step, for step signals.
        correlation_id: Correlation id of the run.
        timestamp: Wall-clock seconds since the epoch.
        duration_ms: Elapsed time, on completed/failed signals.
        error: Error text, on failed signals.
        data: Extra typed-by-convention fields (e.g. ``attempt``, ``speedup``).
    """

    signal_type: SignalType
    workflow_id: str
    stage_id: str | None = None
    step_id: str | None = None
    correlation_id: str | None = None
    timestamp: float = field(default_factory=time.time)
    duration_ms: float | None = None
    error: str | None = None
    data: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


SignalCallback = Callable[[Signal], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class SignalMetrics:
    """Delivery statistics."""

    total_signals_sent: int
    total_signals_delivered: int
    total_signals_dropped: int
    subscriber_errors: int
    average_propagation_ms: float
    max_propagation_ms: float
    signals_by_type: Mapping[str, int]


class Subscription:
    """A subscriber's queue and delivery task. Call :meth:`unsubscribe` to stop."""

    def __init__(
        self,
        coordinator: SignalCoordinator,
        callback: SignalCallback,
        signal_types: frozenset[SignalType] | None,
        workflow_id: str | None,
        predicate: Callable[[Signal], bool] | None,
        max_queue: int,
    ) -> None:
        self._coordinator = coordinator
        self._callback = callback
        self._is_async = inspect.iscoroutinefunction(callback)
        self.signal_types = signal_types
        self.workflow_id = workflow_id
        self.predicate = predicate
        self.max_queue = max_queue
        self._queue: deque[tuple[Signal, float]] = deque()
        self._wakeup: asyncio.Event | None = None
        self._idle: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0
        self.dropped = 0
        self.errors = 0

    def matches(self, signal: Signal) -> bool:
        """Whether this subscriber's filters accept ``signal``."""
        if self.signal_types is not None and signal.signal_type not in self.signal_types:
            return False
        if self.workflow_id is not None and signal.workflow_id != self.workflow_id:
            return False
        return self.predicate is None or self.predicate(signal)

    def offer(self, signal: Signal) -> None:
        if len(self._queue) >= self.max_queue:
            self.dropped += 1
            return
        self._queue.append((signal, time.perf_counter()))
        self._ensure_running()

    def _ensure_running(self) -> None:
        if self._task is not None and not self._task.done():
            assert self._wakeup is not None and self._idle is not None
            self._idle.clear()
            self._wakeup.set()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # emitted outside a loop: deliver on next emit in a loop
            return
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._task = loop.create_task(self._run())

    async def _run(self) -> None:
        assert self._wakeup is not None and self._idle is not None
        while True:
            while self._queue:
                signal, queued_at = self._queue.popleft()
                await self._deliver(signal)
                self._coordinator._note_propagation((time.perf_counter() - queued_at) * 1000)
            self._idle.set()
            self._wakeup.clear()
            await self._wakeup.wait()

    async def _deliver(self, signal: Signal) -> None:
        try:
            result = self._callback(signal)
            if self._is_async or inspect.isawaitable(result):
                await result  # type: ignore[misc]
            self.delivered += 1
        except Exception as exc:
            self.errors += 1
            log.warning(
                "signal.subscriber_failed",
                signal_type=signal.signal_type.value,
                error=repr(exc),
            )

    async def drain(self) -> None:
        """Wait until every queued signal has been delivered."""
        if not self._queue and (self._task is None or self._idle is None or self._idle.is_set()):
            return
        self._ensure_running()
        if self._idle is not None:
            await self._idle.wait()

    def unsubscribe(self) -> None:
        """Stop delivery; queued signals are discarded."""
        self._coordinator._remove(self)
        self._queue.clear()
        if self._task is not None:
            self._task.cancel()

    async def aclose(self) -> None:
        """Unsubscribe and wait for the delivery task to finish."""
        task = self._task
        self.unsubscribe()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task


class SignalCoordinator:
    """Routes lifecycle signals to subscribers and keeps a bounded history.

    Args:
        metrics_collector: Receives delivery totals (``coordination_signals_sent``
            per type, drops, mean propagation time) on :meth:`close`.
        max_history_size: Signals kept for :meth:`get_signal_history`.
    """

    def __init__(
        self,
        metrics_collector: MetricsRecorder | None = None,
        max_history_size: int = 10_000,
    ) -> None:
        self.metrics_collector = metrics_collector
        self._history: deque[Signal] = deque(maxlen=max_history_size)
        self._subscriptions: list[Subscription] = []
        self._sent = 0
        self._by_type: dict[str, int] = {}
        self._propagation_total = 0.0
        self._propagation_count = 0
        self._propagation_max = 0.0

    def subscribe(
        self,
        callback: SignalCallback,
        *,
        signal_types: Collection[SignalType] | None = None,
        workflow_id: str | None = None,
        predicate: Callable[[Signal], bool] | None = None,
        max_queue: int = 10_000,
    ) -> Subscription:
        """Register ``callback`` (sync or async) for the signals the filters accept."""
        sub = Subscription(
            self,
            callback,
            frozenset(signal_types) if signal_types is not None else None,
            workflow_id,
            predicate,
            max_queue,
        )
        self._subscriptions.append(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with contextlib.suppress(ValueError):
            self._subscriptions.remove(sub)

    @property
    def has_subscribers(self) -> bool:
        """Whether anyone listens (the executor skips building signals if not)."""
        return bool(self._subscriptions)

    def emit(self, signal: Signal) -> None:
        """Record ``signal`` and queue it for every matching subscriber; never blocks."""
        self._sent += 1
        key = signal.signal_type.value
        self._by_type[key] = self._by_type.get(key, 0) + 1
        self._history.append(signal)
        for sub in self._subscriptions:
            if sub.matches(signal):
                sub.offer(signal)

    def _note_propagation(self, ms: float) -> None:
        self._propagation_total += ms
        self._propagation_count += 1
        if ms > self._propagation_max:
            self._propagation_max = ms

    def record_metrics(self) -> None:
        """Write delivery totals to the metrics collector, if one was given.

        Called by :meth:`close`; per-signal metrics would cost more than the
        signals themselves on the executor's hot path.
        """
        collector = self.metrics_collector
        if collector is None:
            return
        stats = self.get_signal_metrics()
        for signal_type, count in stats.signals_by_type.items():
            collector.record_counter(
                "coordination_signals_sent", count, {"signal_type": signal_type}
            )
        collector.record_counter("coordination_signals_dropped", stats.total_signals_dropped)
        collector.record_timing(
            "coordination_signal_propagation_time_ms", stats.average_propagation_ms
        )

    async def drain(self) -> None:
        """Wait until every subscriber has received every signal emitted so far."""
        for sub in list(self._subscriptions):
            await sub.drain()

    async def close(self) -> None:
        """Deliver what is queued, then stop every subscriber."""
        await self.drain()
        self.record_metrics()
        for sub in list(self._subscriptions):
            await sub.aclose()

    def get_signal_history(
        self,
        workflow_id: str | None = None,
        signal_types: Collection[SignalType] | None = None,
    ) -> list[Signal]:
        """Signals still in the history, oldest first, optionally filtered."""
        types = frozenset(signal_types) if signal_types is not None else None
        return [
            s
            for s in self._history
            if (workflow_id is None or s.workflow_id == workflow_id)
            and (types is None or s.signal_type in types)
        ]

    def get_signal_metrics(self) -> SignalMetrics:
        """Totals over the coordinator's lifetime."""
        subs = self._subscriptions
        return SignalMetrics(
            total_signals_sent=self._sent,
            total_signals_delivered=sum(s.delivered for s in subs),
            total_signals_dropped=sum(s.dropped for s in subs),
            subscriber_errors=sum(s.errors for s in subs),
            average_propagation_ms=(
                self._propagation_total / self._propagation_count
                if self._propagation_count
                else 0.0
            ),
            max_propagation_ms=self._propagation_max,
            signals_by_type=dict(self._by_type),
        )
