"""The run history of ``omninode generate``: store and event bus, each optional.

The run is recorded in the store and its lifecycle published on the event bus
(SQLite in ``./.omninode/`` and the in-process bus by default). A store or bus
that cannot be opened, or that fails during the run, is reported once as a
warning and the generation goes on without it; a broken bus never switches
the store off, nor the other way round. Warnings are collected per run
(:func:`collecting_warnings`) so ``--json`` carries them too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from sqlalchemy.exc import SQLAlchemyError

from omninode_bridge.codegen.telemetry import RUN_GAUGES, collect_run_telemetry, run_gauges
from omninode_bridge.config import load_settings
from omninode_bridge.errors import OmniNodeError
from omninode_bridge.events import LifecyclePublisher, create_event_bus
from omninode_bridge.logs import get_logger
from omninode_bridge.metrics import MetricsCollector
from omninode_bridge.metrics.sinks.database import DatabaseMetricSink
from omninode_bridge.persistence import OmniNodePersistence, RunRecorder
from omninode_bridge.persistence.run_telemetry import record_run_telemetry

if TYPE_CHECKING:
    from rich.console import Console

    from omninode_bridge.codegen.workflow import CodegenWorkflow
    from omninode_bridge.engine.signals import SignalCoordinator

log = get_logger(__name__, component="cli")

__all__ = ["RunHistory", "collecting_warnings", "warn"]

_WARNINGS: ContextVar[list[str] | None] = ContextVar("omninode_run_warnings", default=None)
_STORE_FAULTS = (OmniNodeError, SQLAlchemyError, OSError)


@contextmanager
def collecting_warnings() -> Iterator[list[str]]:
    """Collect the warnings of one run (the list is filled while the block runs)."""
    collected: list[str] = []
    token = _WARNINGS.set(collected)
    try:
        yield collected
    finally:
        _WARNINGS.reset(token)


def warn(console: Console | None, message: str) -> None:
    """Report ``message`` once: printed on ``console`` and kept for ``--json``."""
    collected = _WARNINGS.get()
    if collected is not None:
        collected.append(message)
    if console is not None:
        console.print(f"warning: {escape(message)}", highlight=False)


class RunHistory:
    """The store recorder and the bus publisher of one run (either may be off).

    With a store, the run's analytics (stage performance, template cache,
    validations, mixin outcomes, pattern feedback, agent metrics and event
    processing) are written once at the end of the run, in one transaction.
    The workflow's own recording (:mod:`~omninode_bridge.codegen.recording`)
    is turned off: this history records the run, or nothing does
    (``--no-history``).
    """

    def __init__(
        self,
        recorder: RunRecorder | None,
        publisher: LifecyclePublisher | None,
        console: Console | None,
        workflow: CodegenWorkflow | None = None,
    ) -> None:
        self.recorder = recorder
        self.publisher = publisher
        self._console = console
        self.workflow = workflow
        if workflow is not None:
            workflow.record_history = False  # recorded here, never twice
        self.metrics = _metrics_of(workflow) if recorder is not None else None
        if self.metrics is not None and recorder is not None:
            self.metrics.add_sink(DatabaseMetricSink(store=recorder.store))

    @classmethod
    async def open(
        cls,
        coordinator: SignalCoordinator,
        console: Console | None,
        workflow: CodegenWorkflow | None = None,
        *,
        record: bool = True,
    ) -> RunHistory:
        """Open the store and the bus; whichever fails is reported and left off.

        ``record=False`` (``--no-history``) leaves the store closed: the run is
        published on the bus but not recorded.
        """
        try:
            settings = load_settings()
        except OmniNodeError as exc:
            warn(console, f"run history is off: {exc}")
            return cls(None, None, console, workflow)
        recorder: RunRecorder | None = None
        if record:
            store = OmniNodePersistence(settings.resolved_database_url)
            try:
                await store.initialize()
                recorder = RunRecorder(store)
                recorder.attach(coordinator)
            except _STORE_FAULTS as exc:
                await _quietly(store.close())
                warn(console, f"run history is off: {exc}")
        publisher: LifecyclePublisher | None = None
        try:
            bus = create_event_bus(settings)
            publisher = LifecyclePublisher(bus, store=recorder.store if recorder else None)
            publisher.attach(coordinator)
        except OmniNodeError as exc:
            warn(console, f"event publishing is off: {exc}")
        return cls(recorder, publisher, console, workflow)

    async def finish(self, result: Any) -> None:
        """Record the files written and the analytics, detach and close; report losses once.

        The bus goes first: its processor writes the last events' metrics rows
        now, not from its flush timer in the middle of the analytics
        transaction (SQLite has one writer at a time, and a writer that waits
        for the lock sleeps up to 100 ms between tries).
        """
        recorder, publisher = self.recorder, self.publisher
        if publisher is not None:
            await publisher.detach()  # flushes the last events and their metrics rows
            self._record_event_gauges(publisher)
            await _quietly(publisher.bus.close())
            if publisher.first_error is not None:
                warn(
                    self._console,
                    f"event bus failed, {publisher.errors} lifecycle event(s) not published: "
                    f"{publisher.first_error}",
                )
        if recorder is None:
            return
        try:
            if result is not None and result.workflow is not None:
                await recorder.record_result(result.workflow)
            if result is not None:
                await self._record_telemetry(result)
        except _STORE_FAULTS as exc:
            recorder.errors += 1
            warn(self._console, f"the files of this run were not recorded: {exc}")
        finally:
            await recorder.detach()
        if self.metrics is not None:
            await _quietly(self.metrics.flush(drain=True))
        await _quietly(recorder.store.close())
        if recorder.errors:
            warn(
                self._console,
                f"{recorder.errors} run-history write(s) failed: this run is incomplete "
                "in 'omninode runs list'",
            )

    async def _record_telemetry(self, result: Any) -> None:
        """The run's analytics rows, in one transaction; a failure is reported, not raised."""
        if self.recorder is None or self.workflow is None:
            return
        try:
            telemetry = await collect_run_telemetry(
                result,
                self.workflow.template_manager,
                self.metrics,
                workers=self.workflow.executor.max_parallel_tasks,
            )
            await record_run_telemetry(self.recorder.store, telemetry)
        except OmniNodeError as exc:
            log.warning("generate.telemetry_not_recorded", error=str(exc))
            return
        if self.metrics is None:
            return
        run_id = telemetry.run_id
        for name, value in run_gauges(telemetry).items():
            self.metrics.record_gauge(name, value, RUN_GAUGES[name], correlation_id=run_id)
        for outcome in telemetry.mixins:  # what `omninode mixins train` learns from
            tags = {
                "contract": outcome.contract,
                "node_type": outcome.node_type,
                "mixins": ",".join(outcome.mixins),
            }
            self.metrics.record_gauge(
                "mixin_outcome", float(outcome.success), "passed", tags, correlation_id=run_id
            )

    def _record_event_gauges(self, publisher: LifecyclePublisher) -> None:
        """The event processor's batch time and success rate, for the alert rules."""
        numbers = publisher.processor.metrics()
        if self.metrics is None or not numbers.total_events:
            return
        self.metrics.record_gauge(
            "event_batch_processing_ms", numbers.avg_processing_duration_ms, "ms"
        )
        ok = numbers.total_events - numbers.failed_events
        self.metrics.record_gauge("event_success_rate", ok / numbers.total_events, "ratio")


def _metrics_of(workflow: CodegenWorkflow | None) -> MetricsCollector | None:
    metrics = workflow.executor.metrics_collector if workflow is not None else None
    return metrics if isinstance(metrics, MetricsCollector) else None


async def _quietly(closing: Any) -> None:
    with suppress(Exception):
        await closing
