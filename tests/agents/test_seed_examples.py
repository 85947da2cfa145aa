"""The seed documents' engine examples, run as written with our handlers.

Quick Integration steps 1 to 3 from the integration guide (with an in-memory
metrics collector: ``metrics.start()`` without Kafka or PostgreSQL URLs) and
the API reference's ``execute_workflow`` example.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


async def your_handler_function(step: Any, context: dict[str, Any]) -> dict[str, Any]:
    return {"generated_file": f"{context['contract_id']}/models.py"}


async def test_quick_integration_steps_1_to_3(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "templates").mkdir()
    # Step 1: Initialize Foundation Components
    from omninode_bridge.agents.coordination import SignalCoordinator
    from omninode_bridge.agents.metrics import MetricsCollector
    from omninode_bridge.agents.scheduler import DependencyAwareScheduler

    scheduler = DependencyAwareScheduler()
    metrics = MetricsCollector()
    coordinator = SignalCoordinator(metrics_collector=metrics)
    await metrics.start()

    # Step 2: Initialize Workflow Components
    from omninode_bridge.agents.workflows import (
        DEFAULT_QUORUM_MODELS,
        AIQuorum,
        CompletenessValidator,
        ONEXComplianceValidator,
        QualityValidator,
        StagedParallelExecutor,
        TemplateManager,
        ValidationPipeline,
    )

    executor = StagedParallelExecutor(
        scheduler=scheduler,
        metrics_collector=metrics,
        signal_coordinator=coordinator,
    )

    template_manager = TemplateManager(
        template_dir="./templates",
        cache_size=100,
        metrics_collector=metrics,
    )
    await template_manager.start()

    validation_pipeline = ValidationPipeline(
        validators=[
            CompletenessValidator(),
            QualityValidator(),
            ONEXComplianceValidator(),
        ],
    )

    quorum = AIQuorum(
        model_configs=DEFAULT_QUORUM_MODELS,
        pass_threshold=0.6,
        metrics_collector=metrics,
    )

    # Step 3: Define Workflow
    from omninode_bridge.agents.workflows import EnumStepType, WorkflowStage, WorkflowStep

    stages = [
        WorkflowStage(
            stage_id="models",
            stage_number=2,
            steps=[
                WorkflowStep(
                    step_id="gen_model_1",
                    step_type=EnumStepType.PARALLEL,
                    handler=your_handler_function,
                    context={"contract_id": "c1"},
                ),
                WorkflowStep(
                    step_id="gen_model_2",
                    step_type=EnumStepType.PARALLEL,
                    handler=your_handler_function,
                    context={"contract_id": "c2"},
                ),
            ],
        ),
    ]

    result = await executor.execute_workflow(
        workflow_id="session-1",
        stages=stages,
    )
    print(f"Success: {result.success}")
    print(f"Duration: {result.total_duration_ms:.2f}ms")
    print(f"Speedup: {result.overall_speedup:.2f}x")

    stats = executor.get_statistics()
    print(f"Avg workflow time: {stats['avg_workflow_duration_ms']:.2f}ms")
    print(f"Avg speedup: {stats['avg_speedup']:.2f}x")

    await template_manager.stop()
    await quorum.close()
    await coordinator.close()
    await metrics.stop()

    out = capsys.readouterr().out
    assert validation_pipeline is not None
    assert "Success: True" in out
    assert "Duration: " in out and "Speedup: " in out
    assert result.generated_files == ["c1/models.py", "c2/models.py"]
    assert metrics.get_summary("workflow_execution_time_ms") is not None


async def test_api_reference_execute_workflow_example(capsys: pytest.CaptureFixture[str]) -> None:
    from omninode_bridge.agents.scheduler import DependencyAwareScheduler
    from omninode_bridge.agents.workflows import (
        EnumStepType,
        StagedParallelExecutor,
        WorkflowStage,
        WorkflowStep,
    )

    executor = StagedParallelExecutor(scheduler=DependencyAwareScheduler(), max_parallel_tasks=3)

    async def my_handler(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
        return {"result": "success", "files": context["contract_files"]}

    names = ["parse", "models", "validators", "tests", "quality", "package"]
    stage1, stage2, stage3, stage4, stage5, stage6 = [
        WorkflowStage(
            stage_id=name,
            stage_number=number,
            steps=[
                WorkflowStep(
                    step_id=f"{name}_{i}",
                    step_type=EnumStepType.PARALLEL,
                    handler=my_handler,
                    context={"contract_id": f"contract_{i}"},
                    timeout_seconds=30,
                )
                for i in range(3)
            ],
            dependencies=[names[number - 2]] if number > 1 else [],
        )
        for number, name in enumerate(names, start=1)
    ]

    result = await executor.execute_workflow(
        workflow_id="codegen-session-1",
        stages=[stage1, stage2, stage3, stage4, stage5, stage6],
        context={"contract_files": ["c1.yaml", "c2.yaml", "c3.yaml"]},
    )

    if result.success:
        print(f"Completed in {result.total_duration_ms:.2f}ms")
        print(f"   Speedup: {result.overall_speedup:.2f}x")
    else:
        print(f"Failed at stage: {result.failed_stage}")

    out = capsys.readouterr().out
    assert out.startswith("Completed in ")
    assert "Speedup: " in out
    assert len(result.stage_results) == 6
    assert all(s.completed_steps == s.total_steps == 3 for s in result.stage_results)
