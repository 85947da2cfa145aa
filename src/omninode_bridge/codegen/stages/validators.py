"""Stage 3, validators: request parsing and the contract's security rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omninode_bridge.codegen.stages.state import Job, Run, render_stage

__all__ = ["validators"]


async def validators(run: Run, job: Job) -> Mapping[str, Any]:
    if job.fresh is not None:
        return {"skipped": "fresh"}
    return {"files": await render_stage(run, job, "validators")}
