"""Checking a staged workflow's definition and grouping a stage's steps.

:func:`plan_stages` validates stages and steps before anything runs and
returns the stages in execution order; :func:`step_groups` splits a stage's
steps into the runs the executor starts together.
"""

from __future__ import annotations

from collections.abc import Sequence

from omninode_bridge.engine.dag import DependencyGraph
from omninode_bridge.engine.models import EnumStepType, WorkflowStage, WorkflowStep
from omninode_bridge.errors import WorkflowDefinitionError

__all__ = ["check_step", "plan_stages", "step_groups"]


def plan_stages(stages: Sequence[WorkflowStage]) -> list[WorkflowStage]:
    """Validate ``stages`` and return them in ``stage_number`` order (stable).

    Raises:
        WorkflowDefinitionError: Invalid stages (duplicate ids, unknown or
            out-of-order dependencies; ``CycleError`` for a cycle).
    """
    if not stages:
        raise WorkflowDefinitionError("a workflow needs at least one stage")
    graph = DependencyGraph()
    step_ids: set[str] = set()
    for stage in stages:
        if not stage.stage_id:
            raise WorkflowDefinitionError("stage_id must be a non-empty string")
        if stage.timeout_seconds <= 0:
            raise WorkflowDefinitionError(f"stage {stage.stage_id!r}: timeout_seconds must be > 0")
        graph.add(stage.stage_id, stage.dependencies)
        for step in stage.steps:
            check_step(stage, step, step_ids)
    graph.validate()
    ordered = sorted(stages, key=lambda s: s.stage_number)
    position = {s.stage_id: i for i, s in enumerate(ordered)}
    for stage in ordered:
        for dep in stage.dependencies:
            if position[dep] > position[stage.stage_id]:
                raise WorkflowDefinitionError(
                    f"stage {stage.stage_id!r} (number {stage.stage_number}) depends on "
                    f"{dep!r}, which runs later; give {dep!r} a lower stage_number"
                )
    return ordered


def check_step(stage: WorkflowStage, step: WorkflowStep, seen: set[str]) -> None:
    """Validate one step; ``seen`` collects step ids to catch duplicates."""
    where = f"stage {stage.stage_id!r} step {step.step_id!r}"
    if not step.step_id:
        raise WorkflowDefinitionError(f"stage {stage.stage_id!r}: step_id must be non-empty")
    if step.step_id in seen:
        raise WorkflowDefinitionError(f"duplicate step id {step.step_id!r}")
    seen.add(step.step_id)
    if not callable(step.handler):
        raise WorkflowDefinitionError(f"{where}: handler is not callable")
    if not isinstance(step.step_type, EnumStepType):
        raise WorkflowDefinitionError(f"{where}: step_type must be an EnumStepType")
    if step.timeout_seconds <= 0:
        raise WorkflowDefinitionError(f"{where}: timeout_seconds must be > 0")
    if step.retry_count < 0:
        raise WorkflowDefinitionError(f"{where}: retry_count must be >= 0")


def step_groups(steps: Sequence[WorkflowStep]) -> list[list[WorkflowStep]]:
    """Split steps into runs: consecutive PARALLEL steps together, SEQUENTIAL alone."""
    groups: list[list[WorkflowStep]] = []
    for step in steps:
        if (
            step.step_type is EnumStepType.PARALLEL
            and groups
            and groups[-1][0].step_type is EnumStepType.PARALLEL
        ):
            groups[-1].append(step)
        else:
            groups.append([step])
    return groups
