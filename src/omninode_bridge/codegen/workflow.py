"""CodegenWorkflow: contracts or a PRD in, node packages out, on the staged executor.

Six stages run on :class:`StagedParallelExecutor`, each with one step per
contract, so N contracts run N-wide inside every stage::

    parse       load and validate each contract; a barrier step then reports
                every problem of every file at once (nothing is written)
    models      pydantic models, enums, handler protocol, node class
    validators  request parsing and the contract's security rules
    tests       generated tests (+ the user-owned handler test file)
    quality     ValidationPipeline over every generated module
    package     contract.yaml, README, package files; plan and atomic write

Regeneration is keyed on content hashes: when a package's manifest records
the same contract hash, template hash and generator version, and every
generated file still has its recorded hash, the models to package stages skip
that contract entirely (no rendering, no write, contents and mtimes kept).

The guide's other names are thin entries onto this class:
:class:`OmniNodeTemplateEngine` (templates and cache statistics) and
:class:`ParallelCodeGenerator` (``generate_parallel`` from a PRD).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omninode_bridge import __version__
from omninode_bridge.codegen.render import TEMPLATE_IDS, PackageRenderer
from omninode_bridge.codegen.spec import NodeSpec, build_node_spec
from omninode_bridge.codegen.template_manager import TemplateManager, TemplateType
from omninode_bridge.codegen.writer import (
    MANIFEST_NAME,
    FileAction,
    FileOwner,
    GeneratedFile,
    Manifest,
    PackagePlan,
    PackageWriter,
    Provenance,
    atomic_write_all,
    is_fresh,
    sha256_text,
    unchanged_plan,
)
from omninode_bridge.contracts import Contract, load_contract
from omninode_bridge.contracts.loader import expand_contract_paths
from omninode_bridge.contracts.prd import analyze_prd, contracts_from_prd
from omninode_bridge.contracts.problems import ContractProblem, contract_error
from omninode_bridge.contracts.serialize import dump_contract
from omninode_bridge.engine.executor import StagedParallelExecutor
from omninode_bridge.engine.models import (
    EnumStepType,
    WorkflowResult,
    WorkflowStage,
    WorkflowStep,
)
from omninode_bridge.errors import ContractError, GenerationError
from omninode_bridge.logs import get_logger
from omninode_bridge.quorum.drafting import ContractDrafter
from omninode_bridge.validation import (
    ValidationContext,
    ValidationPipeline,
    default_validators,
)

__all__ = [
    "GENERATOR_VERSION",
    "CodegenWorkflow",
    "CodegenWorkflowResult",
    "OmniNodeTemplateEngine",
    "PackageResult",
    "ParallelCodeGenerator",
]

log = get_logger(__name__, component="codegen")

GENERATOR_VERSION: str = __version__
_STAGES: tuple[str, ...] = ("parse", "models", "validators", "tests", "quality", "package")
#: Output-folder file mapping each contract file to the package it produced.
INDEX_NAME = ".omninode-index.json"


# -- results ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PackageResult:
    """What happened to one contract's package.

    Attributes:
        contract_path: The input contract file (``None`` for in-memory contracts).
        class_name: The node class (``NodeDatabaseAdapterEffect``).
        service_name: The package name.
        package_dir: ``<out>/<service_name>/<version_dir>``.
        files: The action for every file, relative to ``<out>/<service_name>``.
        fresh: The manifest showed nothing could change; rendering was skipped.
        written: Files were written (not a dry run or check).
    """

    contract_path: Path | None
    class_name: str
    service_name: str
    package_dir: Path
    files: tuple[tuple[str, FileAction], ...]
    fresh: bool
    written: bool

    def count(self, action: FileAction) -> int:
        """How many files got (or would get) ``action``."""
        return sum(1 for _, a in self.files if a is action)

    @property
    def has_drift(self) -> bool:
        """Whether regeneration creates, changes or deletes a file."""
        return any(
            a in (FileAction.NEW, FileAction.CHANGED, FileAction.STALE) for _, a in self.files
        )


@dataclass(frozen=True, slots=True)
class CodegenWorkflowResult:
    """Result of one generation run.

    Attributes:
        success: Every stage completed for every contract.
        packages: One entry per contract, in input order.
        workflow: The executor's record of the six stages.
        errors: One line per failure.
        session_id: Run id, written into every generated file's header.
        correlation_id: Correlation id of the run.
        dry_run: Nothing was written (plan only).
        check: Nothing was written; drift is reported.
        duration_ms: Wall time of the run.
        completed_at: When the run ended (UTC).
        contract_files: Contracts written by :meth:`CodegenWorkflow.generate_from_prd`.
        prd_analysis: The PRD analysis, for PRD runs.
    """

    success: bool
    packages: tuple[PackageResult, ...]
    workflow: WorkflowResult | None
    errors: tuple[str, ...]
    session_id: str
    correlation_id: str
    dry_run: bool
    check: bool
    duration_ms: float
    completed_at: datetime
    contract_files: tuple[Path, ...] = ()
    prd_analysis: object | None = None

    @property
    def has_drift(self) -> bool:
        """Whether any package would change on regeneration."""
        return any(p.has_drift for p in self.packages)

    @property
    def generated_nodes(self) -> tuple[str, ...]:
        """Class names of the generated nodes."""
        return tuple(p.class_name for p in self.packages)

    @property
    def total_files(self) -> int:
        """Files in all packages (written or planned)."""
        return sum(len(p.files) for p in self.packages)

    @property
    def error_message(self) -> str | None:
        """All errors in one string, or None on success."""
        return "; ".join(self.errors) if self.errors else None

    @property
    def speedup(self) -> float:
        """Sum of step durations over wall time, as the executor measured it."""
        return self.workflow.overall_speedup if self.workflow else 1.0

    def get(self, key: str, default: object = None) -> object:
        """Attribute access by name, for code written against the guide's dict results."""
        return getattr(self, key, default)


# -- per-run state ------------------------------------------------------------------


@dataclass(slots=True)
class _Job:
    """One contract's way through the stages (each stage's step touches only its job)."""

    index: int
    path: Path | None
    contract: Contract | None = None
    problems: list[ContractProblem] = field(default_factory=list)
    contract_sha256: str = ""
    source_sha256: str = ""
    fresh: Manifest | None = None
    spec: NodeSpec | None = None
    renderer: PackageRenderer | None = None
    files: list[GeneratedFile] = field(default_factory=list)
    plan: PackagePlan | None = None
    written: bool = False

    @property
    def step_suffix(self) -> str:
        return f"{self.index}"


@dataclass(slots=True)
class _Run:
    output: Path
    dry_run: bool
    check: bool
    session_id: str
    correlation_id: str
    templates_sha256: str
    template_hashes: dict[str, str]
    jobs: list[_Job]
    index: dict[str, str] = field(default_factory=dict)
    contract_error: ContractError | None = None


# -- the workflow -------------------------------------------------------------------


class CodegenWorkflow:
    """Generates ONEX node packages from contracts or a PRD.

    Args:
        template_dir: User template directory; a template there overrides the
            built-in of the same id.
        template_manager: A started or unstarted manager to share (its
            ``template_dir`` wins over ``template_dir``).
        executor: The staged executor to run on (one is built otherwise).
        validation_pipeline: Quality stage validators (the full default set
            otherwise). Node modules go through its ``validate`` (metrics, and
            its AI quorum when it has one); other modules through its
            deterministic validators only.
        enable_parallel: Run each stage's steps concurrently.
        max_workers: Steps of one stage running at once.
        contract_drafter: Drafts the contracts of :meth:`generate_from_prd` with
            a model (each validated by the contract loader before anything is
            written); the rule-based PRD analyser otherwise.

    Example:
        ```python
        workflow = CodegenWorkflow()
        result = await workflow.generate(["contracts/"], "generated")
        print(result.success, [p.class_name for p in result.packages])
        ```
    """

    def __init__(
        self,
        *,
        template_dir: Path | str | None = None,
        template_manager: TemplateManager | None = None,
        executor: StagedParallelExecutor | None = None,
        validation_pipeline: ValidationPipeline | None = None,
        enable_parallel: bool = True,
        max_workers: int = 10,
        contract_drafter: ContractDrafter | None = None,
    ) -> None:
        self.template_manager = template_manager or TemplateManager(template_dir)
        self.executor = executor or StagedParallelExecutor(
            max_parallel_tasks=max_workers if enable_parallel else 1
        )
        self.validation_pipeline = validation_pipeline or ValidationPipeline(default_validators())
        self.enable_parallel = enable_parallel
        self.contract_drafter = contract_drafter
        self.template_engine = OmniNodeTemplateEngine(manager=self.template_manager)

    # -- public API -------------------------------------------------------------------

    async def generate(
        self,
        contract_paths: Iterable[str | Path],
        output_directory: str | Path,
        *,
        dry_run: bool = False,
        check: bool = False,
        correlation_id: str | None = None,
        workflow_id: str | None = None,
    ) -> CodegenWorkflowResult:
        """Generate one package per contract (directories are searched for ``*.yaml``).

        Args:
            contract_paths: Contract files or directories.
            output_directory: Packages go to ``<out>/<service_name>/<version_dir>``.
            dry_run: Plan only (new / changed / unchanged per file); write nothing.
            check: Like ``dry_run``; the result's ``has_drift`` tells whether
                regeneration would change anything.
            correlation_id: Correlation id of the run (a new one otherwise).
            workflow_id: Executor workflow id (``codegen-<session>`` otherwise).

        Raises:
            ContractError: A path is missing or a contract is invalid; the
                message lists every problem of every file; nothing is written.
        """
        paths = expand_contract_paths(contract_paths)
        jobs = [_Job(index=i, path=p) for i, p in enumerate(paths)]
        return await self._run(jobs, output_directory, dry_run, check, correlation_id, workflow_id)

    async def generate_contracts(
        self,
        contracts: Sequence[Contract],
        output_directory: str | Path,
        *,
        dry_run: bool = False,
        check: bool = False,
        correlation_id: str | None = None,
        workflow_id: str | None = None,
    ) -> CodegenWorkflowResult:
        """Like :meth:`generate`, for contracts already loaded."""
        jobs = [_Job(index=i, path=c.source_path, contract=c) for i, c in enumerate(contracts)]
        return await self._run(jobs, output_directory, dry_run, check, correlation_id, workflow_id)

    async def generate_from_prd(
        self,
        prd_content: str,
        output_directory: str | Path,
        workspace_context: Mapping[str, Any] | None = None,
        parallel: bool | None = None,
        *,
        enable_parallel: bool | None = None,
        max_workers: int | None = None,
        node_types: Sequence[str] | None = None,
        contracts_directory: str | Path | None = None,
        source: str = "<prd>",
        dry_run: bool = False,
        check: bool = False,
        correlation_id: str | None = None,
    ) -> CodegenWorkflowResult:
        """Turn a Markdown PRD into contracts, write them, and generate their packages.

        The contracts go to ``contracts_directory`` (``<out>/contracts`` by
        default) as ``<service_name>.yaml``, so they can be edited and
        regenerated with :meth:`generate`. A contract file that exists already
        is kept as it is (it may hold the user's edits) and used as the input.

        Args:
            prd_content: The PRD text.
            output_directory: Where packages go.
            workspace_context: Accepted for the guide's signature; not used.
            parallel: Accepted for the guide's signature; stages are always
                concurrent up to the executor's ``max_parallel_tasks``.
            enable_parallel: Same as ``parallel``.
            max_workers: Accepted for the guide's signature; set the limit on
                the executor instead.
            node_types: Keep only contracts of these node types.
            contracts_directory: Where the derived contracts are written.
            source: Name of the PRD in messages (its file path).
            dry_run: Plan only; neither contracts nor packages are written.
            check: Like ``dry_run``, reporting drift.
            correlation_id: Correlation id of the run.

        Raises:
            ContractError: The PRD gives no valid contract (message lists why).
        """
        del workspace_context, parallel, enable_parallel, max_workers
        analysis = analyze_prd(prd_content, source=source)
        if self.contract_drafter is not None:
            draft = await self.contract_drafter.draft(prd_content, source=source)
            contracts = list(draft.contracts)
        else:
            contracts = contracts_from_prd(prd_content, source=source)
        if node_types:
            wanted = {t.lower() for t in node_types}
            contracts = [c for c in contracts if c.node_type.value in wanted]
        if not contracts:
            raise ContractError(f"{source}: the PRD gives no contract of the requested node types")
        target = Path(contracts_directory or Path(output_directory) / "contracts")
        if dry_run or check:
            result = await self.generate_contracts(
                contracts,
                output_directory,
                dry_run=dry_run,
                check=check,
                correlation_id=correlation_id,
            )
            return replace(result, prd_analysis=analysis)
        paths = _write_contracts(contracts, target, source)
        result = await self.generate(paths, output_directory, correlation_id=correlation_id)
        return replace(result, contract_files=tuple(paths), prd_analysis=analysis)

    # -- run --------------------------------------------------------------------------

    async def _run(
        self,
        jobs: list[_Job],
        output_directory: str | Path,
        dry_run: bool,
        check: bool,
        correlation_id: str | None,
        workflow_id: str | None,
    ) -> CodegenWorkflowResult:
        started = time.perf_counter()
        if not jobs:
            raise ContractError("no contract files given (expected *.yaml or *.yml)")
        session_id = uuid.uuid4().hex[:12]
        correlation_id = correlation_id or str(uuid.uuid4())
        if not self.template_manager.is_started:
            await self.template_manager.start()
        templates_sha, hashes = await self._template_hashes()
        run = _Run(
            output=Path(output_directory),
            dry_run=dry_run or check,
            check=check,
            session_id=session_id,
            correlation_id=correlation_id,
            templates_sha256=templates_sha,
            template_hashes=hashes,
            jobs=jobs,
            index=_read_index(Path(output_directory)),
        )
        result = await self.executor.execute_workflow(
            workflow_id or f"codegen-{session_id}",
            self._stages(run),
            context={"output_directory": str(run.output), "session_id": session_id},
            correlation_id=correlation_id,
        )
        if run.contract_error is not None:
            raise run.contract_error
        if result.success and not run.dry_run:
            _write_index(run)
        return self._result(run, result, started)

    async def _template_hashes(self) -> tuple[str, dict[str, str]]:
        hashes: dict[str, str] = {}
        for template_id in TEMPLATE_IDS:
            template = await self.template_manager.load_template(
                template_id, TemplateType.infer(template_id)
            )
            hashes[template_id] = (
                template.metadata.sha256 if template.metadata else sha256_text(template.content)
            )
        combined = "\n".join(f"{k}:{v}" for k, v in sorted(hashes.items()))
        return sha256_text(combined), hashes

    def _stages(self, run: _Run) -> list[WorkflowStage]:
        handlers: dict[str, Callable[[_Run, _Job], Awaitable[Mapping[str, Any]]]] = {
            "parse": self._parse,
            "models": self._models,
            "validators": self._validators,
            "tests": self._tests,
            "quality": self._quality,
            "package": self._package,
        }
        stages: list[WorkflowStage] = []
        for number, name in enumerate(_STAGES, start=1):
            steps = [
                WorkflowStep(
                    step_id=f"{name}_{job.step_suffix}",
                    step_type=EnumStepType.PARALLEL,
                    handler=_bind(handlers[name], run, job),
                    context={"contract": str(job.path or f"<contract {job.index}>")},
                    timeout_seconds=120,
                )
                for job in run.jobs
            ]
            if name == "parse":
                steps.append(
                    WorkflowStep(
                        step_id="parse_check",
                        step_type=EnumStepType.SEQUENTIAL,
                        handler=_bind_run(self._parse_check, run),
                    )
                )
            stages.append(
                WorkflowStage(
                    stage_id=name,
                    stage_number=number,
                    steps=steps,
                    dependencies=[_STAGES[number - 2]] if number > 1 else [],
                )
            )
        return stages

    # -- stages -----------------------------------------------------------------------

    async def _parse(self, run: _Run, job: _Job) -> Mapping[str, Any]:
        if job.contract is None and job.path is not None:
            try:
                raw = job.path.read_bytes()
            except OSError as exc:
                job.problems.append(ContractProblem(str(job.path), None, "", exc.strerror or ""))
                return {"valid": False}
            job.source_sha256 = hashlib.sha256(raw).hexdigest()
            job.fresh = self._fresh_by_source(run, job)
            if job.fresh is not None:
                return {"valid": True, "node": job.fresh.class_name, "fresh": True}
            try:
                job.contract = load_contract(job.path)
            except ContractError as exc:
                job.problems.extend(getattr(exc, "problems", ()))
                if not job.problems:
                    job.problems.append(ContractProblem(str(job.path), None, "", str(exc)))
                return {"valid": False}
        contract = _required(job.contract)
        job.contract_sha256 = _contract_sha256(contract)
        job.fresh = is_fresh(
            run.output / contract.service_name,
            manifest_path=f"{contract.version.package_dir}/{MANIFEST_NAME}",
            contract_sha256=job.contract_sha256,
            templates_sha256=run.templates_sha256,
            generator_version=GENERATOR_VERSION,
        )
        return {"valid": True, "node": contract.name, "fresh": job.fresh is not None}

    def _fresh_by_source(self, run: _Run, job: _Job) -> Manifest | None:
        """The manifest of the package built from these exact bytes, if still fresh."""
        package = run.index.get(_index_key(job.path))
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

    async def _parse_check(self, run: _Run) -> Mapping[str, Any]:
        problems = [p for job in run.jobs for p in job.problems]
        problems.extend(_same_package_problems(run.jobs))
        if problems:
            run.contract_error = contract_error(problems)
            raise run.contract_error
        return {"contracts": len(run.jobs)}

    async def _models(self, run: _Run, job: _Job) -> Mapping[str, Any]:
        if job.fresh is not None:
            return {"skipped": "fresh"}
        contract = _required(job.contract)
        job.spec = build_node_spec(contract)
        provenance = Provenance(
            generator_version=GENERATOR_VERSION,
            contract_sha256=job.contract_sha256,
            templates_sha256=run.templates_sha256,
            run_id=run.session_id,
            correlation_id=run.correlation_id,
            contract_path=str(contract.source_path or ""),
        )
        job.renderer = PackageRenderer(_ManagerTemplates(self.template_manager), provenance)
        files = await job.renderer.render_models(job.spec)
        job.files.extend(files)
        return {"files": len(files)}

    async def _validators(self, run: _Run, job: _Job) -> Mapping[str, Any]:
        if job.fresh is not None:
            return {"skipped": "fresh"}
        files = await _required(job.renderer).render_validators(_required(job.spec))
        job.files.extend(files)
        return {"files": len(files)}

    async def _tests(self, run: _Run, job: _Job) -> Mapping[str, Any]:
        if job.fresh is not None:
            return {"skipped": "fresh"}
        files = await _required(job.renderer).render_tests(_required(job.spec))
        job.files.extend(files)
        return {"files": len(files)}

    async def _quality(self, run: _Run, job: _Job) -> Mapping[str, Any]:
        if job.fresh is not None:
            return {"skipped": "fresh"}
        spec = _required(job.spec)
        errors: list[str] = []
        checked = 0
        for item in job.files:
            if item.owner is FileOwner.USER or not item.path.endswith(".py"):
                continue
            checked += 1
            context = _context(spec, item)
            if item.path.endswith("/node.py"):
                # the full pipeline: metrics, and the AI quorum when one is configured
                report = await self.validation_pipeline.validate(item.content, context)
            else:
                report = self.validation_pipeline.run_validators(item.content, context)
            errors.extend(f"{spec.package_path}/{item.path}: {e}" for e in report.errors)
        if errors:
            raise GenerationError(
                f"generated code for {spec.class_name} failed validation:\n  " + "\n  ".join(errors)
            )
        return {"modules_checked": checked}

    async def _package(self, run: _Run, job: _Job) -> Mapping[str, Any]:
        if job.fresh is not None:
            job.plan = unchanged_plan(run.output / job.fresh.service_name, job.fresh)
            return {"skipped": "fresh"}
        contract = _required(job.contract)
        root = run.output / contract.service_name
        manifest_path = f"{contract.version.package_dir}/{MANIFEST_NAME}"
        job.files.extend(await _required(job.renderer).render_package(_required(job.spec)))
        writer = PackageWriter(root, manifest_path=manifest_path)
        plan = writer.plan(job.files)
        job.plan = plan
        if run.dry_run:
            job.files = []
            return {"planned": len(plan.files)}
        manifest = Manifest(
            generator_version=GENERATOR_VERSION,
            contract_sha256=job.contract_sha256,
            templates_sha256=run.templates_sha256,
            run_id=run.session_id,
            correlation_id=run.correlation_id,
            contract_path=str(contract.source_path or ""),
            files=writer.file_hashes(job.files, plan),
            templates=run.template_hashes,
            source_sha256=job.source_sha256,
            class_name=contract.name,
            service_name=contract.service_name,
            version_dir=contract.version.package_dir,
        )
        writer.apply(job.files, plan, manifest)
        job.written = True
        # The text is on disk now: release it so memory stays flat over many contracts.
        job.files, job.spec, job.renderer = [], None, None
        written = [
            str(root / p.path)
            for p in plan.files
            if p.action in (FileAction.NEW, FileAction.CHANGED)
        ]
        return {"generated_files": written}

    # -- result -----------------------------------------------------------------------

    def _result(self, run: _Run, workflow: WorkflowResult, started: float) -> CodegenWorkflowResult:
        packages = tuple(_package_result(run, job) for job in run.jobs if job.plan is not None)
        result = CodegenWorkflowResult(
            success=workflow.success,
            packages=packages,
            workflow=workflow,
            errors=tuple(workflow.errors),
            session_id=run.session_id,
            correlation_id=run.correlation_id,
            dry_run=run.dry_run and not run.check,
            check=run.check,
            duration_ms=(time.perf_counter() - started) * 1000,
            completed_at=datetime.now(UTC),
        )
        log.info(
            "codegen.finished",
            success=result.success,
            packages=len(packages),
            fresh=sum(p.fresh for p in packages),
            duration_ms=round(result.duration_ms, 2),
        )
        return result


# -- template access ----------------------------------------------------------------


class _ManagerTemplates:
    """Renders templates through a :class:`TemplateManager` (cached, overridable by id)."""

    def __init__(self, manager: TemplateManager) -> None:
        self._manager = manager

    async def render(self, template_id: str, context: Mapping[str, object]) -> str:
        return await self._manager.render_template(
            template_id, context, TemplateType.infer(template_id)
        )


class OmniNodeTemplateEngine:
    """The guide's template engine: the node templates with their cache statistics.

    A thin entry onto the :class:`TemplateManager` the workflow renders with.

    Args:
        enable_cache: Kept for the guide's signature; templates are always cached.
        template_dir: User template directory overriding built-ins by id.
        manager: A manager to share instead of building one.
    """

    def __init__(
        self,
        enable_cache: bool = True,
        *,
        template_dir: Path | str | None = None,
        manager: TemplateManager | None = None,
    ) -> None:
        self.enable_cache = enable_cache
        self.manager = manager or TemplateManager(template_dir)
        self.templates: dict[str, str] = {}

    async def load_templates(self) -> dict[str, str]:
        """Load every built-in template id (overrides applied) into :attr:`templates`."""
        if not self.manager.is_started:
            await self.manager.start()
        for template_id in TEMPLATE_IDS:
            template = await self.manager.load_template(
                template_id, TemplateType.infer(template_id)
            )
            self.templates[template_id] = template.content
        return dict(self.templates)

    async def render(self, template_id: str, context: Mapping[str, object]) -> str:
        """Render one template by id."""
        if not self.manager.is_started:
            await self.manager.start()
        return await _ManagerTemplates(self.manager).render(template_id, context)

    def get_cache_stats(self) -> dict[str, Any]:
        """Cache statistics as a dict (``hits``, ``misses``, ``hit_rate``...)."""
        return self.manager.get_cache_stats().as_dict()

    def invalidate_cache(self, template_id: str | None = None) -> int:
        """Drop one template (or all) from the cache; returns how many were dropped."""
        if template_id is None:
            self.templates.clear()
        else:
            self.templates.pop(template_id, None)
        return self.manager.invalidate(template_id)


class ParallelCodeGenerator:
    """The guide's parallel generator: a PRD's nodes generated concurrently.

    A thin entry onto :class:`CodegenWorkflow`, whose stages already run every
    contract's steps concurrently.

    Args:
        max_workers: Steps of one stage running at once.
        workflow: A workflow to share instead of building one.
    """

    def __init__(self, max_workers: int = 4, *, workflow: CodegenWorkflow | None = None) -> None:
        self.max_workers = max_workers
        self.workflow = workflow or CodegenWorkflow(max_workers=max_workers)

    async def generate_parallel(
        self,
        prd_content: str,
        node_types: Sequence[str] | None = None,
        output_directory: str | Path = ".",
    ) -> CodegenWorkflowResult:
        """Generate the PRD's nodes (restricted to ``node_types`` when given)."""
        return await self.workflow.generate_from_prd(
            prd_content, output_directory, node_types=node_types
        )


# -- helpers ------------------------------------------------------------------------


def _bind(
    handler: Callable[[_Run, _Job], Awaitable[Mapping[str, Any]]], run: _Run, job: _Job
) -> Callable[[WorkflowStep, dict[str, Any]], Awaitable[Mapping[str, Any]]]:
    async def step_handler(step: WorkflowStep, context: dict[str, Any]) -> Mapping[str, Any]:
        return await handler(run, job)

    return step_handler


def _bind_run(
    handler: Callable[[_Run], Awaitable[Mapping[str, Any]]], run: _Run
) -> Callable[[WorkflowStep, dict[str, Any]], Awaitable[Mapping[str, Any]]]:
    async def step_handler(step: WorkflowStep, context: dict[str, Any]) -> Mapping[str, Any]:
        return await handler(run)

    return step_handler


def _required(value: Any) -> Any:
    if value is None:
        raise GenerationError("an earlier stage did not produce its result")
    return value


def _contract_sha256(contract: Contract) -> str:
    text = contract.model_dump_json(exclude={"source_path", "source_lines", "field_origins"})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _context(spec: NodeSpec, item: GeneratedFile) -> ValidationContext:
    if item.path.endswith("/node.py"):
        return ValidationContext(
            node_type=spec.node_type,
            operations=[op.name for op in spec.operations],
            models=[spec.input_model, spec.output_model, spec.request_model],
            file_path=item.path,
        )
    return ValidationContext(node_type="auto", file_path=item.path)


def _same_package_problems(jobs: Sequence[_Job]) -> list[ContractProblem]:
    seen: dict[tuple[str, str], _Job] = {}
    problems: list[ContractProblem] = []
    for job in jobs:
        key = _package_key(job)
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


def _package_key(job: _Job) -> tuple[str, str] | None:
    if job.contract is not None:
        return (job.contract.service_name, job.contract.version.package_dir)
    if job.fresh is not None:
        return (job.fresh.service_name, job.fresh.version_dir)
    return None


def _index_key(path: Path | None) -> str:
    return str(path.resolve()) if path is not None else ""


def _read_index(output: Path) -> dict[str, str]:
    try:
        data = json.loads((output / INDEX_NAME).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data["contracts"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _write_index(run: _Run) -> None:
    """Record which package each contract file produced (skipped when unchanged)."""
    index = dict(run.index)
    for job in run.jobs:
        key = _package_key(job)
        if job.path is not None and key is not None:
            index[_index_key(job.path)] = f"{key[0]}/{key[1]}"
    if index == run.index:
        return
    text = json.dumps({"version": 1, "contracts": index}, indent=2, sort_keys=True) + "\n"
    atomic_write_all([(run.output / INDEX_NAME, text)])


def _write_contracts(contracts: Sequence[Contract], target: Path, source: str) -> list[Path]:
    """Write each contract as ``<service_name>.yaml`` unless that file exists already."""
    writes: list[tuple[Path, str]] = []
    paths: list[Path] = []
    for contract in contracts:
        path = target / f"{contract.service_name}.yaml"
        paths.append(path)
        if path.exists():
            log.info("codegen.prd_contract_kept", path=str(path))
            continue
        header = (
            f"Derived from {source} by omninode-bridge {GENERATOR_VERSION}.\n"
            f"Edit freely, then regenerate: omninode generate {path}"
        )
        writes.append((path, dump_contract(contract, header=header)))
    atomic_write_all(writes)
    return paths


def _package_result(run: _Run, job: _Job) -> PackageResult:
    plan = _required(job.plan)
    if job.contract is not None:
        name, service = job.contract.name, job.contract.service_name
        version_dir = job.contract.version.package_dir
    else:
        manifest = _required(job.fresh)
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
