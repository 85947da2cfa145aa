"""Stage 6, package: package files, the plan, the manifest and the atomic write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omninode_bridge.codegen.results import PackageResult
from omninode_bridge.codegen.stages.compute import write_package_pinned
from omninode_bridge.codegen.stages.state import GENERATOR_VERSION, Job, Run, render, required
from omninode_bridge.codegen.writer import (
    MANIFEST_NAME,
    FileAction,
    Manifest,
    PackagePlan,
    unchanged_plan,
    write_package,
)
from omninode_bridge.errors import GenerationError

__all__ = ["package", "package_result"]


async def package(run: Run, job: Job) -> Mapping[str, Any]:
    if job.fresh is not None:
        job.plan = unchanged_plan(run.output / job.fresh.service_name, job.fresh)
        return {"skipped": "fresh"}
    contract = required(job.contract)
    root = run.output / contract.service_name
    manifest_path = f"{contract.version.package_dir}/{MANIFEST_NAME}"
    manifest = Manifest(
        generator_version=GENERATOR_VERSION,
        contract_sha256=job.contract_sha256,
        templates_sha256=run.templates_sha256,
        run_id=run.session_id,
        correlation_id=run.correlation_id,
        contract_path=str(contract.source_path or ""),
        files={},  # the hashes are taken once the package is planned
        templates=run.template_hashes,
        source_sha256=job.source_sha256,
        class_name=contract.name,
        service_name=contract.service_name,
        version_dir=contract.version.package_dir,
    )
    if job.pin is not None:  # its worker renders, plans and writes: the plan comes back
        outcome = await run.offload_pinned(
            job,
            write_package_pinned,
            job.pin,
            run.template_dir,
            (str(root), manifest_path),
            manifest,
            run.dry_run,
        )
        if isinstance(outcome, str):
            raise GenerationError(outcome)
        plan: PackagePlan = outcome
    else:  # rendered here or by a worker that keeps nothing (Dask); written here
        job.files.extend(await render(run, job, "package"))
        plan = write_package(root, manifest_path, job.files, manifest, dry_run=run.dry_run)
    job.plan = plan
    # The text is on disk now (or only planned): release it so memory stays flat.
    job.files, job.spec, job.renderer = [], None, None
    job.provenance = None
    if run.dry_run:
        return {"planned": len(plan.files)}
    job.written = True
    # each written file with [sha256, size in bytes] as the writer wrote it
    records: dict[str, list[Any]] = {
        str(root / p.path): list(plan.written.get(p.path, (None, None)))
        for p in plan.files
        if p.action in (FileAction.NEW, FileAction.CHANGED)
    }
    return {"generated_files": list(records), "file_records": records}


def package_result(run: Run, job: Job) -> PackageResult:
    plan = required(job.plan)
    if job.contract is not None:
        name, service = job.contract.name, job.contract.service_name
        version_dir = job.contract.version.package_dir
    else:
        manifest = required(job.fresh)
        name, service, version_dir = (
            manifest.class_name,
            manifest.service_name,
            manifest.version_dir,
        )
    return PackageResult(
        contract_path=job.path,
        class_name=name,
        service_name=service,
        package_dir=run.output / service / version_dir,
        files=tuple((p.path, p.action) for p in plan.files),
        fresh=job.fresh is not None,
        written=job.written,
    )
