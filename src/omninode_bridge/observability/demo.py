"""A small example workflow that exercises logging, signals and metrics.

Used by ``omninode serve --run-example N`` so a fresh server has real workflow
histograms to show, and by the observability tests and benchmark. Three
stages: ``prepare`` (one step), ``fan_out`` (``width`` parallel steps, each
doing blocking work on a worker thread) and ``collect`` (one step reading the
fan-out results). Every step logs, so a run shows how correlation ids follow
work into tasks and threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from omninode_bridge.agents.coordination import SignalCoordinator
from omninode_bridge.agents.workflows import (
    EnumStepType,
    StagedParallelExecutor,
    WorkflowResult,
    WorkflowStage,
    WorkflowStep,
)
from omninode_bridge.observability.logging import get_logger, run_in_executor_with_context

__all__ = ["example_stages", "run_example_workflow"]

log = get_logger(__name__, component="example")


def _blocking_sum(step_id: str, n: int) -> int:
    log.info("example.worker_thread", step_id=step_id, n=n)
    return sum(range(n))


async def _prepare(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
    log.info("example.prepare", step_id=step.step_id)
    return {"items": int(context.get("width", 3))}


async def _fan_out(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
    index = int(step.context["index"])
    log.info("example.fan_out.started", step_id=step.step_id, index=index)
    via_to_thread = await asyncio.to_thread(_blocking_sum, step.step_id, 1000 + index)
    via_executor = await run_in_executor_with_context(None, _blocking_sum, step.step_id, index)
    log.info("example.fan_out.finished", step_id=step.step_id, index=index)
    return {"value": via_to_thread + via_executor}


async def _collect(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
    results: Mapping[str, Mapping[str, Any]] = context.get("step_results", {})
    total = sum(int(r.get("value", 0)) for r in results.values())
    log.info("example.collect", step_id=step.step_id, inputs=len(results), total=total)
    return {"total": total}


def example_stages(*, width: int = 3) -> list[WorkflowStage]:
    """The three example stages; ``fan_out`` has ``width`` parallel steps."""
    return [
        WorkflowStage(
            stage_id="prepare",
            stage_number=1,
            steps=[WorkflowStep("prepare", EnumStepType.SEQUENTIAL, _prepare)],
        ),
        WorkflowStage(
            stage_id="fan_out",
            stage_number=2,
            steps=[
                WorkflowStep(f"fan_out_{i}", EnumStepType.PARALLEL, _fan_out, context={"index": i})
                for i in range(width)
            ],
            dependencies=["prepare"],
        ),
        WorkflowStage(
            stage_id="collect",
            stage_number=3,
            steps=[WorkflowStep("collect", EnumStepType.SEQUENTIAL, _collect)],
            dependencies=["fan_out"],
        ),
    ]


async def run_example_workflow(
    *,
    runs: int = 1,
    width: int = 3,
    coordinator: SignalCoordinator | None = None,
    correlation_id: str | None = None,
) -> list[WorkflowResult]:
    """Run the example workflow ``runs`` times, one after another.

    Signals go to ``coordinator`` (attach a ``PrometheusSignalExporter`` to it
    to get metrics); the call waits until they are all delivered.
    """
    executor = StagedParallelExecutor(signal_coordinator=coordinator)
    results = []
    for index in range(runs):
        result = await executor.execute_workflow(
            f"example-{index + 1}",
            example_stages(width=width),
            context={"width": width},
            correlation_id=correlation_id,
        )
        results.append(result)
    if coordinator is not None:
        await coordinator.drain()
    return results
