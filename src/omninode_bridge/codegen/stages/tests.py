"""Stage 4, tests: generated tests and the user-owned handler test file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omninode_bridge.codegen.stages.state import Job, Run, render

__all__ = ["tests"]


async def tests(run: Run, job: Job) -> Mapping[str, Any]:
    if job.fresh is not None:
        return {"skipped": "fresh"}
    files = await render(run, job, "tests")
    job.files.extend(files)
    return {"files": len(files)}
