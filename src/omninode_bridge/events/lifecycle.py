"""LifecyclePublisher: puts the pipeline's lifecycle on the event bus.

Attached to a :class:`~omninode_bridge.engine.signals.SignalCoordinator`,
it publishes every workflow, stage and step signal as an event on one topic
(``run.started``, ``stage.completed``, ``step.failed``...). Validation results
are published through :meth:`LifecyclePublisher.publish_validation` as
``validation.passed`` / ``validation.failed``. The run id is the run's
correlation id, the same key the run history uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from omninode_bridge.engine.signals import Signal, SignalCoordinator
from omninode_bridge.errors import EventBusError
from omninode_bridge.events.bus import EventBus
from omninode_bridge.events.models import ModelEvent
from omninode_bridge.events.processor import EventProcessor
from omninode_bridge.logs import get_logger

if TYPE_CHECKING:
    from omninode_bridge.engine.signals import Subscription
    from omninode_bridge.persistence import OmniNodePersistence

__all__ = ["LIFECYCLE_TOPIC", "LifecyclePublisher", "lifecycle_event"]

log = get_logger(__name__, component="events")

LIFECYCLE_TOPIC = "omninode.lifecycle.v1"
_SOURCE = "omninode-bridge.executor"


def lifecycle_event(signal: Signal) -> ModelEvent:
    """The bus event for one lifecycle signal (``workflow_*`` becomes ``run.*``)."""
    scope, _, state = signal.signal_type.value.partition("_")
    scope = "run" if scope == "workflow" else scope
    payload: dict[str, Any] = {
        "run_id": signal.correlation_id or signal.workflow_id,
        "workflow_id": signal.workflow_id,
        "stage_id": signal.stage_id,
        "step_id": signal.step_id,
        "duration_ms": signal.duration_ms,
        "error": signal.error,
        "data": dict(signal.data),
    }
    return ModelEvent(
        event_type=f"{scope}.{state}",
        payload=payload,
        correlation_id=signal.correlation_id,
        source=_SOURCE,
    )


class LifecyclePublisher:
    """Publishes lifecycle signals and validation results on ``bus``.

    Args:
        bus: Where events go.
        topic: Topic of every lifecycle event.
    """

    def __init__(
        self,
        bus: EventBus,
        *,
        topic: str = LIFECYCLE_TOPIC,
        store: OmniNodePersistence | None = None,
        batch_size: int = 64,
        batch_timeout_ms: int = 200,
    ) -> None:
        self.bus = bus
        self.topic = topic
        self.published = 0
        self.errors = 0
        self._first_error: str | None = None
        self._subscription: Subscription | None = None
        #: Lifecycle events go to the bus in batches through this processor,
        #: which records each batch in ``event_processing_metrics`` when a
        #: store is given.
        self.processor = EventProcessor(
            batch_size=batch_size,
            batch_timeout_ms=batch_timeout_ms,
            handler=self._publish_batch,
            store=store,
            event_source="omninode.lifecycle",
        )

    def attach(self, coordinator: SignalCoordinator) -> Subscription:
        """Subscribe to every signal of ``coordinator``."""
        self._subscription = coordinator.subscribe(self.handle)
        return self._subscription

    async def detach(self) -> None:
        """Stop publishing."""
        if self._subscription is not None:
            await self._subscription.aclose()
            self._subscription = None
        await self.processor.close()

    async def handle(self, signal: Signal) -> None:
        """Publish one signal; bus errors are logged and counted, never raised."""
        await self.processor.process_event(lifecycle_event(signal))

    async def _publish_batch(self, batch: list[ModelEvent]) -> None:
        failed = self.errors
        for event in batch:
            await self._publish(event)
        if self.errors > failed:
            raise EventBusError(f"{self.errors - failed} of {len(batch)} events not published")

    @property
    def first_error(self) -> str | None:
        """The first publish failure of this publisher (``None`` while the bus works)."""
        return self._first_error

    async def _publish(self, event: ModelEvent) -> None:
        if self._first_error is not None:
            # The bus failed once: it is off for the rest of the run, so a
            # bus that is down costs one warning per run, not one per event.
            self.errors += 1
            return
        try:
            await self.bus.publish(self.topic, event)
        except EventBusError as exc:
            self.errors += 1
            self._first_error = str(exc)
            log.warning(
                "events.lifecycle_publish_failed", event_type=event.event_type, error=str(exc)
            )
            return
        self.published += 1

    async def publish_validation(
        self,
        *,
        run_id: str,
        target: str,
        validator: str,
        passed: bool,
        score: float | None = None,
        issues: Iterable[str] = (),
    ) -> None:
        """Publish one validation result of run ``run_id``."""
        await self._publish(
            ModelEvent(
                event_type="validation.passed" if passed else "validation.failed",
                payload={
                    "run_id": run_id,
                    "target": target,
                    "validator": validator,
                    "passed": passed,
                    "score": score,
                    "issues": [str(i) for i in issues],
                },
                correlation_id=run_id,
                source="omninode-bridge.validation",
            )
        )
