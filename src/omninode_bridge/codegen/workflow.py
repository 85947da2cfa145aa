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
:class:`~omninode_bridge.codegen.template_engine.OmniNodeTemplateEngine`
(templates and cache statistics) and
:class:`~omninode_bridge.codegen.parallel.ParallelCodeGenerator`
(``generate_parallel`` from a PRD, with a measured one-worker baseline).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omninode_bridge.codegen import stages as stage
from omninode_bridge.codegen.insights import check_patterns, recommend_mixins
from omninode_bridge.codegen.render import TEMPLATE_IDS
from omninode_bridge.codegen.results import CodegenWorkflowResult, ContractOutcome, PackageResult
from omninode_bridge.codegen.stages.compute import forget_pinned
from omninode_bridge.codegen.stages.state import (
    GENERATOR_VERSION,
    Job,
    Run,
    index_key,
    package_key,
)
from omninode_bridge.codegen.template_engine import OmniNodeTemplateEngine
from omninode_bridge.codegen.template_manager import TemplateManager, TemplateType
from omninode_bridge.codegen.writer import atomic_write_all, sha256_text
from omninode_bridge.contracts import Contract
from omninode_bridge.contracts.loader import expand_contract_paths
from omninode_bridge.contracts.prd import analyze_prd, contracts_from_prd
from omninode_bridge.contracts.serialize import dump_contract
from omninode_bridge.engine.executor import StagedParallelExecutor
from omninode_bridge.engine.models import (
    EnumStepType,
    WorkflowResult,
    WorkflowStage,
    WorkflowStep,
)
from omninode_bridge.errors import ContractError, StageTimeoutError, WorkflowFailedError
from omninode_bridge.intelligence.mixin_learning import MixinLearningModel
from omninode_bridge.logs import get_correlation_id, get_logger, log_context
from omninode_bridge.validation import ValidationPipeline, default_validators
from omninode_bridge.validation.patterns import PatternMatcher

if TYPE_CHECKING:  # the quorum (httpx) is imported only when a drafter is used
    from omninode_bridge.quorum.drafting import ContractDrafter

__all__ = [
    "GENERATOR_VERSION",
    "INDEX_NAME",
    "CodegenWorkflow",
    "CodegenWorkflowResult",
    "OmniNodeTemplateEngine",
    "PackageResult",
]

log = get_logger(__name__, component="codegen")

#: Output-folder file mapping each contract file to the package it produced.
INDEX_NAME = ".omninode-index.json"


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
        strict: Refuse contracts with warnings (unknown fields, say) as if
            they were errors.
        mixin_model: Scores mixin pairs for :meth:`get_mixin_recommendations`
            (rule-based until trained on recorded outcomes).
        pattern_matcher: Anti-pattern detector of :meth:`validate_patterns`.
        record_history: Record each run (performance, analytics) in the configured
            store; ``None`` follows the ``record_history`` setting. See
            :mod:`~omninode_bridge.codegen.recording`.

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
        strict: bool = False,
        mixin_model: MixinLearningModel | None = None,
        pattern_matcher: PatternMatcher | None = None,
        record_history: bool | None = None,
    ) -> None:
        self.record_history = record_history
        self.strict = strict
        self.mixin_model = mixin_model or MixinLearningModel()
        self.pattern_matcher = pattern_matcher or PatternMatcher()
        self.template_manager = template_manager or TemplateManager(template_dir)
        self.executor = executor or StagedParallelExecutor(
            max_parallel_tasks=max_workers if enable_parallel else 1
        )
        self._default_validation = validation_pipeline is None
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
        jobs = [Job(index=i, path=p) for i, p in enumerate(paths)]
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
        jobs = [Job(index=i, path=c.source_path, contract=c) for i, c in enumerate(contracts)]
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

    async def get_mixin_recommendations(
        self,
        node_types: Sequence[str],
        *,
        candidates: Sequence[str] | None = None,
        threshold: float = 0.8,
        limit: int = 5,
    ) -> dict[str, list[str]]:
        """Per node type (``EFFECT``...), up to ``limit`` mixins that fit together, best first.

        Scored by :attr:`mixin_model`; see
        :func:`~omninode_bridge.codegen.insights.recommend_mixins`.

        Raises:
            ValueError: An unknown node type.
        """
        return await recommend_mixins(
            self.mixin_model, node_types, candidates=candidates, threshold=threshold, limit=limit
        )

    async def validate_patterns(
        self, generated_code: str | Mapping[str, str] | CodegenWorkflowResult
    ) -> dict[str, Any]:
        """Anti-patterns in generated code: one module's text, path -> text, or a run's result.

        Returns:
            ``{"issues": [...], "files": n, "passed": bool}``, one issue dict
            (file, pattern, rule, line, confidence, message) per finding.
        """
        if isinstance(generated_code, CodegenWorkflowResult):
            generated_code = generated_code.code
        return check_patterns(generated_code, self.pattern_matcher)

    # -- run --------------------------------------------------------------------------

    async def _run(
        self,
        jobs: list[Job],
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
        correlation_id = correlation_id or get_correlation_id() or str(uuid.uuid4())
        with log_context(correlation_id=correlation_id, session_id=session_id):
            result = await self._run_bound(
                jobs, output_directory, dry_run, check, correlation_id, session_id, workflow_id,
                started,
            )  # fmt: skip
            from omninode_bridge.codegen.recording import record_workflow_run  # sqlalchemy: lazy

            await record_workflow_run(self, result)
            return result

    async def _run_bound(
        self,
        jobs: list[Job],
        output_directory: str | Path,
        dry_run: bool,
        check: bool,
        correlation_id: str,
        session_id: str,
        workflow_id: str | None,
        started: float,
    ) -> CodegenWorkflowResult:
        """The run, with its correlation id on every log line."""
        if not self.template_manager.is_started:
            await self.template_manager.start()
        before = self.template_manager.get_cache_stats()
        templates_sha, hashes = await self._template_hashes()
        run = Run(
            output=Path(output_directory),
            dry_run=dry_run or check,
            check=check,
            session_id=session_id,
            correlation_id=correlation_id,
            templates_sha256=templates_sha,
            template_hashes=hashes,
            jobs=jobs,
            index=_read_index(Path(output_directory)),
            strict=self.strict,
        )
        self._use_backend(run)
        try:
            result = await self.executor.execute_workflow(
                workflow_id or f"codegen-{session_id}",
                self._stages(run),
                context={"output_directory": str(run.output), "session_id": session_id},
                correlation_id=correlation_id,
            )
        except (WorkflowFailedError, StageTimeoutError) as stopped:
            # The executor raises for a failed run (the API Reference); a
            # generation run reports it in its result instead.
            if not isinstance(stopped.result, WorkflowResult):
                raise
            result = stopped.result
        finally:
            if run.pinned:
                await _forget_pinned(run)
            # the workers' lookups, loads and renders count as this run's
            self.template_manager.merge_activity(run.remote_templates.take())
        if run.worker_error is not None:  # every job failed alike: one error, not one per job
            raise run.worker_error
        if run.contract_error is not None:
            raise run.contract_error
        if result.success and not run.dry_run:
            _write_index(run)
        after = self.template_manager.get_cache_stats()
        lookups = after.total_requests - before.total_requests
        hit_rate = (after.hits - before.hits) / lookups if lookups > 0 else None
        return replace(self._result(run, result, started), cache_hit_rate=hit_rate)

    def _use_backend(self, run: Run) -> None:
        """Hand the CPU-bound work to the executor's backend unless it is the event loop."""
        backend = self.executor.backend
        if backend.name == "in-loop" or len(run.jobs) < 2:
            return  # one contract: nothing to spread, worker start-up would only cost
        run.remote = backend
        backend.prestart()  # workers start while the contracts are parsed
        template_dir = self.template_manager.template_dir
        run.template_dir = str(template_dir) if template_dir is not None else None
        run.remote_quality = self._default_validation
        # worker processes of this machine keep each job's spec and files between
        # its stages (only small results travel); Dask gets values (any worker)
        run.pinned = backend.affinity and backend.shares_filesystem and run.remote_quality

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

    def _stages(self, run: Run) -> list[WorkflowStage]:
        handlers: dict[str, Callable[[Run, Job], Awaitable[Mapping[str, Any]]]] = {
            "parse": stage.parse,
            "models": self._models,
            "validators": stage.validators,
            "tests": stage.tests,
            "quality": self._quality,
            "package": stage.package,
        }
        stages: list[WorkflowStage] = []
        for number, name in enumerate(stage.STAGE_NAMES, start=1):
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
                        handler=_bind_run(stage.parse_check, run),
                    )
                )
            stages.append(
                WorkflowStage(
                    stage_id=name,
                    stage_number=number,
                    steps=steps,
                    dependencies=[stage.STAGE_NAMES[number - 2]] if number > 1 else [],
                )
            )
        return stages

    # -- stages -----------------------------------------------------------------------

    async def _models(self, run: Run, job: Job) -> Mapping[str, Any]:
        return await stage.models(run, job, self.template_manager)

    async def _quality(self, run: Run, job: Job) -> Mapping[str, Any]:
        return await stage.quality(run, job, self.validation_pipeline)

    # -- result -----------------------------------------------------------------------

    def _result(self, run: Run, workflow: WorkflowResult, started: float) -> CodegenWorkflowResult:
        packages = tuple(stage.package_result(run, job) for job in run.jobs if job.plan is not None)
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
            warnings=(
                *(w for job in run.jobs if job.contract for w in job.contract.warnings),
                *(w for job in run.jobs for w in job.schema_warnings),
            ),
            outcomes=tuple(_outcome(job) for job in run.jobs),
            execution=_execution(self.executor.backend, run),
        )
        log.info(
            "codegen.finished",
            success=result.success,
            packages=len(packages),
            fresh=sum(p.fresh for p in packages),
            duration_ms=round(result.duration_ms, 2),
        )
        return result


# -- helpers ------------------------------------------------------------------------


async def _forget_pinned(run: Run) -> None:
    """Drop what the workers still keep of this run (jobs that failed or were fresh)."""
    backend = run.remote
    await asyncio.gather(
        *(
            backend.run_pinned(index, forget_pinned, f"{run.session_id}/")
            for index in range(backend.workers)
        ),
        return_exceptions=True,
    )


def _bind(
    handler: Callable[[Run, Job], Awaitable[Mapping[str, Any]]], run: Run, job: Job
) -> Callable[[WorkflowStep, dict[str, Any]], Awaitable[Mapping[str, Any]]]:
    async def step_handler(step: WorkflowStep, context: dict[str, Any]) -> Mapping[str, Any]:
        return await handler(run, job)

    return step_handler


def _bind_run(
    handler: Callable[[Run], Awaitable[Mapping[str, Any]]], run: Run
) -> Callable[[WorkflowStep, dict[str, Any]], Awaitable[Mapping[str, Any]]]:
    async def step_handler(step: WorkflowStep, context: dict[str, Any]) -> Mapping[str, Any]:
        return await handler(run)

    return step_handler


def _outcome(job: Job) -> ContractOutcome:
    contract = job.contract
    return ContractOutcome(
        contract=str(job.path or f"<contract {job.index}>"),
        node_type=contract.node_type.value.upper() if contract is not None else "",
        mixins=tuple(m.name for m in contract.enabled_mixins) if contract is not None else (),
        passed=job.plan is not None,
        fresh=job.fresh is not None,
        validations=tuple(job.validations),
    )


def _execution(backend: Any, run: Run) -> dict[str, Any]:
    where: dict[str, int] = {}
    for address in getattr(backend, "task_workers", {}).values():
        where[address] = where.get(address, 0) + 1
    return {
        "backend": backend.name if run.remote is not None else "in-loop",
        "workers": backend.workers if run.remote is not None else 1,
        "tasks": run.remote_tasks,
        "task_workers": where,
        # CPU seconds: the whole main process so far, and the tasks in the workers
        "main_cpu_s": round(time.process_time(), 3),
        "worker_cpu_s": round(float(getattr(backend, "worker_cpu_s", 0.0)), 3),
    }


def _read_index(output: Path) -> dict[str, str]:
    try:
        data = json.loads((output / INDEX_NAME).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data["contracts"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _write_index(run: Run) -> None:
    """Record which package each contract file produced (skipped when unchanged)."""
    index = dict(run.index)
    for job in run.jobs:
        key = package_key(job)
        if job.path is not None and key is not None:
            index[index_key(job.path)] = f"{key[0]}/{key[1]}"
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
