"""Records shared by the validation pipeline, its validators and the AI quorum.

Every validator reports :class:`Finding` records: a rule id (``ONEX002``), a
severity, the position in the source, a message and a concrete suggestion.
The pipeline folds them into one :class:`ValidationResult`, whose seed fields
(``errors``, ``warnings``, ``suggestions``) are the findings rendered as text.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

__all__ = [
    "NODE_TYPES",
    "Finding",
    "ModuleKind",
    "Severity",
    "ValidationContext",
    "ValidationResult",
    "ValidationSummary",
    "ValidatorReport",
]

#: Node types of the ONEX model, lower-case as contracts spell them.
NODE_TYPES: tuple[str, ...] = ("effect", "compute", "reducer", "orchestrator")


class Severity(enum.StrEnum):
    """How much a finding matters: only errors fail a validation."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class ModuleKind(enum.StrEnum):
    """What a checked module is, which decides the rules that apply to it.

    ``NODE`` modules must hold the node class; ``MODULE`` covers models,
    enums, validators and helpers; ``TEST`` modules may use ``assert`` and
    ``print``. ``AUTO`` resolves from the file name and the code.
    """

    AUTO = "auto"
    NODE = "node"
    MODULE = "module"
    TEST = "test"


@dataclass(slots=True)
class ValidationContext:
    """Context for code validation.

    The first three fields are the seed API. The others are optional and let
    a caller that knows the contract ask for more precise checks.

    Attributes:
        node_type: Type of node being validated (effect, compute, reducer,
            orchestrator); ``"auto"`` or ``""`` infers it from the node class.
        contract_summary: Summary of contract requirements.
        validation_criteria: List of validation criteria.
        operations: Operations the contract declares; each must be handled
            by the node module (rule ``CMP003``).
        models: Model class names the contract names; each must be defined
            or imported by the node module (rule ``CMP004``).
        required_methods: Methods the node class must define; empty means the
            execute method of the node type (rule ``CMP002``).
        file_path: Path of the checked file, used in reports and to tell
            test modules and ``__init__`` modules apart.
        module_kind: What the module is; ``AUTO`` decides from the file name
            and whether a node class is present (see :class:`ModuleKind`).
        correlation_id: Carried into logs and metrics.
    """

    node_type: str
    contract_summary: str = ""
    validation_criteria: list[str] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    required_methods: list[str] = field(default_factory=list)
    file_path: str = ""
    module_kind: ModuleKind = ModuleKind.AUTO
    correlation_id: str | None = None

    @property
    def declared_node_type(self) -> str | None:
        """The node type given by the caller, or None when it is to be inferred."""
        value = self.node_type.strip().lower()
        return value if value in NODE_TYPES else None

    @property
    def is_test_file(self) -> bool:
        """Whether ``file_path`` names a pytest module or conftest."""
        name = PurePath(self.file_path).name
        return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")

    @property
    def is_package_init(self) -> bool:
        """Whether ``file_path`` names an ``__init__.py`` (imports there are re-exports)."""
        return PurePath(self.file_path).name == "__init__.py"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in the checked code.

    Attributes:
        rule_id: Stable rule id such as ``ONEX002``; see ``rules.RULES``.
        severity: Only ``ERROR`` findings fail a validation.
        line: 1-based line, 0 when the finding is about the whole module.
        column: 0-based column.
        message: What is wrong, naming the class, function or value.
        suggestion: A concrete change that fixes it.
        validator: Name of the validator that reported it.
        confidence: 1.0 for exact rules; heuristic pattern rules report less.
    """

    rule_id: str
    severity: Severity
    line: int
    column: int
    message: str
    suggestion: str
    validator: str = ""
    confidence: float = 1.0

    def __str__(self) -> str:
        return f"{self.rule_id} line {self.line}:{self.column}: {self.message}"

    @property
    def suggestion_text(self) -> str:
        """The suggestion prefixed with its rule id and line, as the seed lists it."""
        return f"{self.rule_id} line {self.line}: {self.suggestion}"


@dataclass(frozen=True, slots=True)
class ValidatorReport:
    """What one validator found in one module.

    Attributes:
        validator: Validator name (``completeness``, ``quality``, ...).
        passed: False when any error-severity finding was reported.
        score: 0.0 to 1.0; each validator documents its own formula.
        findings: Findings in source order.
        duration_ms: Time the validator took.
    """

    validator: str
    passed: bool
    score: float
    findings: tuple[Finding, ...]
    duration_ms: float


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """Result of validation pipeline.

    Attributes:
        passed: Whether validation passed (no error finding, quorum agreed).
        errors: Error findings rendered as text (``RULE line L:C: message``).
        warnings: Warning findings rendered as text.
        suggestions: One concrete fix per finding.
        duration_ms: Validation duration.
        findings: The typed findings behind the three text lists.
        reports: One report per validator that ran, in pipeline order.
        quorum_result: What the AI quorum returned, when it was consulted.
        file_path: The checked file, when the context named one.
    """

    passed: bool
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    duration_ms: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    reports: list[ValidatorReport] = field(default_factory=list)
    quorum_result: object | None = None
    file_path: str = ""

    @property
    def rule_ids(self) -> set[str]:
        """Rule ids of every finding."""
        return {f.rule_id for f in self.findings}

    @property
    def score(self) -> float:
        """Plain mean of the validator scores (1.0 when none ran)."""
        if not self.reports:
            return 1.0 if self.passed else 0.0
        return sum(r.score for r in self.reports) / len(self.reports)

    @classmethod
    def from_findings(
        cls,
        findings: Sequence[Finding],
        *,
        reports: Sequence[ValidatorReport] = (),
        duration_ms: float = 0.0,
        quorum_result: object | None = None,
        quorum_passed: bool = True,
        file_path: str = "",
    ) -> ValidationResult:
        """Build a result whose text fields are rendered from ``findings``."""
        ordered = sorted(findings, key=lambda f: (f.line, f.column, f.rule_id))
        errors = [str(f) for f in ordered if f.severity is Severity.ERROR]
        warnings = [str(f) for f in ordered if f.severity is Severity.WARNING]
        passed = not errors and all(r.passed for r in reports) and quorum_passed
        return cls(
            passed=passed,
            errors=errors,
            warnings=warnings,
            suggestions=[f.suggestion_text for f in ordered],
            duration_ms=duration_ms,
            findings=ordered,
            reports=list(reports),
            quorum_result=quorum_result,
            file_path=file_path,
        )


@dataclass(frozen=True, slots=True)
class ValidationSummary:
    """Aggregate over many validation results (one per file or per step).

    Attributes:
        total: Results summarised.
        passed: Results that passed.
        failed: Results that failed.
        error_count: Error findings over all results.
        warning_count: Warning findings over all results.
        overall_score: Mean of the per-result scores (1.0 for no results).
        duration_ms: Sum of the per-result durations.
        rule_counts: Findings per rule id, sorted by rule id.
    """

    total: int
    passed: int
    failed: int
    error_count: int
    warning_count: int
    overall_score: float
    duration_ms: float
    rule_counts: tuple[tuple[str, int], ...] = ()

    @property
    def is_valid(self) -> bool:
        """True when every result passed."""
        return self.failed == 0

    @property
    def pass_rate(self) -> float:
        """Share of results that passed (1.0 for no results)."""
        return self.passed / self.total if self.total else 1.0

    @classmethod
    def from_results(cls, results: Sequence[ValidationResult]) -> ValidationSummary:
        """Summarise ``results``."""
        counts: Counter[str] = Counter(f.rule_id for r in results for f in r.findings)
        passed = sum(1 for r in results if r.passed)
        return cls(
            total=len(results),
            passed=passed,
            failed=len(results) - passed,
            error_count=sum(len(r.errors) for r in results),
            warning_count=sum(len(r.warnings) for r in results),
            overall_score=(sum(r.score for r in results) / len(results)) if results else 1.0,
            duration_ms=sum(r.duration_ms for r in results),
            rule_counts=tuple(sorted(counts.items())),
        )
