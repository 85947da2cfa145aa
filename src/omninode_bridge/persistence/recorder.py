"""RunRecorder: writes run history from the executor's lifecycle signals.

Subscribe it to a :class:`~omninode_bridge.engine.signals.SignalCoordinator`
and every workflow run, stage and step lands in the store as it happens. A run
becomes ``completed`` only when its ``workflow_completed`` signal is written,
so a process that dies mid-run leaves the run ``running`` (later
``interrupted``), never falsely completed.

Example:
    ```python
    store = OmniNodePersistence()
    coordinator = SignalCoordinator()
    recorder = RunRecorder(store)
    recorder.attach(coordinator)
    executor = StagedParallelExecutor(scheduler, signal_coordinator=coordinator)
    result = await executor.execute_workflow("codegen", stages)
    await coordinator.drain()
    await recorder.record_result(result)
    ```
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from omninode_bridge.engine.signals import Signal, SignalCoordinator, SignalType
from omninode_bridge.errors import PersistenceError
from omninode_bridge.logs import get_logger
from omninode_bridge.persistence.liveness import process_marker

if TYPE_CHECKING:
    from omninode_bridge.engine.signals import Subscription
    from omninode_bridge.persistence.store import OmniNodePersistence

__all__ = ["RunRecorder"]

log = get_logger(__name__, component="persistence")

_STAGE_END = {
    SignalType.STAGE_COMPLETED: "completed",
    SignalType.STAGE_FAILED: "failed",
    SignalType.STAGE_SKIPPED: "skipped",
}


def _when(signal: Signal) -> datetime:
    return datetime.fromtimestamp(signal.timestamp, tz=UTC)


class RunRecorder:
    """Persists runs, stages and steps from lifecycle signals.

    Args:
        store: Where the history goes.

    Runs are keyed by the run's correlation id (unique per ``execute_workflow``
    call unless the caller passes one), so two runs of the same workflow id
    are two rows.
    """

    def __init__(self, store: OmniNodePersistence) -> None:
        self.store = store
        self.errors = 0
        self._subscription: Subscription | None = None

    def attach(self, coordinator: SignalCoordinator) -> Subscription:
        """Subscribe to every lifecycle signal of ``coordinator``."""
        self._subscription = coordinator.subscribe(self.handle)
        return self._subscription

    async def detach(self) -> None:
        """Stop receiving signals (queued signals are delivered first by ``drain``)."""
        if self._subscription is not None:
            await self._subscription.aclose()
            self._subscription = None

    @staticmethod
    def run_id_of(signal: Signal) -> str:
        """The run id a signal belongs to."""
        return signal.correlation_id or signal.workflow_id

    async def handle(self, signal: Signal) -> None:
        """Write one signal; store errors are logged and counted, never raised."""
        try:
            await self._write(signal)
        except PersistenceError as exc:
            self.errors += 1
            log.warning(
                "run_recorder.write_failed", signal_type=signal.signal_type.value, error=str(exc)
            )

    async def _write(self, signal: Signal) -> None:
        run_id = self.run_id_of(signal)
        kind = signal.signal_type
        when = _when(signal)
        store = self.store
        if kind is SignalType.WORKFLOW_STARTED:
            await store.record_run_started(
                run_id,
                signal.workflow_id,
                correlation_id=signal.correlation_id,
                started_at=when,
                metadata={**signal.data, **process_marker()},
            )
        elif kind in (SignalType.WORKFLOW_COMPLETED, SignalType.WORKFLOW_FAILED):
            await store.record_run_finished(
                run_id,
                success=kind is SignalType.WORKFLOW_COMPLETED,
                completed_at=when,
                duration_ms=signal.duration_ms,
                error=signal.error,
            )
        elif kind is SignalType.STAGE_STARTED:
            await store.record_stage_started(
                run_id,
                _require(signal.stage_id),
                started_at=when,
                stage_number=_int(signal.data.get("stage_number")),
            )
        elif kind in _STAGE_END:
            await store.record_stage_finished(
                run_id,
                _require(signal.stage_id),
                success=kind is SignalType.STAGE_COMPLETED,
                status=_STAGE_END[kind],
                completed_at=when,
                duration_ms=signal.duration_ms,
                error=signal.error,
                stage_number=_int(signal.data.get("stage_number")),
            )
        elif kind is SignalType.STEP_STARTED:
            await store.record_step_started(
                run_id, _require(signal.stage_id), _require(signal.step_id), started_at=when
            )
        elif kind in (SignalType.STEP_COMPLETED, SignalType.STEP_FAILED):
            await store.record_step_finished(
                run_id,
                _require(signal.stage_id),
                _require(signal.step_id),
                success=kind is SignalType.STEP_COMPLETED,
                completed_at=when,
                duration_ms=signal.duration_ms,
                error=signal.error,
                attempts=_int(signal.data.get("attempts")) or 1,
            )

    async def record_result(self, result: Any) -> None:
        """Store the files a finished ``WorkflowResult`` reports as generated."""
        run_id = getattr(result, "correlation_id", None) or result.workflow_id
        await self.record_files(run_id, getattr(result, "generated_files", ()) or ())

    async def record_files(
        self, run_id: str, paths: Iterable[str], action: str = "written"
    ) -> None:
        """Store files written by run ``run_id``."""
        async with self.store.transaction():
            for path in paths:
                await self.store.record_file_written(run_id, str(path), action=action)


def _require(value: str | None) -> str:
    if value is None:
        raise PersistenceError("stage/step signal without a stage_id or step_id")
    return value


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
