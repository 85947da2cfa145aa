"""Stage 4, tests: generated tests and the user-owned handler test file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omninode_bridge.codegen.stages.state import Job, Run, render_stage

__all__ = ["tests"]


async def tests(run: Run, job: Job) -> Mapping[str, Any]:
    if job.fresh is not None:
        return {"skipped": "fresh"}
    return {"files": await render_stage(run, job, "tests")}
