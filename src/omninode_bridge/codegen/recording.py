"""A generation run in the store: what the Python API records, as ``omninode generate`` does.

``omninode generate`` records its runs through
:class:`~omninode_bridge.cli.history.RunHistory` (run, stages and steps from
the executor's signals, files, analytics and metrics). A run of the
documented Python API (:meth:`CodegenWorkflow.generate
<omninode_bridge.codegen.workflow.CodegenWorkflow.generate>`,
``generate_contracts``, ``generate_from_prd``) is recorded by
:func:`record_workflow_run` when it ends: the run, its files, its analytics
(performance per stage and for the run, template cache, validations, mixin
outcomes, pattern feedback; see :mod:`omninode_bridge.codegen.telemetry`) and
its summary gauges, in one transaction, in the configured store (SQLite under
``./.omninode/`` by default, ``OMNINODE_DATABASE_URL`` or the config file
otherwise; the pool of ``initialize_db_pool`` when one is set up). So
``OmniNodePersistence().get_performance_metrics_summary()`` and
``omninode runs list`` show the run.

Nothing is recorded for a dry run or a check, when the workflow's
``record_history`` is ``False`` (``None``, the default, follows the
``record_history`` setting, ``OMNINODE_RECORD_HISTORY``), or inside
:func:`recorded_by_caller`: a caller that records the run itself says so,
so a run is never recorded twice (:class:`~omninode_bridge.codegen.parallel.
ParallelCodeGenerator` records it with its measured speedup; the CLI's
``RunHistory`` turns its workflow's ``record_history`` off). A store that
cannot be opened or written is logged (``codegen.run_not_recorded``) and the
run's result returned all the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from omninode_bridge.codegen.telemetry import RUN_GAUGES, collect_run_telemetry, run_gauges
from omninode_bridge.config import load_settings
from omninode_bridge.errors import OmniNodeError
from omninode_bridge.logs import get_logger
from omninode_bridge.metrics import MetricsCollector
from omninode_bridge.metrics.models import Metric, MetricType
from omninode_bridge.metrics.sinks.database import metric_row
from omninode_bridge.persistence import OmniNodePersistence
from omninode_bridge.persistence.recorder import file_details
from omninode_bridge.persistence.run_telemetry import RunTelemetry, record_run_telemetry

if TYPE_CHECKING:
    from omninode_bridge.codegen.results import CodegenWorkflowResult
    from omninode_bridge.codegen.template_manager import TemplateManager
    from omninode_bridge.engine.executor import StagedParallelExecutor

__all__ = ["RecordedWorkflow", "record_workflow_run", "recorded_by_caller", "records", "write_run"]

log = get_logger(__name__, component="codegen")

_CALLER_RECORDS: ContextVar[bool] = ContextVar("omninode_caller_records_run", default=False)
_STORE_FAULTS = (OmniNodeError, SQLAlchemyError, OSError)


class RecordedWorkflow(Protocol):
    """What recording reads of a :class:`~omninode_bridge.codegen.workflow.CodegenWorkflow`."""

    record_history: bool | None

    @property
    def template_manager(self) -> TemplateManager: ...

    @property
    def executor(self) -> StagedParallelExecutor: ...


@contextmanager
def recorded_by_caller() -> Iterator[None]:
    """Workflow runs inside the block are not recorded by the workflow: the caller records them."""
    token = _CALLER_RECORDS.set(True)
    try:
        yield
    finally:
        _CALLER_RECORDS.reset(token)


def records(workflow: RecordedWorkflow, result: CodegenWorkflowResult) -> bool:
    """Whether :func:`record_workflow_run` writes ``result`` (see the module doc).

    Raises:
        ConfigError: ``record_history`` is ``None`` and the settings are invalid.
    """
    if result.dry_run or result.check or _CALLER_RECORDS.get():
        return False
    wanted = workflow.record_history
    return load_settings().record_history if wanted is None else wanted


async def record_workflow_run(workflow: RecordedWorkflow, result: CodegenWorkflowResult) -> None:
    """Record a finished run of ``workflow`` in the configured store, unless it is off.

    Never raises for the store: a failure is logged and the run stays unrecorded.
    """
    try:
        if not records(workflow, result):
            return
        store = OmniNodePersistence()
        try:
            await write_run(
                store,
                result,
                workflow.template_manager,
                workers=workflow.executor.max_parallel_tasks,
                metrics=_collector(workflow),
                entry=type(workflow).__name__,
            )
        finally:
            await store.close()
    except _STORE_FAULTS as exc:
        log.warning("codegen.run_not_recorded", run_id=result.correlation_id, error=str(exc))


async def write_run(
    store: OmniNodePersistence,
    result: CodegenWorkflowResult,
    templates: TemplateManager,
    *,
    workers: int,
    metrics: MetricsCollector | None = None,
    entry: str,
    metadata: Mapping[str, Any] | None = None,
) -> RunTelemetry:
    """Write the run, its files, analytics and gauges in one transaction (nothing for a dry run).

    Args:
        store: Where it goes (left open).
        result: The finished run.
        templates: The run's template manager (template records).
        workers: The executor's ``max_parallel_tasks``.
        metrics: The run's collector: per-template hits and misses when its
            template manager reported to it.
        entry: What ran it, kept in the run's metadata (``omninode runs show``).
        metadata: More run metadata.

    Returns:
        The analytics written (empty for a dry run or check: nothing written).
    """
    telemetry = await collect_run_telemetry(result, templates, metrics, workers=workers)
    if not telemetry.row_count:
        return telemetry
    run_id = result.correlation_id
    finished = result.completed_at
    workflow_id = result.workflow.workflow_id if result.workflow else f"codegen-{result.session_id}"
    gauges = [
        metric_row(
            Metric(
                metric_name=name,
                metric_type=MetricType.GAUGE,
                value=value,
                unit=RUN_GAUGES[name],
                tags={"entry": entry},
                timestamp=finished,
                correlation_id=run_id,
                agent_id="codegen",
                metric_id=str(uuid.uuid4()),
            )
        )
        for name, value in run_gauges(telemetry).items()
    ]
    async with store.transaction():
        await store.record_run_started(
            run_id,
            workflow_id,
            correlation_id=run_id,
            started_at=finished - timedelta(milliseconds=result.duration_ms),
            metadata={"entry": entry, "speedup": result.speedup, **(metadata or {})},
        )
        await store.record_run_finished(
            run_id,
            success=result.success,
            completed_at=finished,
            duration_ms=result.duration_ms,
            error=result.error_message,
        )
        if result.workflow is not None:
            await store.record_files_batch(
                run_id, result.workflow.generated_files, details=file_details(result.workflow)
            )
        await record_run_telemetry(store, telemetry)
        await store.insert_metric_rows(gauges)
    return telemetry


def _collector(workflow: RecordedWorkflow) -> MetricsCollector | None:
    metrics = workflow.executor.metrics_collector
    return metrics if isinstance(metrics, MetricsCollector) else None
