"""Pattern feedback closes the loop: an imprecise pattern is demoted to a hint.

Every ``omninode generate`` records automated verdicts on the anti-pattern
findings of its generated modules (``pattern_feedback_log``), and people may
add their own. From those verdicts each pattern has a weighted precision
(:class:`~omninode_bridge.intelligence.pattern_feedback.PatternFeedbackLearner`).
A pattern is **demoted** when

- it has at least :data:`DEMOTE_MIN_DETECTIONS` detections with a verdict
  (true plus false positives), and
- its precision is below :data:`DEMOTE_BELOW_PRECISION`.

A demoted pattern's findings are still reported, as hints: their severity
becomes ``info`` and their message says why, so they no longer fail
``omninode validate``. ``omninode stats`` shows each pattern's precision and
whether it is demoted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from omninode_bridge.intelligence.pattern_feedback import (
    FeedbackType,
    PatternFeedbackLearner,
    PatternFeedbackStore,
    PatternPrecision,
)
from omninode_bridge.intelligence.patterns import PATTERN_RULES
from omninode_bridge.validation.models import Finding, Severity, ValidationResult

__all__ = [
    "DEMOTE_BELOW_PRECISION",
    "DEMOTE_MIN_DETECTIONS",
    "Demotion",
    "demote_findings",
    "demoted_patterns",
]

#: Precision under which a pattern with enough detections becomes a hint.
DEMOTE_BELOW_PRECISION = 0.5
#: Detections with a verdict (true + false positives) a pattern needs before it can be demoted.
DEMOTE_MIN_DETECTIONS = 10


@dataclass(frozen=True, slots=True)
class Demotion:
    """Why one pattern is reported as a hint."""

    pattern_name: str
    rule_id: str
    precision: float
    detections: int

    @property
    def reason(self) -> str:
        """One line for the report."""
        return (
            f"hint: pattern {self.pattern_name} demoted, precision {self.precision:.2f} "
            f"over {self.detections} detections is below {DEMOTE_BELOW_PRECISION}"
        )


async def demoted_patterns(store: PatternFeedbackStore) -> dict[str, Demotion]:
    """The demoted patterns by rule id, from the feedback in ``store``."""
    records = await store.list_feedback()
    detections: dict[str, int] = {}
    for record in records:
        if record.feedback_type in (FeedbackType.TRUE_POSITIVE, FeedbackType.FALSE_POSITIVE):
            detections[record.pattern_name] = detections.get(record.pattern_name, 0) + 1
    precisions = await PatternFeedbackLearner(store).precision_by_pattern()
    return {
        d.rule_id: d
        for d in (_demotion(p, detections.get(name, 0)) for name, p in precisions.items())
        if d is not None
    }


def _demotion(precision: PatternPrecision, detections: int) -> Demotion | None:
    rule_id = PATTERN_RULES.get(precision.pattern_name)
    if rule_id is None or precision.precision is None or detections < DEMOTE_MIN_DETECTIONS:
        return None
    if precision.precision >= DEMOTE_BELOW_PRECISION:
        return None
    return Demotion(precision.pattern_name, rule_id, precision.precision, detections)


def _hint(finding: Finding, demotion: Demotion) -> Finding:
    return replace(
        finding, severity=Severity.INFO, message=f"{finding.message} ({demotion.reason})"
    )


def demote_findings(
    results: Sequence[ValidationResult], demoted: Mapping[str, Demotion]
) -> list[ValidationResult]:
    """``results`` with every finding of a demoted pattern turned into a hint."""
    if not demoted:
        return list(results)
    out = []
    for result in results:
        if not any(f.rule_id in demoted for f in result.findings):
            out.append(result)
            continue
        findings = [
            _hint(f, demoted[f.rule_id]) if f.rule_id in demoted else f for f in result.findings
        ]
        reports = []
        for report in result.reports:
            if not any(f.rule_id in demoted for f in report.findings):
                reports.append(report)
                continue
            mine = tuple(
                _hint(f, demoted[f.rule_id]) if f.rule_id in demoted else f for f in report.findings
            )
            errors = sum(f.severity is Severity.ERROR for f in mine)
            # the pattern validator's own formula: 1 - min(errors, 10) / 10
            reports.append(
                replace(report, findings=mine, passed=not errors, score=1 - min(errors, 10) / 10)
            )
        out.append(
            ValidationResult.from_findings(
                findings,
                reports=reports,
                duration_ms=result.duration_ms,
                quorum_result=result.quorum_result,
                # a consulted quorum's verdict is not ours to undo
                quorum_passed=result.quorum_result is None or result.passed,
                file_path=result.file_path,
            )
        )
    return out
