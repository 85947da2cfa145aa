"""ValidationPipeline: parse once, run every validator on the same tree, then the quorum.

The deterministic validators are synchronous and CPU-bound (a few
milliseconds for a few hundred lines), so they run one after another on the
shared :class:`~omninode_bridge.validation.source.ParsedSource`;
parallelism lives one level up, across files (``omninode validate`` uses a
process pool). The optional AI quorum is consulted only when every
deterministic validator passed, so a broken module never costs an LLM call.

A line ending in ``# omninode: ignore`` drops every finding on it;
``# omninode: ignore[ONEX005, PAT008]`` drops only those rules.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from omninode_bridge.errors import ValidationException
from omninode_bridge.logs import get_logger
from omninode_bridge.ports import MetricsRecorder
from omninode_bridge.validation.base import FindingSink, Validator, run_validator
from omninode_bridge.validation.completeness import CompletenessValidator
from omninode_bridge.validation.compliance import ONEXComplianceValidator
from omninode_bridge.validation.models import (
    Finding,
    Severity,
    ValidationContext,
    ValidationResult,
    ValidatorReport,
)
from omninode_bridge.validation.patterns import PatternMatcher, PatternValidator
from omninode_bridge.validation.quality import QualityValidator
from omninode_bridge.validation.source import ParsedSource, parse_source

__all__ = [
    "MetricsRecorder",
    "QuorumLike",
    "QuorumResultLike",
    "ValidationPipeline",
    "default_validators",
]

log = get_logger(__name__, component="validation")

_IGNORE = re.compile(
    r"#\s*omninode:\s*ignore(?:\[(?P<rules>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)\])?", re.I
)


class QuorumResultLike(Protocol):
    """What the pipeline reads from a quorum result."""

    @property
    def passed(self) -> bool:
        """Whether the quorum accepted the code."""
        ...

    @property
    def consensus_score(self) -> float:
        """Weighted share of pass votes."""
        ...


class QuorumLike(Protocol):
    """The part of ``AIQuorum`` the pipeline uses."""

    async def validate_code(self, code: str, context: ValidationContext) -> QuorumResultLike:
        """Vote on ``code``."""
        ...


def default_validators(
    *, min_score: float = 0.7, matcher: PatternMatcher | None = None
) -> list[Validator]:
    """The full validator set: completeness, quality, ONEX compliance, patterns."""
    return [
        CompletenessValidator(),
        QualityValidator(min_score=min_score),
        ONEXComplianceValidator(),
        PatternValidator(matcher),
    ]


def _apply_ignores(source: ParsedSource, report: ValidatorReport) -> ValidatorReport:
    kept = tuple(f for f in report.findings if not _suppressed(source, f))
    if len(kept) == len(report.findings):
        return report
    return replace(
        report, findings=kept, passed=not any(f.severity is Severity.ERROR for f in kept)
    )


def _suppressed(source: ParsedSource, finding: Finding) -> bool:
    match = _IGNORE.search(source.line_text(finding.line))
    if match is None:
        return False
    rules = match.group("rules")
    return rules is None or finding.rule_id in {r.strip().upper() for r in rules.split(",")}


class ValidationPipeline:
    """Multi-stage validation pipeline for generated code.

    Args:
        validators: Validator instances, run in this order.
        ai_quorum: Optional AI quorum (anything with ``await
            validate_code(code, context)`` returning ``.passed`` and
            ``.consensus_score``), consulted only when the validators pass.
        enable_fast_fail: Stop after the first validator that fails.
        metrics_collector: Optional collector for pipeline and per-validator metrics.
    """

    def __init__(
        self,
        validators: Sequence[Validator],
        ai_quorum: QuorumLike | None = None,
        enable_fast_fail: bool = False,
        metrics_collector: MetricsRecorder | None = None,
    ) -> None:
        if not validators:
            raise ValidationException("ValidationPipeline needs at least one validator")
        self.validators = list(validators)
        self.ai_quorum = ai_quorum
        self.enable_fast_fail = enable_fast_fail
        self.metrics_collector = metrics_collector

    def run_validators(self, code: str, context: ValidationContext) -> ValidationResult:
        """Run the deterministic validators only (synchronous; used by process pools)."""
        started = time.perf_counter()
        source = parse_source(code)
        findings: list[Finding] = []
        reports: list[ValidatorReport] = []
        if source.syntax_error is not None:
            findings.append(source.syntax_error)
        else:
            for validator in self.validators:
                report = _apply_ignores(source, self._run_one(validator, source, context))
                reports.append(report)
                findings.extend(report.findings)
                if self.enable_fast_fail and not report.passed:
                    break
        return ValidationResult.from_findings(
            findings,
            reports=reports,
            duration_ms=(time.perf_counter() - started) * 1000.0,
            file_path=context.file_path,
        )

    async def validate(self, code: str, context: ValidationContext) -> ValidationResult:
        """Run validation pipeline on generated code.

        Raises:
            ValidationException: The AI quorum could not be consulted.
        """
        started = time.perf_counter()
        result = self.run_validators(code, context)
        if result.passed and self.ai_quorum is not None:
            result = await _consult_quorum(self.ai_quorum, code, context, result)
        duration = (time.perf_counter() - started) * 1000.0
        result = replace(result, duration_ms=duration)
        self._record_metrics(result)
        return result

    def _run_one(
        self, validator: Validator, source: ParsedSource, context: ValidationContext
    ) -> ValidatorReport:
        try:
            return run_validator(validator, source, context)
        except Exception as exc:  # a validator bug must not hide the other findings
            log.warning(
                "validation.validator_crashed",
                validator=validator.name,
                error=repr(exc),
                file_path=context.file_path,
            )
            sink = FindingSink(validator.name)
            sink.add(
                "VAL001",
                None,
                f"validator {validator.name} crashed: {exc!r}",
                "report this as a bug with the checked file attached",
                line=0,
            )
            return sink.report(score=0.0, started=time.perf_counter())

    def _record_metrics(self, result: ValidationResult) -> None:
        metrics = self.metrics_collector
        if metrics is None:
            return
        for report in result.reports:
            metrics.record_timing(f"validation_{report.validator}_duration_ms", report.duration_ms)
            metrics.record_gauge(f"validation_{report.validator}_score", report.score)
            metrics.record_counter(f"validation_{report.validator}_count")
        tags = {"passed": str(result.passed).lower()}
        metrics.record_timing("validation_pipeline_duration_ms", result.duration_ms, tags=tags)
        metrics.record_gauge("validation_pipeline_overall_score", result.score)
        metrics.record_counter("validation_pipeline_execution_count", tags=tags)
        metrics.record_counter("validation_pipeline_error_count", len(result.errors))
        metrics.record_counter("validation_pipeline_warning_count", len(result.warnings))


async def _consult_quorum(
    quorum: QuorumLike, code: str, context: ValidationContext, result: ValidationResult
) -> ValidationResult:
    try:
        verdict = await quorum.validate_code(code, context)
    except Exception as exc:
        raise ValidationException(f"AI quorum could not validate the code: {exc}") from exc
    log.info(
        "validation.quorum",
        passed=verdict.passed,
        consensus_score=verdict.consensus_score,
        correlation_id=context.correlation_id,
    )
    findings = list(result.findings)
    if not verdict.passed:
        sink = FindingSink("ai_quorum")
        sink.add(
            "QRM001",
            None,
            f"the AI quorum rejected the code (consensus {verdict.consensus_score:.0%})",
            "read the quorum votes' reasons (result.quorum_result.votes) and fix the code",
            line=0,
        )
        findings.extend(sink.findings)
    return ValidationResult.from_findings(
        findings,
        reports=result.reports,
        duration_ms=result.duration_ms,
        quorum_result=verdict,
        quorum_passed=bool(verdict.passed),
        file_path=result.file_path,
    )
