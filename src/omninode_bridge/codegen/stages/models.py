"""Stage 2, models: pydantic models, enums, the handler protocol and the node class."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omninode_bridge.codegen.render import PackageRenderer
from omninode_bridge.codegen.spec import build_node_spec
from omninode_bridge.codegen.stages.compute import render_models, render_models_pinned
from omninode_bridge.codegen.stages.state import GENERATOR_VERSION, Job, Run, required
from omninode_bridge.codegen.template_manager import TemplateManager, TemplateType
from omninode_bridge.codegen.writer import Provenance

__all__ = ["ManagerTemplates", "models"]


class ManagerTemplates:
    """Renders templates through a :class:`TemplateManager` (cached, overridable by id)."""

    def __init__(self, manager: TemplateManager) -> None:
        self._manager = manager

    async def render(self, template_id: str, context: Mapping[str, object]) -> str:
        return await self._manager.render_template(
            template_id, context, TemplateType.infer(template_id)
        )


async def models(run: Run, job: Job, manager: TemplateManager) -> Mapping[str, Any]:
    if job.fresh is not None:
        return {"skipped": "fresh"}
    contract = required(job.contract)
    provenance = Provenance(
        generator_version=GENERATOR_VERSION,
        contract_sha256=job.contract_sha256,
        templates_sha256=run.templates_sha256,
        run_id=run.session_id,
        correlation_id=run.correlation_id,
        contract_path=str(contract.source_path or ""),
    )
    if job.pin is not None:  # the worker that parsed it keeps spec and files
        job.schema_warnings, count = await run.offload_pinned(
            job, render_models_pinned, job.pin, contract, provenance, run.template_dir
        )
        return {"files": count}
    if run.remote is not None:
        job.provenance = provenance
        job.spec, files = await run.offload(render_models, contract, provenance, run.template_dir)
        job.schema_warnings = job.spec.schema_warnings
        job.files.extend(files)
        return {"files": len(files)}
    if job.spec is None:  # normally derived (and checked) by the parse stage
        job.spec = build_node_spec(contract)
    job.schema_warnings = job.spec.schema_warnings
    job.renderer = PackageRenderer(ManagerTemplates(manager), provenance)
    files = await job.renderer.render_models(job.spec)
    job.files.extend(files)
    return {"files": len(files)}
