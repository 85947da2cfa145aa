"""What one code generation run carries from stage to stage.

Each contract has a :class:`Job`; each stage's step for that contract touches
only its job. :class:`Run` holds what the whole run shares.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omninode_bridge import __version__
from omninode_bridge.codegen.render import PackageRenderer
from omninode_bridge.codegen.spec import NodeSpec
from omninode_bridge.codegen.stages.compute import (
    render_files,
    render_pinned,
    with_template_activity,
)
from omninode_bridge.codegen.template_activity import ActivityTally
from omninode_bridge.codegen.writer import GeneratedFile, Manifest, PackagePlan, Provenance
from omninode_bridge.contracts import Contract
from omninode_bridge.contracts.problems import ContractProblem
from omninode_bridge.errors import ContractError, GenerationError, WorkerPoolError
from omninode_bridge.validation import ValidationResult

__all__ = [
    "GENERATOR_VERSION",
    "Job",
    "Run",
    "contract_sha256",
    "index_key",
    "package_key",
    "render",
    "render_stage",
    "required",
]

GENERATOR_VERSION: str = __version__


@dataclass(slots=True)
class Job:
    """One contract's way through the stages (each stage's step touches only its job)."""

    index: int
    path: Path | None
    contract: Contract | None = None
    problems: list[ContractProblem] = field(default_factory=list)
    contract_sha256: str = ""
    source_sha256: str = ""
    fresh: Manifest | None = None
    spec: NodeSpec | None = None
    #: Schema keywords the models do not enforce; kept after ``spec`` is released.
    schema_warnings: tuple[ContractProblem, ...] = ()
    renderer: PackageRenderer | None = None
    provenance: Provenance | None = None
    files: list[GeneratedFile] = field(default_factory=list)
    plan: PackagePlan | None = None
    #: Where the job's spec and files live when a worker process of this
    #: machine keeps them between stages (its key there), else None: then
    #: ``spec`` and ``files`` are here.
    pin: str | None = None
    written: bool = False
    validations: list[tuple[str, ValidationResult]] = field(default_factory=list)

    @property
    def step_suffix(self) -> str:
        """The suffix of this job's step ids."""
        return f"{self.index}"


@dataclass(slots=True)
class Run:
    output: Path
    dry_run: bool
    check: bool
    session_id: str
    correlation_id: str
    templates_sha256: str
    template_hashes: dict[str, str]
    jobs: list[Job]
    index: dict[str, str] = field(default_factory=dict)
    contract_error: ContractError | None = None
    strict: bool = False
    #: Worker processes or a Dask cluster for the CPU-bound work
    #: (``ExecutionBackend``); None renders in the event loop.
    remote: Any = None
    #: The user template folder (workers load templates from it).
    template_dir: str | None = None
    #: Whether the quality stage's validators may run remotely (the default set).
    remote_quality: bool = False
    #: Whether jobs parsed in a worker stay pinned to it (worker processes of
    #: this machine, default validation): see :attr:`Job.pin`.
    pinned: bool = False
    #: Tasks this run handed to ``remote``.
    remote_tasks: int = 0
    #: What the remote tasks did to their workers' template caches (the run's
    #: template manager merges it when the run ends).
    remote_templates: ActivityTally = field(default_factory=ActivityTally)
    #: The worker processes could not start or died: the whole run fails with it.
    worker_error: WorkerPoolError | None = None

    async def offload(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the remote backend (a worker process or Dask worker)."""
        self.remote_tasks += 1
        try:
            result, activity = await self.remote.run(with_template_activity, fn, *args)
        except WorkerPoolError as exc:
            self.worker_error = self.worker_error or exc
            raise
        self.remote_templates.add(activity)
        return result

    async def offload_pinned(self, job: Job, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the worker that keeps ``job`` (see :attr:`Job.pin`)."""
        self.remote_tasks += 1
        try:
            result, activity = await self.remote.run_pinned(
                job.index, with_template_activity, fn, *args
            )
        except WorkerPoolError as exc:
            self.worker_error = self.worker_error or exc
            raise
        self.remote_templates.add(activity)
        return result

    def pin_key(self, job: Job) -> str:
        """The key of ``job``'s state in its worker."""
        return f"{self.session_id}/{job.index}"


async def render_stage(run: Run, job: Job, kind: str) -> int:
    """Stage ``kind`` (validators, tests) renders its files for ``job``; how many."""
    if job.pin is not None:
        count: int = await run.offload_pinned(job, render_pinned, job.pin, kind, run.template_dir)
        return count
    files = await render(run, job, kind)
    job.files.extend(files)
    return len(files)


async def render(run: Run, job: Job, kind: str) -> list[GeneratedFile]:
    """The files of stage ``kind`` (validators, tests, package): in a worker or in the loop."""
    spec = required(job.spec)
    if run.remote is not None:
        files: list[GeneratedFile] = await run.offload(
            render_files, kind, spec, required(job.provenance), run.template_dir
        )
        return files
    renderer: PackageRenderer = required(job.renderer)
    method = {
        "validators": renderer.render_validators,
        "tests": renderer.render_tests,
        "package": renderer.render_package,
    }[kind]
    return await method(spec)


def required(value: Any) -> Any:
    if value is None:
        raise GenerationError("an earlier stage did not produce its result")
    return value


def contract_sha256(contract: Contract) -> str:
    text = contract.model_dump_json(exclude={"source_path", "source_lines", "field_origins"})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def package_key(job: Job) -> tuple[str, str] | None:
    if job.contract is not None:
        return (job.contract.service_name, job.contract.version.package_dir)
    if job.fresh is not None:
        return (job.fresh.service_name, job.fresh.version_dir)
    return None


def index_key(path: Path | None) -> str:
    return str(path.resolve()) if path is not None else ""
