"""``omninode runs list|show``, ``omninode stats`` and ``omninode db upgrade``.

All commands read the configured store (``OMNINODE_DATABASE_URL``, the config
file, or SQLite in ``./.omninode/``) unless ``--database-url`` names another.
``--json`` prints machine-readable output instead of tables.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from omninode_bridge.errors import OmniNodeError
from omninode_bridge.intelligence.pattern_demotion import demoted_patterns
from omninode_bridge.intelligence.pattern_feedback import PersistenceFeedbackStore
from omninode_bridge.persistence import OmniNodePersistence, RunDetail, RunRecord
from omninode_bridge.persistence.engine import default_database_url, redact_url
from omninode_bridge.persistence.migrate import head_revision, upgrade
from omninode_bridge.web.timeline import step_parallelism

__all__ = ["register"]

EXIT_BAD_INPUT = 2
T = TypeVar("T")

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="Database URL (default: the configured store)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]

runs_app = typer.Typer(help="Workflow run history.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


def _run(url: str | None, action: Callable[[OmniNodePersistence], Awaitable[T]]) -> T:
    async def _main() -> T:
        async with OmniNodePersistence(url or default_database_url()) as store:
            return await action(store)

    try:
        return asyncio.run(_main())
    except (OmniNodeError, SQLAlchemyError, OSError) as exc:
        # An unreachable or unwritable store: one message, no traceback.
        Console(stderr=True).print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _json_default(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=_json_default))


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _runs_table(runs: list[RunRecord]) -> Table:
    table = Table("run id", "workflow", "status", "started (UTC)", "duration ms", "error")
    for run in runs:
        table.add_row(
            run.run_id,
            run.workflow_id,
            run.status,
            _when(run.started_at),
            _ms(run.duration_ms),
            (run.error or "")[:60],
        )
    return table


@runs_app.command("list")
def list_runs(
    limit: Annotated[int, typer.Option(min=1, help="Newest N runs.")] = 20,
    status: Annotated[str | None, typer.Option(help="Only runs with this status.")] = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """List recent runs, newest first."""

    async def _list(store: OmniNodePersistence) -> list[RunRecord]:
        # Runs whose process died are written back as ``abandoned`` first.
        await store.abandon_dead_runs()
        return await store.list_runs(limit=limit, status=status)

    runs = _run(database_url, _list)
    if as_json:
        _print_json([asdict(r) for r in runs])
        return
    if not runs:
        typer.echo("no runs recorded")
        return
    Console().print(_runs_table(runs))


def _detail_tables(detail: RunDetail) -> list[Table]:
    stages = Table(
        "stage",
        "#",
        "status",
        "duration ms",
        "steps ok/total",
        "error",
        title=f"run {detail.run.run_id}: {detail.run.status}",
    )
    for stage in detail.stages:
        ok = sum(1 for s in stage.steps if s.status == "completed")
        stages.add_row(
            stage.stage_id,
            "-" if stage.stage_number is None else str(stage.stage_number),
            stage.status,
            _ms(stage.duration_ms),
            f"{ok}/{len(stage.steps)}",
            (stage.error or "")[:60],
        )
    tables = [stages]
    if detail.files:
        files = Table("file", "action", "bytes", title="files")
        for f in detail.files:
            files.add_row(f.path, f.action, "-" if f.size_bytes is None else str(f.size_bytes))
        tables.append(files)
    if detail.validations:
        checks = Table("target", "validator", "passed", "score", "issues", title="validation")
        for v in detail.validations:
            checks.add_row(
                v.target,
                v.validator,
                "yes" if v.passed else "no",
                "-" if v.score is None else f"{v.score:.2f}",
                str(len(v.issues)),
            )
        tables.append(checks)
    return tables


@runs_app.command("show")
def show_run(
    run_id: Annotated[str, typer.Argument(help="Run id (the run's correlation id).")],
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Show one run: stages with durations and outcomes, files, validation results."""

    async def _show(store: OmniNodePersistence) -> RunDetail | None:
        await store.abandon_dead_runs()
        return await store.get_run(run_id)

    detail = _run(database_url, _show)
    if detail is None:
        Console(stderr=True).print(f"[bold red]error:[/] run {run_id!r}: no such run")
        raise typer.Exit(EXIT_BAD_INPUT)
    parallelism = step_parallelism(detail)  # summed step time over wall time
    if as_json:
        _print_json({**asdict(detail), "parallelism": parallelism})
        return
    console = Console()
    run = detail.run
    in_flight = "-" if parallelism is None else f"{parallelism:.2f}"
    console.print(
        f"workflow {run.workflow_id}  started {_when(run.started_at)}  "
        f"duration {_ms(run.duration_ms)} ms  parallelism {in_flight}"
        + (f"  error: {run.error}" if run.error else "")
    )
    for table in _detail_tables(detail):
        console.print(table)


async def _stats(store: OmniNodePersistence, window: float | None) -> dict[str, Any]:
    patterns = await store.get_pattern_feedback_analysis(time_window_minutes=window)
    demoted = {
        d.pattern_name for d in (await demoted_patterns(PersistenceFeedbackStore(store))).values()
    }
    for row in patterns:  # a demoted pattern is reported as a hint by `omninode validate`
        row["demoted"] = row["pattern_name"] in demoted
    return {
        "performance": await store.get_performance_metrics_summary(time_window_minutes=window),
        "template_cache": await store.get_template_cache_efficiency(),
        "mixin_compatibility": await store.get_mixin_compatibility_by_node_type(),
        "pattern_feedback": patterns,
        "event_processing": await store.get_event_processing_health(time_window_minutes=window),
        "metrics": await store.get_metric_counts(),
    }


def _table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> Table:
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*("-" if row.get(c) is None else str(row.get(c)) for c in columns))
    return table


def stats(
    window: Annotated[
        float | None, typer.Option(help="Only the last N minutes (performance, feedback, events).")
    ] = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Print the analytics summaries."""
    data = _run(database_url, lambda s: _stats(s, window))
    if as_json:
        _print_json(data)
        return
    console = Console()
    console.print(
        _table(
            "performance by phase",
            data["performance"],
            [
                "phase",
                "execution_count",
                "avg_duration_ms",
                "p95_duration_ms",
                "p99_duration_ms",
                "cache_hits",
                "parallel_executions",
            ],
        )
    )
    console.print(
        _table(
            "template cache",
            data["template_cache"],
            ["template_type", "template_count", "hit_rate", "avg_load_time_ms", "total_size_mb"],
        )
    )
    console.print(
        _table(
            "mixin compatibility",
            data["mixin_compatibility"],
            ["node_type", "total_combinations", "avg_compatibility", "success_rate"],
        )
    )
    console.print(
        _table(
            "pattern feedback",
            data["pattern_feedback"],
            [
                "pattern_name",
                "total_feedback",
                "precision",
                "recall",
                "false_positive_count",
                "demoted",
            ],
        )
    )
    events = data["event_processing"]
    console.print(
        _table(
            "event processing",
            list(events["by_type"]),
            [
                "event_type",
                "event_source",
                "total_events",
                "success_rate",
                "avg_duration_ms",
                "p95_latency_ms",
            ],
        )
    )
    console.print(
        f"events: {events['total_events']} total, success rate "
        f"{'-' if events['success_rate'] is None else events['success_rate']}, "
        f"p99 {'-' if events['p99_latency_ms'] is None else events['p99_latency_ms']} ms"
    )
    console.print(
        _table(
            "stored metrics",
            data["metrics"],
            ["category", "metric_name", "count", "avg", "min", "max"],
        )
    )


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Create or migrate the store's tables to the newest revision."""
    url = database_url or default_database_url()

    async def _upgrade(store: OmniNodePersistence) -> str:
        return await upgrade(store.engine)

    revision = _run(url, _upgrade)
    typer.echo(f"{redact_url(url)}: at revision {revision} (head {head_revision()})")


def register(app: typer.Typer) -> None:
    """Add ``runs``, ``stats`` and ``db`` to the ``omninode`` app."""
    app.add_typer(runs_app, name="runs")
    app.add_typer(db_app, name="db")
    app.command("stats")(stats)
