"""``omninode example``: run the built-in six-stage example workflow."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from omninode_bridge.engine.example import build_example_stages
from omninode_bridge.engine.executor import StagedParallelExecutor
from omninode_bridge.engine.models import WorkflowResult, measured_or_none
from omninode_bridge.engine.scheduler import DependencyAwareScheduler

__all__ = ["register", "stage_table"]


def stage_table(result: WorkflowResult) -> Table:
    """A rich table with one row per stage: status, steps, duration, parallelism."""
    table = Table(title=f"workflow {result.workflow_id}")
    for column in ("stage", "status", "steps ok/total", "duration ms", "parallelism"):
        table.add_column(column, justify="right" if column != "stage" else "left")
    for stage in result.stage_results:
        table.add_row(
            stage.stage_id,
            stage.status.value,
            f"{stage.completed_steps}/{stage.total_steps}",
            f"{stage.duration_ms:.2f}",
            f"{stage.parallelism:.2f}",
        )
    return table


def example(
    items: Annotated[int, typer.Option(min=1, max=1000, help="Inputs per stage.")] = 3,
    work_ms: Annotated[float, typer.Option(min=0, help="Simulated work per step.")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Run a six-stage example workflow and print its stage table."""
    names = [f"contract_{i + 1}" for i in range(items)]
    executor = StagedParallelExecutor(DependencyAwareScheduler())
    result = asyncio.run(
        executor.execute_workflow(
            "example", build_example_stages(names, work_seconds=work_ms / 1000)
        )
    )
    if as_json:
        print(
            json.dumps(
                {
                    "success": result.success,
                    "total_duration_ms": result.total_duration_ms,
                    "overall_speedup": measured_or_none(result.overall_speedup),
                    "parallelism": result.parallelism,
                    "stages": [
                        {
                            "stage_id": s.stage_id,
                            "status": s.status.value,
                            "duration_ms": s.duration_ms,
                            "completed_steps": s.completed_steps,
                            "total_steps": s.total_steps,
                        }
                        for s in result.stage_results
                    ],
                }
            )
        )
    else:
        console = Console()
        console.print(stage_table(result))
        console.print(
            f"success={result.success} duration={result.total_duration_ms:.2f}ms "
            f"parallelism={result.parallelism:.2f}"
        )
    if not result.success:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``example`` command."""
    app.command("example")(example)
