"""Pattern records and the per-module scan that the anti-pattern detectors share."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from omninode_bridge.validation.models import (
    Finding,
    Severity,
)
from omninode_bridge.validation.rules import RULES
from omninode_bridge.validation.source import (
    ParsedSource,
    dotted_name,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "PATTERN_RULES",
    "DetectedPattern",
    "PatternLocation",
    "Scan",
    "import_map",
]

#: Confidence a detection needs to be reported, unless a threshold was learned.
DEFAULT_THRESHOLD = 0.7

#: Pattern name to rule id.
PATTERN_RULES: dict[str, str] = {
    "bare_except": "PAT001",
    "swallowed_exception": "PAT002",
    "mutable_default_argument": "PAT003",
    "hardcoded_secret": "PAT004",
    "sql_string_formatting": "PAT005",
    "blocking_call_in_async": "PAT006",
    "unawaited_coroutine": "PAT007",
    "unused_import": "PAT008",
    "assert_for_validation": "PAT009",
}


@dataclass(frozen=True, slots=True)
class PatternLocation:
    """Where a pattern was found (1-based line, 0-based column)."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class DetectedPattern:
    """One detection.

    Attributes:
        name: Pattern name (``bare_except``); see :data:`PATTERN_RULES`.
        rule_id: Its rule id (``PAT001``).
        confidence: How sure the detector is, 0 to 1.
        location: Line and column.
        message: What was found.
        suggestion: A concrete fix.
        is_anti_pattern: Always True for the patterns shipped here.
    """

    name: str
    rule_id: str
    confidence: float
    location: PatternLocation
    message: str
    suggestion: str
    is_anti_pattern: bool = True

    @property
    def severity(self) -> Severity:
        """Severity of the pattern's rule."""
        return RULES[self.rule_id].severity

    def to_finding(self, validator: str = "patterns") -> Finding:
        """This detection as a validation finding."""
        return Finding(
            rule_id=self.rule_id,
            severity=self.severity,
            line=self.location.line,
            column=self.location.column,
            message=self.message,
            suggestion=self.suggestion,
            validator=validator,
            confidence=self.confidence,
        )


class Scan:
    """One detection run over one module."""

    def __init__(self, source: ParsedSource, *, is_test: bool, is_init: bool) -> None:
        self.source = source
        self.is_test = is_test
        self.is_init = is_init
        self.found: list[DetectedPattern] = []
        self.imports = import_map(source)

    def add(
        self, name: str, node: ast.AST, confidence: float, message: str, suggestion: str
    ) -> None:
        self.found.append(
            DetectedPattern(
                name=name,
                rule_id=PATTERN_RULES[name],
                confidence=round(min(max(confidence, 0.0), 1.0), 3),
                location=PatternLocation(
                    getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
                ),
                message=message,
                suggestion=suggestion,
            )
        )

    def resolve(self, node: ast.AST) -> str:
        """Dotted name of ``node`` with import aliases expanded."""
        name = dotted_name(node)
        if not name:
            return ""
        head, _, rest = name.partition(".")
        full = self.imports.get(head, head)
        return f"{full}.{rest}" if rest else full


def import_map(source: ParsedSource) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for imp in source.nodes(ast.Import):
        for alias in imp.names:
            if alias.asname:
                mapping[alias.asname] = alias.name
    for imp_from in source.nodes(ast.ImportFrom):
        if imp_from.module and not imp_from.level:
            for alias in imp_from.names:
                mapping[alias.asname or alias.name] = f"{imp_from.module}.{alias.name}"
    return mapping
