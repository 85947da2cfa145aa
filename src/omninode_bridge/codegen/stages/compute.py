"""The CPU-bound work of the stages as picklable top-level functions.

With worker processes or a Dask cluster (``omninode generate --workers N`` or
``--scheduler``), the models, validators, tests, quality and package stages
hand one contract's work to the executor's backend through these functions:
they take picklable values (contract, spec, provenance, the user template
folder) and return the rendered files or the validation errors. Only
:func:`render_and_write_package` writes, and only where the backend shares this
machine's files (worker processes): it plans and writes the package exactly as
the client would (:func:`~omninode_bridge.codegen.writer.write_package`). On a
Dask cluster the client plans and writes every file. Each worker process keeps
one started :class:`TemplateManager` per template folder and one event loop per
thread, so templates compile once per worker. The client runs every task
through :func:`with_template_activity`, so each result comes back with what the
task did to this worker's template caches (hits, misses, loads: a small delta)
and the run's figures count every render.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from omninode_bridge.codegen.render import PackageRenderer
from omninode_bridge.codegen.spec import NodeSpec, build_node_spec
from omninode_bridge.codegen.template_activity import ActivityTally, TemplateActivity
from omninode_bridge.codegen.template_manager import TemplateManager, TemplateType
from omninode_bridge.codegen.writer import (
    FileOwner,
    GeneratedFile,
    Manifest,
    PackagePlan,
    Provenance,
    write_package,
)
from omninode_bridge.contracts import Contract
from omninode_bridge.contracts.loader import parse_contract
from omninode_bridge.contracts.problems import ContractProblem, contract_error
from omninode_bridge.errors import ContractError, GenerationError
from omninode_bridge.validation import ValidationContext

__all__ = [
    "LoadedContract",
    "check_files",
    "check_pinned",
    "forget_pinned",
    "load_contract_bytes",
    "load_contract_pinned",
    "render_and_write_package",
    "render_files",
    "render_models",
    "render_models_pinned",
    "render_pinned",
    "template_activity",
    "validation_context",
    "warm_up",
    "with_template_activity",
    "write_package_pinned",
]

T = TypeVar("T")

_local = threading.local()


@dataclass(frozen=True, slots=True)
class LoadedContract:
    """What the parse stage's worker task returns (values, never a raised exception)."""

    contract: Contract | None
    problems: list[ContractProblem] = field(default_factory=list)
    error: str = ""
    spec: NodeSpec | None = None
    spec_error: str | None = None


def load_contract_bytes(raw: bytes, source: str, strict: bool) -> LoadedContract:
    """The parse stage's work: the contract built from a file's bytes, and its node spec.

    The client reads the file (workers may be on another machine) and sends
    its bytes. Loading is ``load_contract``'s; the node spec (models derived
    from the contract) is built too, so a value that cannot become Python is
    reported at parse (``spec_error``). Problems come back as values, so
    nothing depends on pickling an exception.
    """
    try:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = ContractProblem(source, None, "", f"not UTF-8 text: {exc.reason}")
            raise contract_error([problem]) from exc
        contract = parse_contract(text, source=source, path=Path(source), strict=strict)
    except ContractError as exc:
        return LoadedContract(None, list(getattr(exc, "problems", ())), str(exc))
    try:
        return LoadedContract(contract, spec=build_node_spec(contract))
    except GenerationError as exc:
        return LoadedContract(contract, spec_error=str(exc))


_managers: dict[str, TemplateManager] = {}
_lock = threading.Lock()


class _Templates:
    def __init__(self, manager: TemplateManager) -> None:
        self._manager = manager

    async def render(self, template_id: str, context: object) -> str:
        return await self._manager.render_template(
            template_id,
            context,  # type: ignore[arg-type]
            TemplateType.infer(template_id),
        )


def _loop() -> asyncio.AbstractEventLoop:
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None:
        loop = asyncio.new_event_loop()
        _local.loop = loop
        # closed when its thread is gone (pool threads come and go), never left to the GC
        weakref.finalize(threading.current_thread(), loop.close)
    return loop


def _renderer(template_dir: str | None, provenance: Provenance) -> PackageRenderer:
    key = template_dir or ""
    with _lock:
        manager = _managers.get(key)
        if manager is None:
            manager = TemplateManager(Path(template_dir) if template_dir else None)
            _loop().run_until_complete(manager.start())
            _managers[key] = manager
    return PackageRenderer(_Templates(manager), provenance)


def with_template_activity(fn: Callable[..., T], *args: Any) -> tuple[T, TemplateActivity]:
    """Runs in a worker: ``fn(*args)``, and :func:`template_activity` once it has returned.

    A task that raises leaves its activity to the next task of this process.
    """
    result = fn(*args)
    return result, template_activity()


def template_activity() -> TemplateActivity:
    """What this process's template managers did since the previous call (a delta)."""
    with _lock:
        managers = list(_managers.values())
    if len(managers) == 1:
        return managers[0].take_activity()
    tally = ActivityTally()
    for manager in managers:
        tally.add(manager.take_activity())
    return tally.take()


def render_models(
    contract: Contract, provenance: Provenance, template_dir: str | None
) -> tuple[NodeSpec, list[GeneratedFile]]:
    """Stage models: the node spec and the model, enum, protocol and node modules."""
    spec = build_node_spec(contract)
    renderer = _renderer(template_dir, provenance)
    return spec, _loop().run_until_complete(renderer.render_models(spec))


def render_files(
    kind: str, spec: NodeSpec, provenance: Provenance, template_dir: str | None
) -> list[GeneratedFile]:
    """Stages validators, tests and package: ``kind`` names the renderer method."""
    renderer = _renderer(template_dir, provenance)
    method = {
        "validators": renderer.render_validators,
        "tests": renderer.render_tests,
        "package": renderer.render_package,
    }[kind]
    return _loop().run_until_complete(method(spec))


def render_and_write_package(
    spec: NodeSpec,
    provenance: Provenance,
    template_dir: str | None,
    files: list[GeneratedFile],
    target: tuple[str, str],
    manifest: Manifest,
    dry_run: bool,
) -> PackagePlan | str:
    """Stage package on a worker of this machine: render the package files, plan, write.

    ``files`` are the earlier stages' files, ``target`` the package root and
    its manifest path. Returns the plan, or the error text when the package
    could not be written (a value, so nothing depends on pickling an exception).
    """
    try:
        everything = [*files, *render_files("package", spec, provenance, template_dir)]
        root, manifest_path = target
        return write_package(Path(root), manifest_path, everything, manifest, dry_run=dry_run)
    except GenerationError as exc:
        return str(exc)


def check_files(spec: NodeSpec, files: list[GeneratedFile]) -> list[tuple[str, Any]]:
    """Stage quality with the default validators: (module path, report) per checked module."""
    from omninode_bridge.validation import ValidationPipeline, default_validators

    pipeline: ValidationPipeline | None = getattr(_local, "pipeline", None)
    if pipeline is None:
        pipeline = ValidationPipeline(default_validators())
        _local.pipeline = pipeline
    reports: list[tuple[str, Any]] = []
    for item in files:
        if item.owner is FileOwner.USER or not item.path.endswith(".py"):
            continue
        context = validation_context(spec, item)
        if item.path.endswith("/node.py"):
            report = _loop().run_until_complete(pipeline.validate(item.content, context))
        else:
            report = pipeline.run_validators(item.content, context)
        reports.append((f"{spec.package_path}/{item.path}", report))
    return reports


# -- pinned jobs ---------------------------------------------------------------------
#
# With worker processes of this machine (``ProcessPoolBackend``, which pins a
# key to one worker), a contract's tasks all run in one worker, which keeps
# the job's node spec and rendered files between stages: only the contract,
# counts, validation reports and the package plan travel back to the client.


@dataclass(slots=True)
class _PinnedJob:
    spec: NodeSpec
    provenance: Provenance | None = None
    files: list[GeneratedFile] = field(default_factory=list)


#: This worker process's jobs, by key (``<run id>/<job index>``).
_pinned: dict[str, _PinnedJob] = {}


def _job(key: str) -> _PinnedJob:
    job = _pinned.get(key)
    if job is None:
        raise GenerationError(f"job {key}: its earlier stages did not run in this worker")
    return job


def load_contract_pinned(key: str, raw: bytes, source: str, strict: bool) -> LoadedContract:
    """:func:`load_contract_bytes`, keeping the node spec here (``spec`` comes back None)."""
    loaded = load_contract_bytes(raw, source, strict)
    if loaded.spec is None:
        return loaded
    _pinned[key] = _PinnedJob(loaded.spec)
    return replace(loaded, spec=None)


def render_models_pinned(
    key: str, contract: Contract, provenance: Provenance, template_dir: str | None
) -> tuple[tuple[ContractProblem, ...], int]:
    """Stage models for a pinned job: (the schema warnings, how many files)."""
    job = _pinned.get(key)
    if job is None:  # the client parsed it itself
        job = _pinned[key] = _PinnedJob(build_node_spec(contract))
    job.provenance = provenance
    files = _loop().run_until_complete(_renderer(template_dir, provenance).render_models(job.spec))
    job.files.extend(files)
    return job.spec.schema_warnings, len(files)


def render_pinned(key: str, kind: str, template_dir: str | None) -> int:
    """Stages validators and tests for a pinned job: how many files."""
    job = _job(key)
    files = render_files(kind, job.spec, _provenance(job), template_dir)
    job.files.extend(files)
    return len(files)


def check_pinned(key: str) -> tuple[str, list[tuple[str, Any]]]:
    """Stage quality for a pinned job: the node's class name and :func:`check_files`'s reports."""
    job = _job(key)
    return job.spec.class_name, check_files(job.spec, list(job.files))


def write_package_pinned(
    key: str,
    template_dir: str | None,
    target: tuple[str, str],
    manifest: Manifest,
    dry_run: bool,
) -> PackagePlan | str:
    """Stage package for a pinned job (:func:`render_and_write_package`); the job ends here."""
    job = _job(key)
    del _pinned[key]
    return render_and_write_package(
        job.spec, _provenance(job), template_dir, job.files, target, manifest, dry_run
    )


def forget_pinned(prefix: str) -> int:
    """Drop the jobs whose key starts with ``prefix`` (a run's, when it ends); how many."""
    keys = [k for k in _pinned if k.startswith(prefix)]
    for k in keys:
        del _pinned[k]
    return len(keys)


def _provenance(job: _PinnedJob) -> Provenance:
    if job.provenance is None:
        raise GenerationError("the models stage did not run for this job")
    return job.provenance


def warm_up() -> None:
    """Compile the built-in templates and build the validators in this process.

    Worker processes fork from a server process that ran this once (see
    :mod:`omninode_bridge.codegen.stages.worker_init`), so no worker compiles
    a template or imports a validator itself.
    """
    from omninode_bridge.codegen.render import TEMPLATE_IDS
    from omninode_bridge.validation import ValidationPipeline, default_validators

    renderer = _renderer(None, Provenance("", "", "", "", ""))
    del renderer
    manager = _managers[""]
    for template_id in TEMPLATE_IDS:
        _loop().run_until_complete(
            manager.load_template(template_id, TemplateType.infer(template_id))
        )
    _local.pipeline = ValidationPipeline(default_validators())
    # the warm-up's loads are no run's: the workers' first tasks must not report them
    manager.take_activity()
    # a forked worker makes its own loop (an epoll handle must not be shared)
    _local.loop.close()
    del _local.loop


def validation_context(spec: NodeSpec, item: GeneratedFile) -> ValidationContext:
    """What the validators know about one generated module."""
    if item.path.endswith("/node.py"):
        return ValidationContext(
            node_type=spec.node_type,
            operations=[op.name for op in spec.operations],
            models=[spec.input_model, spec.output_model, spec.request_model],
            file_path=item.path,
        )
    return ValidationContext(node_type="auto", file_path=item.path)
