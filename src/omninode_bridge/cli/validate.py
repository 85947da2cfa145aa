"""``omninode validate PATH...``: run the validation pipeline over files and folders.

Files are validated in parallel across cores (a process pool; each worker
builds the validator set once). Output is a text report (default), JSON
(``--json`` or ``--format json``) or SARIF 2.1.0 (``--format sarif``) for code
scanning dashboards. Exit codes: 0 every file passed, 1 a file failed (or a
corpus rule fell under the bounds), 2 bad input.

A ``contract.yaml`` beside a node module supplies its node type and the
operations it must handle.

``--corpus DIR`` measures every rule's precision and recall on a labelled
corpus instead (see ``omninode_bridge.validation.corpus``).
"""

from __future__ import annotations

import enum
import json
import multiprocessing
import os
import threading
import tokenize
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import typer

from omninode_bridge.errors import ValidationException
from omninode_bridge.intelligence.pattern_demotion import (
    Demotion,
    demote_findings,
    demoted_patterns,
)
from omninode_bridge.validation.corpus import (
    evaluate_corpus,
    format_report,
    load_corpus,
)
from omninode_bridge.validation.models import (
    Finding,
    Severity,
    ValidationContext,
    ValidationResult,
    ValidationSummary,
)
from omninode_bridge.validation.pipeline import (
    ValidationPipeline,
    default_validators,
)
from omninode_bridge.validation.rules import RULES

__all__ = [
    "NodeTypeOption",
    "OutputFormat",
    "collect_files",
    "register",
    "render_text",
    "to_json",
    "to_sarif",
    "validate_file",
    "validate_files",
]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_SKIP_DIRS = {
    ".git",
    ".hg",
    ".venv",
    "venv",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "node_modules",
    ".tox",
    "build",
    "dist",
}
#: Below this many files the pool costs more than it saves.
_POOL_MIN_FILES = 8


class NodeTypeOption(enum.StrEnum):
    """Node type to check files against; ``auto`` reads it from the node class."""

    AUTO = "auto"
    EFFECT = "effect"
    COMPUTE = "compute"
    REDUCER = "reducer"
    ORCHESTRATOR = "orchestrator"


class OutputFormat(enum.StrEnum):
    """Report formats."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"


@dataclass(frozen=True, slots=True)
class FileJob:
    """One file to validate, with the options every worker needs."""

    path: str
    node_type: str
    min_score: float


def collect_files(paths: Sequence[Path]) -> list[Path]:
    """Python files named or found under ``paths``, sorted, without duplicates.

    Raises:
        ValidationException: A path does not exist or is not a Python file.
    """
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            for file in path.rglob("*.py"):
                if not _SKIP_DIRS.intersection(file.relative_to(path).parts[:-1]):
                    found.add(file)
        elif path.is_file():
            if path.suffix != ".py":
                raise ValidationException(f"{path}: not a Python file (expected a .py file)")
            found.add(path)
        else:
            raise ValidationException(f"{path}: no such file or folder")
    return sorted(found)


@lru_cache(maxsize=4)
def _pipeline(min_score: float) -> ValidationPipeline:
    return ValidationPipeline(default_validators(min_score=min_score))


def _read_source(path: Path) -> tuple[str | None, Finding | None]:
    try:
        with tokenize.open(path) as handle:
            return handle.read(), None
    except (SyntaxError, UnicodeDecodeError) as exc:
        reason = f"cannot decode the file: {exc}"
    except OSError as exc:
        reason = f"cannot read the file: {exc.strerror or exc}"
    return None, Finding(
        rule_id="SYN001",
        severity=Severity.ERROR,
        line=1,
        column=0,
        message=reason,
        suggestion="save the file as UTF-8 (or declare its encoding) and check it is readable",
        validator="reader",
    )


@dataclass(frozen=True, slots=True)
class _ContractFacts:
    node_type: str
    operations: tuple[str, ...]


@lru_cache(maxsize=256)
def _contract_facts(folder: str) -> _ContractFacts | None:
    """Node type and operations of the ``contract.yaml`` beside the checked files.

    A missing or invalid contract gives None: this command checks Python, and
    ``omninode generate`` reports contract problems.
    """
    path = Path(folder) / "contract.yaml"
    if not path.is_file():
        return None
    from omninode_bridge.contracts import load_contract
    from omninode_bridge.errors import ContractError

    try:
        contract = load_contract(path)
    except (ContractError, OSError, ValueError):
        return None
    return _ContractFacts(
        node_type=str(contract.node_type.value),
        operations=tuple(op.name for op in contract.operations),
    )


def validate_file(job: FileJob) -> ValidationResult:
    """Validate one file (runs in a worker process).

    When a ``contract.yaml`` sits beside the file, its node type (unless one
    was given) and its operations feed the node checks (``CMP003``...).
    """
    code, problem = _read_source(Path(job.path))
    if code is None:
        return ValidationResult.from_findings([problem] if problem else [], file_path=job.path)
    facts = _contract_facts(str(Path(job.path).parent))
    node_type = job.node_type
    operations: list[str] = []
    if facts is not None:
        node_type = facts.node_type if node_type == "auto" else node_type
        operations = list(facts.operations)
    context = ValidationContext(node_type=node_type, file_path=job.path, operations=operations)
    return _pipeline(job.min_score).run_validators(code, context)


def validate_files(
    files: Sequence[Path],
    *,
    node_type: str = "auto",
    min_score: float = 0.7,
    workers: int | None = None,
) -> list[ValidationResult]:
    """Validate ``files``, in a process pool of ``workers`` (default: every core)."""
    jobs = [FileJob(str(f), node_type, min_score) for f in files]
    count = workers or os.cpu_count() or 1
    if count <= 1 or len(jobs) < _POOL_MIN_FILES:
        return [validate_file(job) for job in jobs]
    chunk = max(1, len(jobs) // (count * 4))
    with ProcessPoolExecutor(max_workers=count, mp_context=_pool_context()) as pool:
        return list(pool.map(validate_file, jobs, chunksize=chunk))


def _pool_context() -> multiprocessing.context.BaseContext:
    """``fork`` (cheapest) while this process runs one thread; ``forkserver``
    otherwise, since forking a process with running threads can deadlock."""
    methods = multiprocessing.get_all_start_methods()
    if threading.active_count() == 1 and "fork" in methods:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context()


def _finding_dict(finding: Finding) -> dict[str, object]:
    return {
        "rule_id": finding.rule_id,
        "rule": RULES[finding.rule_id].name,
        "severity": finding.severity.value,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
        "suggestion": finding.suggestion,
        "confidence": finding.confidence,
        "validator": finding.validator,
    }


def to_json(results: Sequence[ValidationResult]) -> dict[str, object]:
    """JSON document: a summary and one entry per file."""
    summary = ValidationSummary.from_results(results)
    return {
        "summary": {
            "files": summary.total,
            "passed": summary.passed,
            "failed": summary.failed,
            "errors": summary.error_count,
            "warnings": summary.warning_count,
            "overall_score": round(summary.overall_score, 4),
            "rule_counts": dict(summary.rule_counts),
        },
        "files": [
            {
                "path": r.file_path,
                "passed": r.passed,
                "score": round(r.score, 4),
                "duration_ms": round(r.duration_ms, 3),
                "findings": [_finding_dict(f) for f in r.findings],
            }
            for r in results
        ],
    }


def _tool_version() -> str:
    try:
        return version("omninode-bridge")
    except PackageNotFoundError:
        return "0.0.0"


def _artifact_uri(path: str) -> str:
    file = Path(path)
    try:
        return file.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return file.resolve().as_uri()


def to_sarif(results: Sequence[ValidationResult]) -> dict[str, object]:
    """A SARIF 2.1.0 log with one run, every rule described, one result per finding."""
    rule_ids = list(RULES)
    rules = [
        {
            "id": r.rule_id,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
        }
        for r in RULES.values()
    ]
    sarif_results = []
    for result in results:
        uri = _artifact_uri(result.file_path)
        for finding in result.findings:
            sarif_results.append(
                {
                    "ruleId": finding.rule_id,
                    "ruleIndex": rule_ids.index(finding.rule_id),
                    "level": _SARIF_LEVEL[finding.severity],
                    "message": {"text": f"{finding.message}. Fix: {finding.suggestion}"},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": uri},
                                "region": {
                                    "startLine": max(finding.line, 1),
                                    "startColumn": finding.column + 1,
                                },
                            }
                        }
                    ],
                    "properties": {
                        "suggestion": finding.suggestion,
                        "confidence": finding.confidence,
                        "validator": finding.validator,
                    },
                }
            )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "omninode-validate",
                        "version": _tool_version(),
                        "rules": rules,
                    }
                },
                "results": sarif_results,
            }
        ],
    }


def render_text(results: Sequence[ValidationResult]) -> str:
    """Human report: one line per finding with its fix, then a summary line."""
    lines = []
    for result in results:
        for f in result.findings:
            lines.append(
                f"{result.file_path}:{f.line}:{f.column + 1}: {f.rule_id} "
                f"[{f.severity.value}] {f.message}"
            )
            lines.append(f"    fix: {f.suggestion}")
    summary = ValidationSummary.from_results(results)
    lines.append(
        f"{summary.total} files: {summary.passed} passed, {summary.failed} failed, "
        f"{summary.error_count} errors, {summary.warning_count} warnings"
    )
    return "\n".join(lines)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Python files or folders to validate.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="text, json or sarif.")
    ] = OutputFormat.TEXT,
    node_type: Annotated[
        NodeTypeOption, typer.Option(help="Node type, or auto to read it from the node class.")
    ] = NodeTypeOption.AUTO,
    min_score: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Lowest passing quality score.")
    ] = 0.7,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: every core).")
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option(help="Measure rule precision/recall on this labelled corpus folder."),
    ] = None,
    feedback: Annotated[
        bool,
        typer.Option(
            "--feedback/--no-feedback",
            help="Report patterns the store's feedback demoted as hints (not failing).",
        ),
    ] = True,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url", help="Store with the pattern feedback (default: configured)."
        ),
    ] = None,
) -> None:
    """Validate node code: completeness, quality, ONEX compliance and anti-patterns."""
    if corpus is not None:
        _run_corpus(corpus)
        return
    if not paths:
        raise _fail("give at least one file or folder (or --corpus DIR)")
    try:
        files = collect_files(paths)
    except ValidationException as exc:
        raise _fail(str(exc)) from None
    if not files:
        raise _fail(f"no Python files under {', '.join(str(p) for p in paths)}")
    results = validate_files(files, node_type=node_type.value, min_score=min_score, workers=workers)
    demoted = _demotions(database_url) if feedback else {}
    results = demote_findings(results, demoted)
    fmt = OutputFormat.JSON if as_json else output_format
    if fmt is OutputFormat.TEXT:
        typer.echo(render_text(results))
    else:
        document = to_json(results) if fmt is OutputFormat.JSON else to_sarif(results)
        if fmt is OutputFormat.JSON:
            document["demoted_patterns"] = {
                d.pattern_name: {"rule_id": r, "precision": d.precision, "detections": d.detections}
                for r, d in sorted(demoted.items())
            }
        typer.echo(json.dumps(document, indent=2))
    if not all(r.passed for r in results):
        raise typer.Exit(EXIT_FAILED)


def _demotions(database_url: str | None) -> dict[str, Demotion]:
    """Demoted patterns from the store's feedback; none when there is no store yet.

    An unreadable store is one warning on stderr and no demotion.
    """
    import asyncio

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from omninode_bridge.errors import OmniNodeError
    from omninode_bridge.intelligence.pattern_feedback import PersistenceFeedbackStore
    from omninode_bridge.persistence import OmniNodePersistence
    from omninode_bridge.persistence.engine import default_database_url

    async def read(url: str) -> dict[str, Demotion]:
        async with OmniNodePersistence(url) as store:
            return await demoted_patterns(PersistenceFeedbackStore(store))

    try:
        url = database_url or default_database_url()
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
            return {}  # no store, no feedback: nothing is created by validating
        return asyncio.run(read(url))
    except (OmniNodeError, SQLAlchemyError, OSError, ValueError) as exc:
        typer.echo(f"warning: pattern feedback not read: {exc}", err=True)
        return {}


def _run_corpus(folder: Path) -> None:
    try:
        report = evaluate_corpus(load_corpus(folder))
    except ValidationException as exc:
        raise _fail(str(exc)) from None
    typer.echo(format_report(report))
    if report.below(min_precision=0.9, min_recall=0.9):
        raise typer.Exit(EXIT_FAILED)


def register(app: typer.Typer) -> None:
    """Add the ``validate`` command to ``app``."""
    app.command("validate")(validate)
