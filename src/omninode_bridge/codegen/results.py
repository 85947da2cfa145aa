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

__all__ = ["CodegenWorkflowResult", "ContractOutcome", "PackageResult"]


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
