"""LifecyclePublisher: the executor's run, stage and step lifecycle on the bus."""

from __future__ import annotations

from typing import Any

from omninode_bridge.agents.coordination import SignalCoordinator
from omninode_bridge.agents.scheduler import DependencyAwareScheduler
from omninode_bridge.agents.workflows import (
    EnumStepType,
    StagedParallelExecutor,
    WorkflowStage,
    WorkflowStep,
)
from omninode_bridge.errors import EventBusError
from omninode_bridge.events import LIFECYCLE_TOPIC, InMemoryEventBus, LifecyclePublisher, ModelEvent


async def _ok(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
    return {}


async def test_run_stage_and_step_events_are_published_in_order() -> None:
    bus = InMemoryEventBus()
    coordinator = SignalCoordinator()
    publisher = LifecyclePublisher(bus)
    publisher.attach(coordinator)
    executor = StagedParallelExecutor(DependencyAwareScheduler(), signal_coordinator=coordinator)
    stages = [
        WorkflowStage("parse", 1, [WorkflowStep("p", EnumStepType.SEQUENTIAL, _ok)]),
        WorkflowStage("models", 2, [WorkflowStep("m", EnumStepType.SEQUENTIAL, _ok)],
                      dependencies=["parse"]),
    ]  # fmt: skip
    await executor.execute_workflow("codegen", stages, correlation_id="run-7")
    await coordinator.close()
    await publisher.detach()  # events go out in batches; detach flushes the last one
    events = [d.event for d in await bus.consume(LIFECYCLE_TOPIC, group="ui", consumer="a")]
    assert [e.event_type for e in events] == [
        "run.started",
        "stage.started", "step.started", "step.completed", "stage.completed",
        "stage.started", "step.started", "step.completed", "stage.completed",
        "run.completed",
    ]  # fmt: skip
    assert {e.payload["run_id"] for e in events} == {"run-7"}
    assert events[-1].payload["duration_ms"] is not None


async def test_validation_results_are_published() -> None:
    bus = InMemoryEventBus()
    publisher = LifecyclePublisher(bus)
    await publisher.publish_validation(
        run_id="run-1", target="node.py", validator="ast", passed=False, issues=["E1"]
    )
    [delivery] = await bus.consume(LIFECYCLE_TOPIC, group="g", consumer="c")
    assert delivery.event.event_type == "validation.failed"
    assert delivery.event.payload["issues"] == ["E1"]


class BrokenBus(InMemoryEventBus):
    async def publish(self, topic: str, event: ModelEvent) -> str:
        raise EventBusError("down")


async def test_bus_errors_are_counted_not_raised() -> None:
    publisher = LifecyclePublisher(BrokenBus())
    await publisher.publish_validation(run_id="r", target="t", validator="v", passed=True)
    assert (publisher.published, publisher.errors) == (0, 1)
