"""RunRecorder: writes run history from the executor's lifecycle signals.

Subscribe it to a :class:`~omninode_bridge.engine.signals.SignalCoordinator`
and every workflow run, stage and step lands in the store: the run row when it
starts, each stage with all its steps in one transaction when the stage ends
(so recording costs a few statements a stage, not several a step). A run
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

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from omninode_bridge.engine.outcomes import file_records
from omninode_bridge.engine.signals import Signal, SignalCoordinator, SignalType
from omninode_bridge.errors import PersistenceError
from omninode_bridge.logs import get_logger
from omninode_bridge.persistence.liveness import process_marker

if TYPE_CHECKING:
    from omninode_bridge.engine.signals import Subscription
    from omninode_bridge.persistence.store import OmniNodePersistence

__all__ = ["RunRecorder", "file_details"]

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
        # (run id, stage id) -> the stage's row and its steps' rows, until the stage ends
        self._stages: dict[tuple[str, str], dict[str, Any]] = {}
        self._steps: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}

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
            key = (run_id, _require(signal.stage_id))
            self._stages[key] = {
                "stage_id": key[1],
                "stage_number": _int(signal.data.get("stage_number")),
                "status": "running",
                "started_at": when,
                "completed_at": None,
                "duration_ms": None,
                "error": None,
            }
        elif kind in _STAGE_END:
            await self._flush_stage(run_id, signal, when)
        elif kind is SignalType.STEP_STARTED:
            self._step(run_id, signal, when)
        elif kind in (SignalType.STEP_COMPLETED, SignalType.STEP_FAILED):
            row = self._step(run_id, signal, when)
            row["status"] = "completed" if kind is SignalType.STEP_COMPLETED else "failed"
            row["completed_at"] = when
            row["duration_ms"] = signal.duration_ms
            row["error"] = signal.error
            row["attempts"] = _int(signal.data.get("attempts")) or 1

    def _step(self, run_id: str, signal: Signal, when: datetime) -> dict[str, Any]:
        steps = self._steps.setdefault((run_id, _require(signal.stage_id)), {})
        step_id = _require(signal.step_id)
        row = steps.get(step_id)
        if row is None:
            row = steps[step_id] = {
                "step_id": step_id,
                "status": "running",
                "started_at": when,
                "completed_at": None,
                "duration_ms": None,
                "attempts": 1,
                "error": None,
            }
        return row

    async def _flush_stage(self, run_id: str, signal: Signal, when: datetime) -> None:
        key = (run_id, _require(signal.stage_id))
        stage = self._stages.pop(key, None) or {
            "stage_id": key[1],
            "stage_number": None,
            "started_at": when,
        }
        number = _int(signal.data.get("stage_number"))
        if number is not None:
            stage["stage_number"] = number
        started: datetime = stage["started_at"]
        duration = signal.duration_ms
        if duration is None:
            duration = max((when - started).total_seconds() * 1000, 0.0)
        stage.update(
            status=_STAGE_END[signal.signal_type],
            completed_at=when,
            duration_ms=duration,
            error=signal.error,
        )
        steps = list(self._steps.pop(key, {}).values())
        await self.store.record_stage_batch(run_id, stage, steps)

    async def record_result(self, result: Any) -> None:
        """Store the files a finished ``WorkflowResult`` reports as generated."""
        run_id = getattr(result, "correlation_id", None) or result.workflow_id
        await self.record_files(
            run_id, getattr(result, "generated_files", ()) or (), details=file_details(result)
        )

    async def record_files(
        self,
        run_id: str,
        paths: Iterable[str],
        action: str = "written",
        *,
        details: Mapping[str, tuple[str | None, int | None]] | None = None,
    ) -> None:
        """Store files written by run ``run_id`` (``details``: path -> (sha256, size))."""
        await self.store.record_files_batch(
            run_id, [str(p) for p in paths], action=action, details=details
        )


def file_details(result: Any) -> dict[str, tuple[str | None, int | None]]:
    """``path -> (sha256, size)`` the steps of ``result`` (a ``WorkflowResult``) reported."""
    steps = getattr(result, "step_results", None)
    if not isinstance(steps, Mapping):
        return {}
    return file_records(s.result for s in steps.values() if isinstance(s.result, Mapping))


def _require(value: str | None) -> str:
    if value is None:
        raise PersistenceError("stage/step signal without a stage_id or step_id")
    return value


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
