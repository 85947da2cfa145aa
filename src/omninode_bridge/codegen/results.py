"""What a code generation run returns: one :class:`PackageResult` per contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from omninode_bridge.codegen.writer import FileAction
from omninode_bridge.engine.models import WorkflowResult
from omninode_bridge.errors import ContractProblem
from omninode_bridge.validation import ValidationResult

__all__ = ["MAPPING_KEYS", "CodegenWorkflowResult", "ContractOutcome", "PackageResult"]


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
        output_directory: ``--out`` when ``package_dir`` is not ``<out>/<service>/<version>``
            (ONEX node folders: ``files`` are then relative to it).
    """

    contract_path: Path | None
    class_name: str
    service_name: str
    package_dir: Path
    files: tuple[tuple[str, FileAction], ...]
    fresh: bool
    written: bool
    output_directory: Path | None = None

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
class ContractOutcome:
    """What the run learned about one contract, for the analytics tables.

    Attributes:
        contract: The contract file (or ``<contract N>``).
        node_type: EFFECT, COMPUTE, REDUCER or ORCHESTRATOR ("" when unparsed).
        mixins: The enabled mixins combined in the package.
        passed: The package passed the run's checks (validation, then written or planned).
        fresh: Nothing was regenerated (the manifest was up to date).
        validations: ``(file, result)`` per validated module, file relative to the output.
    """

    contract: str
    node_type: str
    mixins: tuple[str, ...]
    passed: bool
    fresh: bool
    validations: tuple[tuple[str, ValidationResult], ...] = ()


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
        warnings: What the loader kept without understanding, per contract
            (file, line, field); empty under ``strict``, where they are errors.
        outcomes: Per contract: node type, mixins, checks passed, validation results.
        execution: Where the CPU work ran: ``backend`` (in-loop, processes,
            dask), ``workers``, ``tasks`` handed to it by this run and, for
            Dask, ``task_workers`` (worker address -> tasks it returned).
        baseline_duration_ms: Executor wall time of the same work on one worker,
            measured in the same call (:class:`ParallelCodeGenerator` does), or
            ``None`` when no baseline was run.
        cache_hit_rate: Template cache hits over lookups during this run
            (``None`` when the run made no lookup).

    The result also reads as a mapping, for code written against the guide's
    dict results: ``result["speedup"]``, ``result.get("code", {})``,
    ``"files" in result``; :data:`MAPPING_KEYS` lists the keys.
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
    warnings: tuple[ContractProblem, ...] = ()
    outcomes: tuple[ContractOutcome, ...] = ()
    execution: dict[str, Any] = field(default_factory=dict)
    baseline_duration_ms: float | None = None
    cache_hit_rate: float | None = None

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
    def speedup(self) -> float | None:
        """One-worker baseline wall time over this run's wall time (both measured).

        ``None`` unless a baseline was measured (``baseline_duration_ms``).
        """
        if self.baseline_duration_ms is None or self.workflow is None:
            return None
        wall = self.workflow.total_duration_ms
        return self.baseline_duration_ms / wall if wall > 0 else None

    @property
    def parallelism(self) -> float:
        """Summed step time over wall time (steps in flight on average), not a speedup."""
        return self.workflow.parallelism if self.workflow else 1.0

    @property
    def files(self) -> list[str]:
        """Every file of every package (written or planned), relative to the output."""
        return [
            _relative(p, path)
            for p in self.packages
            for path, action in p.files
            if action is not FileAction.STALE
        ]

    @property
    def code(self) -> dict[str, str]:
        """Path (as in :attr:`files`) -> source of every generated Python module on disk.

        A dry run or check wrote nothing, so only modules that already existed are read.
        """
        found: dict[str, str] = {}
        for package in self.packages:
            for path, action in package.files:
                full = _package_root(package) / path
                if action is not FileAction.STALE and full.suffix == ".py" and full.is_file():
                    found[_relative(package, path)] = full.read_text(encoding="utf-8")
        return found

    @property
    def used_mixins(self) -> dict[str, list[str]]:
        """Node type -> the mixins its contracts combined (each once, in first-seen order)."""
        used: dict[str, list[str]] = {}
        for outcome in self.outcomes:
            if outcome.node_type:
                names = used.setdefault(outcome.node_type, [])
                names.extend(m for m in outcome.mixins if m not in names)
        return used

    def __getitem__(self, key: str) -> object:
        """``result["speedup"]``: the attribute of that name (a key of :data:`MAPPING_KEYS`)."""
        if key not in MAPPING_KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in MAPPING_KEYS

    def keys(self) -> tuple[str, ...]:
        """The mapping keys (:data:`MAPPING_KEYS`)."""
        return MAPPING_KEYS

    def get(self, key: str, default: object = None) -> object:
        """``result[key]``, or ``default`` for a key that is not one or a value that is None."""
        value = self[key] if key in MAPPING_KEYS else None
        return default if value is None else value


#: The keys a :class:`CodegenWorkflowResult` answers as a mapping.
MAPPING_KEYS: tuple[str, ...] = (
    "success",
    "speedup",
    "parallelism",
    "baseline_duration_ms",
    "cache_hit_rate",
    "duration_ms",
    "generated_nodes",
    "files",
    "code",
    "used_mixins",
    "packages",
    "errors",
    "warnings",
    "session_id",
    "correlation_id",
    "total_files",
    "contract_files",
)


def _package_root(package: PackageResult) -> Path:
    """The folder ``package.files`` are relative to."""
    return package.output_directory or package.package_dir.parent


def _relative(package: PackageResult, path: str) -> str:
    """``path`` of ``package.files``, relative to the run's output folder."""
    if package.output_directory is not None:
        return path
    return f"{package.package_dir.parent.name}/{path}"
