"""The run behind ``omninode generate``: workflow, history, checks and the report.

:mod:`omninode_bridge.cli.generate` defines the command and its options with
light imports, starts the worker processes, then imports this module (the
code generator, the store, the quorum) and calls :func:`run_generate`.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from omninode_bridge.cli.history import RunHistory, collecting_warnings
from omninode_bridge.cli.runtimes import WORKER_MODULES, Runtime, choose_runtime
from omninode_bridge.codegen.checks import EXIT_TOOL_MISSING, CheckResult, run_package_checks
from omninode_bridge.codegen.template_manager import TemplateManager
from omninode_bridge.codegen.workflow import (
    CodegenWorkflow,
    CodegenWorkflowResult,
    PackageResult,
)
from omninode_bridge.codegen.writer import FileAction
from omninode_bridge.config import load_settings
from omninode_bridge.engine.backends import ExecutionBackend, make_backend
from omninode_bridge.engine.executor import StagedParallelExecutor
from omninode_bridge.engine.signals import Signal, SignalCoordinator, SignalType
from omninode_bridge.errors import ConfigError, ContractError, OmniNodeError
from omninode_bridge.logs import get_logger, process_run_context
from omninode_bridge.metrics import MetricsCollector
from omninode_bridge.validation import ValidationPipeline, default_validators

if TYPE_CHECKING:  # the quorum (httpx) is imported for --quorum and --draft only
    from omninode_bridge.quorum import AIQuorum, ContractDrafter

__all__ = ["exit_code", "result_to_json", "run_generate"]

log = get_logger(__name__, component="cli")

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
CHECK_TOOLS = ("ruff", "mypy", "pytest")
_PIPE_WIDTH = 200


def exit_code(result: CodegenWorkflowResult, checks: list[CheckResult] | None = None) -> int:
    """The exit status of a run: the one truth that ``--json``'s ``success`` agrees with."""
    checks = checks or []
    if not result.success or (result.check and result.has_drift):
        return EXIT_FAILED
    if any(c.missing for c in checks):
        return EXIT_TOOL_MISSING
    if any(not c.passed for c in checks):
        return EXIT_FAILED
    return EXIT_OK


def result_to_json(
    result: CodegenWorkflowResult,
    checks: list[CheckResult] | None = None,
    *,
    run_tests: bool = False,
) -> dict[str, Any]:
    """The ``--json`` document of a run.

    ``success`` is true exactly when the exit status is 0; ``generated`` says
    whether generation itself succeeded. With ``run_tests``, each package and
    the run carry one entry per check tool: ``passed``, ``failed`` (with the
    first lines of its output), ``missing`` or ``skipped`` (with a reason).
    """
    code = exit_code(result, checks)
    outcomes = _check_outcomes(result, checks or [], run_tests=run_tests)
    return {
        "success": code == EXIT_OK,
        "exit_code": code,
        "generated": result.success,
        "dry_run": result.dry_run,
        "check": result.check,
        "drift": result.has_drift,
        "session_id": result.session_id,
        "correlation_id": result.correlation_id,
        "duration_ms": round(result.duration_ms, 3),
        "errors": list(result.errors),
        "warnings": [w.to_json() for w in result.warnings],
        "contract_files": [str(p) for p in result.contract_files],
        "packages": [
            {
                "node": p.class_name,
                "service_name": p.service_name,
                "package_dir": str(p.package_dir),
                "contract": str(p.contract_path) if p.contract_path else None,
                "fresh": p.fresh,
                "written": p.written,
                "files": {path: action.value for path, action in p.files},
                "success": code == EXIT_OK
                and all(c["status"] == "passed" for c in outcomes.get(str(p.package_dir), [])),
                "checks": outcomes.get(str(p.package_dir), []),
            }
            for p in result.packages
        ],
        "checks": [
            {
                "tool": c.tool,
                "status": c.status,
                "passed": c.passed,
                "returncode": c.returncode,
                "duration_ms": round(c.duration_ms, 3),
                "first_lines": c.first_lines(),
                "output": c.output,
            }
            for c in checks or []
        ]
        or [
            {"tool": tool, "status": "skipped", "passed": False, "reason": reason}
            for tool, reason in _skipped_checks(result, run_tests=run_tests)
        ],
    }


def _skipped_checks(result: CodegenWorkflowResult, *, run_tests: bool) -> list[tuple[str, str]]:
    """Why no check ran although ``--run-tests`` asked for them."""
    if not run_tests:
        return []
    if not result.success:
        reason = "generation failed"
    elif result.dry_run or result.check:
        reason = "nothing is written under --dry-run or --check"
    else:
        reason = "no packages were generated"
    return [(tool, reason) for tool in CHECK_TOOLS]


def _check_outcomes(
    result: CodegenWorkflowResult, checks: list[CheckResult], *, run_tests: bool
) -> dict[str, list[dict[str, Any]]]:
    """Per package folder: one verdict per check tool."""
    outcomes: dict[str, list[dict[str, Any]]] = {}
    if not result.packages:
        return outcomes
    out = _out_of(result)
    skipped = _skipped_checks(result, run_tests=run_tests) if not checks else []
    for package in result.packages:
        entries: list[dict[str, Any]] = []
        relative = package.package_dir.relative_to(out).as_posix()
        for check in checks:
            verdict = check.for_package(relative)
            entries.append(
                {
                    "tool": verdict.tool,
                    "status": verdict.status,
                    "reason": verdict.reason,
                    "first_lines": list(verdict.first_lines),
                }
            )
        entries += [
            {"tool": tool, "status": "skipped", "reason": reason, "first_lines": []}
            for tool, reason in skipped
        ]
        outcomes[str(package.package_dir)] = entries
    return outcomes


def _out_of(result: CodegenWorkflowResult) -> Path:
    """The output folder: above ``<service>/<version>``, or above a node folder's top package."""
    first = result.packages[0]
    return first.output_directory or first.package_dir.parent.parent


def run_generate(
    *,
    contracts: list[Path] | None,
    out: Path,
    prd: Path | None,
    contracts_dir: Path | None,
    template_dir: Path | None,
    dry_run: bool,
    check: bool,
    as_json: bool,
    run_tests: bool,
    quorum: bool,
    draft: bool,
    strict: bool,
    runtime: Runtime | None,
    python: Path | None,
    workers: int | None,
    no_history: bool,
    scheduler: str | None,
    backend: ExecutionBackend | None = None,
) -> None:
    """The ``omninode generate`` command's run (see :mod:`omninode_bridge.cli.generate`).

    ``backend``: worker processes the command started before importing this
    module (so they start while it imports); None makes one here.
    """
    console = Console()
    if not console.is_terminal:
        console = Console(width=_PIPE_WIDTH)  # pipes and CI logs: do not truncate names
    err = Console(stderr=True, soft_wrap=True)
    if bool(contracts) == (prd is not None):
        err.print("error: give contract files or folders, or --prd FILE (not both)")
        raise typer.Exit(EXIT_BAD_INPUT)
    if draft and prd is None:
        err.print("error: --draft drafts contracts from a PRD; give --prd FILE")
        raise typer.Exit(EXIT_BAD_INPUT)
    if dry_run and check:
        err.print("error: --dry-run and --check cannot be combined")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        with (
            process_run_context(correlation_id=str(uuid.uuid4())),  # on every line of the run
            collecting_warnings() as warnings,
        ):
            if prd is None and choose_runtime(contracts or [], runtime) is Runtime.OMNIBASE_CORE:
                if backend is not None:
                    asyncio.run(backend.close())  # started early, not needed after all
                from omninode_bridge.cli.generate_onex import run_omnibase_core

                result, checks = asyncio.run(
                    run_omnibase_core(
                        contracts or [], out, dry_run=dry_run, check=check,
                        run_tests=run_tests and not (dry_run or check), python=python,
                    )
                )  # fmt: skip
            else:
                if backend is None:
                    backend = make_backend(workers, scheduler, preload=WORKER_MODULES)
                result, checks = asyncio.run(
                    _generate(
                        contracts or [],
                        out,
                        prd,
                        contracts_dir,
                        template_dir,
                        dry_run=dry_run,
                        check=check,
                        run_tests=run_tests and not (dry_run or check),
                        quorum=quorum,
                        draft=draft,
                        strict=strict,
                        backend=backend,
                        progress_console=None if as_json else err,
                        record_history=not no_history,
                    )
                )
    except OmniNodeError as exc:
        if as_json:
            _print_json(
                {
                    "success": False,
                    "errors": [str(exc)],
                    "warnings": [_run_warning(w) for w in warnings],
                }
            )
        else:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    run_tests = run_tests and not (dry_run or check)
    if not as_json:
        for warning in result.warnings:
            err.print(f"[yellow]warning:[/] {escape(str(warning.as_error()))}", highlight=False)
    if as_json:
        document = result_to_json(result, checks, run_tests=run_tests)
        document["warnings"] += [_run_warning(w) for w in warnings]
        document["execution"] = result.execution
        _print_json(document)
    else:
        _print_human(console, result, checks)
        if run_tests and not checks:
            for tool, reason in _skipped_checks(result, run_tests=True):
                console.print(f"{tool}: skipped ({reason})", highlight=False)
    code = exit_code(result, checks)
    if code != EXIT_OK:
        raise typer.Exit(code)


def _print_json(document: dict[str, Any]) -> None:
    """The ``--json`` document on stdout, as is (rich's pretty printer costs ~3 ms a package)."""
    typer.echo(json.dumps(document, indent=2))


def _run_warning(message: str) -> dict[str, object]:
    """A run-level warning (store, bus) in the shape of the contract warnings."""
    return {"file": None, "line": None, "field": "", "message": message}


async def _generate(
    contracts: list[Path],
    out: Path,
    prd: Path | None,
    contracts_dir: Path | None,
    template_dir: Path | None,
    *,
    dry_run: bool,
    check: bool,
    run_tests: bool,
    progress_console: Console | None,
    quorum: bool = False,
    draft: bool = False,
    strict: bool = False,
    backend: ExecutionBackend | None = None,
    record_history: bool = True,
) -> tuple[CodegenWorkflowResult, list[CheckResult]]:
    coordinator = SignalCoordinator()
    settings = load_settings()
    drafter = _drafter() if draft else None
    ai_quorum = _quorum_or_off(progress_console) if quorum else None
    metrics = MetricsCollector()
    workflow = CodegenWorkflow(
        template_manager=TemplateManager(
            template_dir or settings.template_dir, metrics_collector=metrics
        ),
        executor=StagedParallelExecutor(
            metrics_collector=metrics,
            signal_coordinator=coordinator,
            max_parallel_tasks=settings.max_parallel_tasks,
            backend=backend,
        ),
        validation_pipeline=(
            ValidationPipeline(default_validators(), ai_quorum=ai_quorum) if ai_quorum else None
        ),
        contract_drafter=drafter,
        strict=strict,
    )
    try:
        return await _run_workflow(
            workflow, coordinator, contracts, out, prd, contracts_dir,
            dry_run=dry_run, check=check, run_tests=run_tests,
            progress_console=progress_console,
            record_history=record_history and settings.record_history,
        )  # fmt: skip
    finally:
        if backend is not None:
            await backend.close()
        if ai_quorum is not None:
            await ai_quorum.close()
        if drafter is not None:
            await drafter.client.close()


def _drafter() -> ContractDrafter:
    from omninode_bridge.quorum import build_drafter_from_settings

    drafter = build_drafter_from_settings()
    if drafter is None:
        raise ConfigError(
            "--draft needs draft_model in the quorum configuration (omninode-quorum.yaml) "
            "and that model's API key"
        )
    return drafter


def _quorum_or_off(console: Console | None) -> AIQuorum | None:
    """The configured quorum, or None after saying once that it is off."""
    from omninode_bridge.quorum import QUORUM_OFF_MESSAGE, build_quorum_from_settings

    ai_quorum = build_quorum_from_settings()
    if ai_quorum is None and console is not None:
        console.print(QUORUM_OFF_MESSAGE, highlight=False)
    return ai_quorum


async def _run_workflow(
    workflow: CodegenWorkflow,
    coordinator: SignalCoordinator,
    contracts: list[Path],
    out: Path,
    prd: Path | None,
    contracts_dir: Path | None,
    *,
    dry_run: bool,
    check: bool,
    run_tests: bool,
    progress_console: Console | None,
    record_history: bool = True,
) -> tuple[CodegenWorkflowResult, list[CheckResult]]:
    history = (
        None
        if (dry_run or check)
        else await RunHistory.open(coordinator, progress_console, workflow, record=record_history)
    )
    result: CodegenWorkflowResult | None = None
    try:
        with _progress(progress_console, coordinator, max(len(contracts), 1)):
            if prd is not None:
                result = await workflow.generate_from_prd(
                    _read_prd(prd),
                    out,
                    contracts_directory=contracts_dir,
                    source=str(prd),
                    dry_run=dry_run,
                    check=check,
                )
            else:
                result = await workflow.generate(contracts, out, dry_run=dry_run, check=check)
            await coordinator.drain()
    finally:
        if history is not None:
            await history.finish(result)
    await coordinator.close()
    checks: list[CheckResult] = []
    if run_tests and result.success and result.packages:
        checks = await run_package_checks(out, [p.package_dir for p in result.packages])
    return result, checks


def _read_prd(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ContractError(f"{path}: cannot read PRD: {reason}") from None


class _progress:
    """A progress bar per stage, advanced by the executor's step signals."""

    def __init__(self, console: Console | None, coordinator: SignalCoordinator, total: int) -> None:
        self._console = console
        self._coordinator = coordinator
        self._total = total
        self._bar: Progress | None = None

    def __enter__(self) -> _progress:
        if self._console is None or not self._console.is_terminal:
            return self
        self._bar = Progress(
            TextColumn("[bold]{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=self._console,
            transient=True,
        )
        tasks = {
            name: self._bar.add_task(name, total=self._total)
            for name in ("parse", "models", "validators", "tests", "quality", "package")
        }
        bar = self._bar

        def on_step(signal: Signal) -> None:
            if signal.stage_id in tasks and signal.step_id != "parse_check":
                bar.advance(tasks[signal.stage_id])

        self._coordinator.subscribe(
            on_step, signal_types={SignalType.STEP_COMPLETED, SignalType.STEP_FAILED}
        )
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _print_human(
    console: Console, result: CodegenWorkflowResult, checks: list[CheckResult]
) -> None:
    if result.dry_run or result.check:
        for package in result.packages:
            console.print(f"[bold]{package.class_name}[/]  {package.package_dir}")
            for path, action in package.files:
                console.print(f"  {action.value:<10} {path}", highlight=False)
    out = _out_of(result) if result.packages else ""
    table = Table(title=f"omninode generate -> {out}", box=box.SIMPLE_HEAD)
    table.add_column("package", no_wrap=True)
    for column in ("new", "chg", "same", "kept", "stale"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True, min_width=10)
    for package in result.packages:
        table.add_row(
            f"{package.service_name}/{package.package_dir.name}",
            *(str(package.count(a)) for a in _COUNTED),
            _status(result, package),
        )
    console.print(table)
    for error in result.errors:
        console.print(f"[red]error:[/] {escape(error)}", highlight=False)
    for item in checks:
        mark = {"passed": "[green]passed[/]", "missing": "[red]not installed[/]"}.get(
            item.status, "[red]failed[/]"
        )
        console.print(f"{item.tool}: {mark} ({item.duration_ms:.0f} ms)")
        if not item.passed:
            console.print(item.output.rstrip(), highlight=False, markup=False)
    if result.check:
        verdict = "drift: regeneration would change files" if result.has_drift else "up to date"
        console.print(verdict)


_COUNTED = (
    FileAction.NEW,
    FileAction.CHANGED,
    FileAction.UNCHANGED,
    FileAction.KEPT,
    FileAction.STALE,
)


def _status(result: CodegenWorkflowResult, package: PackageResult) -> str:
    if package.fresh:
        return "up to date"
    if result.check:
        return "drift" if package.has_drift else "up to date"
    if result.dry_run:
        return "planned"
    return "written"
