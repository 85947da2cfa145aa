"""RunRecorder: run history written from the real executor's signals."""

from __future__ import annotations

from typing import Any

from omninode_bridge.agents.coordination import Signal, SignalCoordinator, SignalType
from omninode_bridge.agents.scheduler import DependencyAwareScheduler
from omninode_bridge.agents.workflows import (
    EnumStepType,
    StagedParallelExecutor,
    WorkflowStage,
    WorkflowStep,
)
from omninode_bridge.errors import StageTimeoutError, WorkflowFailedError
from omninode_bridge.persistence import OmniNodePersistence
from omninode_bridge.persistence.recorder import RunRecorder


async def finished(executor: Any, *args: Any, **kwargs: Any) -> Any:
    """The run's WorkflowResult, returned or carried by the error execute_workflow raises."""
    try:
        return await executor.execute_workflow(*args, **kwargs)
    except (WorkflowFailedError, StageTimeoutError) as stopped:
        return stopped.result


async def _ok(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
    return {"generated_files": [f"out/{step.step_id}.py"]}


async def _boom(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("template missing")


def _stages(second_handler: Any) -> list[WorkflowStage]:
    return [
        WorkflowStage(
            "parse",
            1,
            [WorkflowStep(f"parse-{i}", EnumStepType.PARALLEL, _ok) for i in range(3)],
        ),
        WorkflowStage(
            "models", 2, [WorkflowStep("models-0", EnumStepType.PARALLEL, second_handler)],
            dependencies=["parse"],
        ),
        WorkflowStage("package", 3, [WorkflowStep("pkg", EnumStepType.PARALLEL, _ok)],
                      dependencies=["models"]),
    ]  # fmt: skip


async def _run(store: OmniNodePersistence, handler: Any, correlation_id: str) -> Any:
    coordinator = SignalCoordinator()
    recorder = RunRecorder(store)
    recorder.attach(coordinator)
    executor = StagedParallelExecutor(DependencyAwareScheduler(), signal_coordinator=coordinator)
    result = await finished(executor, "codegen", _stages(handler),
                                             correlation_id=correlation_id)  # fmt: skip
    await coordinator.drain()
    await recorder.record_result(result)
    await coordinator.close()
    assert recorder.errors == 0
    return result


async def test_successful_run_is_recorded_with_stages_steps_and_files(
    store: OmniNodePersistence,
) -> None:
    result = await _run(store, _ok, "run-ok")
    assert result.success
    detail = await store.get_run("run-ok")
    assert detail is not None
    assert detail.run.status == "completed"
    assert detail.run.workflow_id == "codegen"
    assert [(s.stage_id, s.status, s.stage_number) for s in detail.stages] == [
        ("parse", "completed", 1), ("models", "completed", 2), ("package", "completed", 3)
    ]  # fmt: skip
    assert sorted(s.step_id for s in detail.stages[0].steps) == ["parse-0", "parse-1", "parse-2"]
    assert all(s.duration_ms is not None for st in detail.stages for s in st.steps)
    assert {f.path for f in detail.files} == set(result.generated_files)


async def test_failed_run_records_failed_step_and_skipped_stage(
    store: OmniNodePersistence,
) -> None:
    result = await _run(store, _boom, "run-bad")
    assert not result.success
    detail = await store.get_run("run-bad")
    assert detail is not None
    assert detail.run.status == "failed"
    statuses = {s.stage_id: s.status for s in detail.stages}
    assert statuses == {"parse": "completed", "models": "failed", "package": "skipped"}
    [step] = next(s for s in detail.stages if s.stage_id == "models").steps
    assert step.status == "failed"
    assert "template missing" in (step.error or "")


async def test_store_errors_are_counted_not_raised(store: OmniNodePersistence) -> None:
    recorder = RunRecorder(store)
    await recorder.handle(
        Signal(SignalType.WORKFLOW_COMPLETED, "wf", correlation_id="never-started")
    )
    assert recorder.errors == 1
