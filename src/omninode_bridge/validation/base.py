"""The validator protocol and the small helpers every validator shares."""

from __future__ import annotations

import ast
import time
from typing import Protocol, runtime_checkable

from omninode_bridge.validation.models import (
    Finding,
    Severity,
    ValidationContext,
    ValidatorReport,
)
from omninode_bridge.validation.rules import RULES
from omninode_bridge.validation.source import ParsedSource

__all__ = ["FindingSink", "Validator", "run_validator"]


@runtime_checkable
class Validator(Protocol):
    """A check over one parsed module.

    ``check`` is synchronous and CPU-bound: it reads the shared
    :class:`ParsedSource` and never parses again.
    """

    name: str

    def check(self, source: ParsedSource, context: ValidationContext) -> ValidatorReport:
        """Report what this validator finds in ``source``."""
        ...


class FindingSink:
    """Collects findings for one validator run, filling in severity and validator."""

    __slots__ = ("findings", "validator")

    def __init__(self, validator: str) -> None:
        self.validator = validator
        self.findings: list[Finding] = []

    def add(
        self,
        rule_id: str,
        node: ast.AST | None,
        message: str,
        suggestion: str,
        *,
        line: int | None = None,
        confidence: float = 1.0,
    ) -> None:
        """Record a finding of ``rule_id`` at ``node`` (or at ``line``)."""
        self.findings.append(
            Finding(
                rule_id=rule_id,
                severity=RULES[rule_id].severity,
                line=line if line is not None else getattr(node, "lineno", 0),
                column=getattr(node, "col_offset", 0) if line is None else 0,
                message=message,
                suggestion=suggestion,
                validator=self.validator,
                confidence=confidence,
            )
        )

    def report(self, *, score: float, started: float) -> ValidatorReport:
        """Close the run: passed means no error finding."""
        passed = not any(f.severity is Severity.ERROR for f in self.findings)
        return ValidatorReport(
            validator=self.validator,
            passed=passed,
            score=round(max(0.0, min(1.0, score)), 4),
            findings=tuple(self.findings),
            duration_ms=(time.perf_counter() - started) * 1000.0,
        )


def run_validator(
    validator: Validator, source: ParsedSource, context: ValidationContext
) -> ValidatorReport:
    """Run one validator; an unparsable source gives a failed, empty report."""
    if source.tree is None:
        return ValidatorReport(
            validator=validator.name, passed=False, score=0.0, findings=(), duration_ms=0.0
        )
    return validator.check(source, context)
