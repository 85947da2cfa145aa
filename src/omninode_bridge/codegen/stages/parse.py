"""Stage 1, parse: load and validate each contract, then report every problem at once.

A contract whose package is fresh (same source bytes or contract hash, same
templates and generator) is marked so the later stages skip it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from omninode_bridge.codegen.spec import build_node_spec
from omninode_bridge.codegen.stages.compute import (
    LoadedContract,
    load_contract_bytes,
    load_contract_pinned,
)
from omninode_bridge.codegen.stages.state import (
    GENERATOR_VERSION,
    Job,
    Run,
    contract_sha256,
    index_key,
    package_key,
    required,
)
from omninode_bridge.codegen.writer import MANIFEST_NAME, Manifest, is_fresh
from omninode_bridge.contracts import Contract, load_contract
from omninode_bridge.contracts.problems import ContractProblem, contract_error
from omninode_bridge.contracts.safe_yaml import DEFAULT_LIMITS, read_bounded
from omninode_bridge.errors import ContractError, GenerationError

__all__ = ["parse", "parse_check"]


async def parse(run: Run, job: Job) -> Mapping[str, Any]:
    loaded: LoadedContract | None = None
    if job.contract is None and job.path is not None:
        try:
            raw = read_bounded(job.path, max_bytes=DEFAULT_LIMITS.max_bytes)
        except ContractError as exc:
            job.problems.extend(getattr(exc, "problems", ()))
            return {"valid": False}
        job.source_sha256 = hashlib.sha256(raw).hexdigest()
        job.fresh = fresh_by_source(run, job)
        if job.fresh is not None:
            return {"valid": True, "node": job.fresh.class_name, "fresh": True}
        if run.pinned:  # the worker keeps the node spec for the job's later stages
            key = run.pin_key(job)
            loaded = await run.offload_pinned(
                job, load_contract_pinned, key, raw, str(job.path), run.strict
            )
            if loaded.contract is not None and loaded.spec_error is None:
                job.pin = key
        elif run.remote is not None:  # YAML, validation and model derivation in a worker
            loaded = await run.offload(load_contract_bytes, raw, str(job.path), run.strict)
        if loaded is not None:
            if loaded.contract is None:
                job.problems.extend(loaded.problems)
                if not job.problems:
                    job.problems.append(ContractProblem(str(job.path), None, "", loaded.error))
                return {"valid": False}
            job.contract = loaded.contract
        else:
            try:
                job.contract = load_contract(job.path, strict=run.strict)
            except ContractError as exc:
                job.problems.extend(getattr(exc, "problems", ()))
                if not job.problems:
                    job.problems.append(ContractProblem(str(job.path), None, "", str(exc)))
                return {"valid": False}
    contract = required(job.contract)
    job.contract_sha256 = contract_sha256(contract)
    job.fresh = is_fresh(
        run.output / contract.service_name,
        manifest_path=f"{contract.version.package_dir}/{MANIFEST_NAME}",
        contract_sha256=job.contract_sha256,
        templates_sha256=run.templates_sha256,
        generator_version=GENERATOR_VERSION,
    )
    if job.fresh is None:
        # Models are derived here, at load, so a value that cannot become
        # Python (names colliding after conversion, an enum without values...)
        # is a contract problem (exit 2, file:line: field), not a failed stage.
        spec_error = loaded.spec_error if loaded is not None else None
        try:
            if loaded is not None and spec_error is None:
                job.spec = loaded.spec  # None when pinned: the worker keeps it
            elif spec_error is None:
                job.spec = build_node_spec(contract)
        except GenerationError as exc:
            spec_error = str(exc)
        if spec_error is not None:
            job.problems.append(_spec_problem(contract, spec_error))
            return {"valid": False}
    return {"valid": True, "node": contract.name, "fresh": job.fresh is not None}


def _spec_problem(contract: Contract, message: str) -> ContractProblem:
    """A ``file[:line]: field: detail`` message of the model builder as a problem."""
    prefix = re.compile(rf"^{re.escape(contract.display_path)}(?::\d+)?: ")
    detail = prefix.sub("", message, count=1)
    field, sep, rest = detail.partition(": ")
    if not sep or " " in field:
        field, rest = "", detail
    return ContractProblem(
        contract.display_path, contract.line_for(field) if field else None, field, rest
    )


def fresh_by_source(run: Run, job: Job) -> Manifest | None:
    """The manifest of the package built from these exact bytes, if still fresh."""
    package = run.index.get(index_key(job.path))
    if package is None or "/" not in package:
        return None
    service, version_dir = package.split("/", 1)
    return is_fresh(
        run.output / service,
        manifest_path=f"{version_dir}/{MANIFEST_NAME}",
        source_sha256=job.source_sha256,
        templates_sha256=run.templates_sha256,
        generator_version=GENERATOR_VERSION,
    )


async def parse_check(run: Run) -> Mapping[str, Any]:
    problems = [p for job in run.jobs for p in job.problems]
    problems.extend(same_package_problems(run.jobs))
    if problems:
        run.contract_error = contract_error(problems)
        raise run.contract_error
    return {"contracts": len(run.jobs)}


def same_package_problems(jobs: Sequence[Job]) -> list[ContractProblem]:
    seen: dict[tuple[str, str], Job] = {}
    problems: list[ContractProblem] = []
    for job in jobs:
        key = package_key(job)
        if key is None:
            continue
        first = seen.setdefault(key, job)
        if first is not job:
            where = str(job.path) if job.path else f"<contract {job.index}>"
            contract = job.contract
            problems.append(
                ContractProblem(
                    contract.display_path if contract else where,
                    contract.line_for("service_name") if contract else None,
                    contract.field_origins.get("service_name", "name") if contract else "name",
                    f"'{key[0]}' {key[1]} is also generated from "
                    f"{first.path or f'<contract {first.index}>'}; both would be written "
                    "to the same package folder",
                )
            )
    return problems
