"""A small, self-contained six-stage workflow used by ``omninode example``.

It shows the executor's shape (parse, models, validators, tests, quality,
package; one step per input per stage) without touching the file system, and
gives ``omninode serve`` and the docs something real to run.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from omninode_bridge.engine.models import (
    EnumStepType,
    WorkflowStage,
    WorkflowStep,
)

__all__ = ["EXAMPLE_STAGE_NAMES", "build_example_stages"]

EXAMPLE_STAGE_NAMES = ("parse", "models", "validators", "tests", "quality", "package")


async def _digest_step(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
    """Hash the previous stage's output for this input, yielding once per stage."""
    item = str(step.context["item"])
    stage = str(context["stage_id"])
    previous = context["step_results"].get(step.context.get("previous_step", ""), {})
    await asyncio.sleep(float(step.context.get("work_seconds", 0.0)))
    digest = hashlib.sha256(f"{stage}:{item}:{previous.get('digest', '')}".encode()).hexdigest()
    result: dict[str, Any] = {"item": item, "digest": digest[:16]}
    if stage == "package":
        result["generated_file"] = f"{item}/node.py"
    return result


def build_example_stages(items: list[str], *, work_seconds: float = 0.01) -> list[WorkflowStage]:
    """Six stages, one PARALLEL step per item in each, each depending on the previous stage.

    Args:
        items: Input names (for example contract names).
        work_seconds: Simulated work per step.
    """
    stages: list[WorkflowStage] = []
    for number, name in enumerate(EXAMPLE_STAGE_NAMES, start=1):
        previous = EXAMPLE_STAGE_NAMES[number - 2] if number > 1 else None
        steps = [
            WorkflowStep(
                step_id=f"{name}_{item}",
                step_type=EnumStepType.PARALLEL,
                handler=_digest_step,
                context={
                    "item": item,
                    "previous_step": f"{previous}_{item}" if previous else "",
                    "work_seconds": work_seconds,
                },
                timeout_seconds=30,
            )
            for item in items
        ]
        stages.append(
            WorkflowStage(
                stage_id=name,
                stage_number=number,
                steps=steps,
                dependencies=[previous] if previous else [],
            )
        )
    return stages
