"""Stage 5, quality: the validation pipeline over every generated module.

Node modules go through the full pipeline (metrics, and the AI quorum when one
is configured); other modules through its deterministic validators only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omninode_bridge.codegen.stages.compute import check_files, check_pinned, validation_context
from omninode_bridge.codegen.stages.state import Job, Run, required
from omninode_bridge.codegen.writer import FileOwner
from omninode_bridge.errors import GenerationError
from omninode_bridge.validation import ValidationPipeline

__all__ = ["quality", "validation_context"]


async def quality(run: Run, job: Job, pipeline: ValidationPipeline) -> Mapping[str, Any]:
    if job.fresh is not None:
        return {"skipped": "fresh"}
    if job.pin is not None:  # run.remote_quality holds: the default validators
        class_name, reports = await run.offload_pinned(job, check_pinned, job.pin)
        job.validations.extend(reports)
        _raise_for(class_name, [f"{path}: {e}" for path, report in reports for e in report.errors])
        return {"modules_checked": len(reports)}
    spec = required(job.spec)
    if run.remote is not None and run.remote_quality:
        reports = await run.offload(check_files, spec, list(job.files))
        job.validations.extend(reports)
        _raise_for(
            spec.class_name, [f"{path}: {e}" for path, report in reports for e in report.errors]
        )
        return {"modules_checked": len(reports)}
    errors: list[str] = []
    checked = 0
    for item in job.files:
        if item.owner is FileOwner.USER or not item.path.endswith(".py"):
            continue
        checked += 1
        context = validation_context(spec, item)
        if item.path.endswith("/node.py"):
            # the full pipeline: metrics, and the AI quorum when one is configured
            report = await pipeline.validate(item.content, context)
        else:
            report = pipeline.run_validators(item.content, context)
        job.validations.append((f"{spec.package_path}/{item.path}", report))
        errors.extend(f"{spec.package_path}/{item.path}: {e}" for e in report.errors)
    _raise_for(spec.class_name, errors)
    return {"modules_checked": checked}


def _raise_for(class_name: str, errors: list[str]) -> None:
    if errors:
        raise GenerationError(
            f"generated code for {class_name} failed validation:\n  " + "\n  ".join(errors)
        )
