"""Pattern feedback: record whether detections were right, learn each pattern's threshold.

Feedback is a :class:`PatternFeedback` record: the pattern, whether the
detection was a true or false positive (or a missed one), the detector's
confidence and a learning weight: 1.0 for a person's verdict, 0.5 for
automated feedback (a later test run, a reviewer bot), as the original
schema weighs them. Records go through a small :class:`PatternFeedbackStore`
protocol; :class:`InMemoryFeedbackStore` serves tests and one-off runs,
:class:`PersistenceFeedbackStore` writes ``pattern_feedback_log`` through
``OmniNodePersistence`` (SQLite by default, PostgreSQL when configured).

From the record, :class:`PatternFeedbackLearner` computes each pattern's
weighted precision and recall and tunes its confidence threshold: the lowest
confidence ``t`` seen in the feedback such that the detections at or above
``t`` reach ``target_precision`` (0.9) with at least ``min_weight`` (5.0) of
evidence behind them. Too little evidence keeps the default (0.7); no
threshold reaching the target gives ``ceiling`` (0.95). The lowest threshold
that is still precise enough keeps the most true detections.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from omninode_bridge.errors import PersistenceError
from omninode_bridge.validation.patterns import (
    DEFAULT_THRESHOLD,
    PATTERN_RULES,
    DetectedPattern,
    PatternMatcher,
)

if TYPE_CHECKING:
    from omninode_bridge.persistence import OmniNodePersistence

__all__ = [
    "AUTOMATED_WEIGHT",
    "USER_WEIGHT",
    "FeedbackType",
    "InMemoryFeedbackStore",
    "PatternFeedback",
    "PatternFeedbackLearner",
    "PatternFeedbackStore",
    "PatternPrecision",
    "PersistenceFeedbackStore",
    "tune_threshold",
]

#: Learning weight of feedback a person gave.
USER_WEIGHT = 1.0
#: Learning weight of automated feedback.
AUTOMATED_WEIGHT = 0.5


class FeedbackType(enum.StrEnum):
    """Verdict on one detection (or on a detection that should have happened)."""

    TRUE_POSITIVE = "true_positive"
    FALSE_POSITIVE = "false_positive"
    FALSE_NEGATIVE = "false_negative"


@dataclass(frozen=True, slots=True)
class PatternFeedback:
    """One verdict.

    Attributes:
        pattern_name: Pattern name (``unused_import``) as ``PatternMatcher`` reports it.
        feedback_type: True positive, false positive or a missed detection.
        confidence: The detector's confidence for the detection (0 to 1).
        weight: Learning weight, 0 to 1 (1.0 user, 0.5 automated by default).
        user_provided: Whether a person gave it.
        metadata: Free-form context (file, line, reason).
    """

    pattern_name: str
    feedback_type: FeedbackType
    confidence: float
    weight: float
    user_provided: bool
    metadata: Mapping[str, object] = field(default_factory=dict)


class PatternFeedbackStore(Protocol):
    """Where feedback is kept."""

    async def add_feedback(self, feedback: PatternFeedback) -> None:
        """Keep ``feedback``."""
        ...

    async def list_feedback(self, pattern_name: str | None = None) -> list[PatternFeedback]:
        """Every record, or those of one pattern, oldest first."""
        ...


class InMemoryFeedbackStore:
    """Feedback kept in a list (tests, one-off runs)."""

    def __init__(self) -> None:
        self._records: list[PatternFeedback] = []

    async def add_feedback(self, feedback: PatternFeedback) -> None:
        """Keep ``feedback``."""
        self._records.append(feedback)

    async def list_feedback(self, pattern_name: str | None = None) -> list[PatternFeedback]:
        """Every record, or those of one pattern, oldest first."""
        return [r for r in self._records if pattern_name in (None, r.pattern_name)]


class PersistenceFeedbackStore:
    """Feedback in the ``pattern_feedback_log`` table of ``OmniNodePersistence``."""

    def __init__(self, persistence: OmniNodePersistence) -> None:
        self.persistence = persistence

    async def add_feedback(self, feedback: PatternFeedback) -> None:
        """Write one row through ``OmniNodePersistence.record_pattern_feedback``."""
        await self.persistence.record_pattern_feedback(
            pattern_name=feedback.pattern_name,
            feedback_type=feedback.feedback_type,
            confidence_score=feedback.confidence,
            user_weight=feedback.weight,
            is_correct=feedback.feedback_type is FeedbackType.TRUE_POSITIVE,
            metadata=dict(feedback.metadata),
            user_provided=feedback.user_provided,
        )

    async def list_feedback(self, pattern_name: str | None = None) -> list[PatternFeedback]:
        """Rows of the three feedback types this module writes, oldest first."""
        from sqlalchemy import select
        from sqlalchemy.exc import SQLAlchemyError

        from omninode_bridge.persistence.schema import PATTERN_FEEDBACK_LOG as table

        query = (
            select(
                table.c.pattern_name,
                table.c.feedback_type,
                table.c.detected_confidence,
                table.c.learning_weight,
                table.c.user_provided,
                table.c.metadata,
            )
            .where(table.c.feedback_type.in_([t.value for t in FeedbackType]))
            .order_by(table.c.created_at)
        )
        if pattern_name is not None:
            query = query.where(table.c.pattern_name == pattern_name)
        await self.persistence.initialize()
        try:
            async with self.persistence.engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        except SQLAlchemyError as exc:
            raise PersistenceError(f"cannot read pattern feedback: {exc}") from exc
        return [
            PatternFeedback(
                pattern_name=row[0],
                feedback_type=FeedbackType(row[1]),
                confidence=float(row[2]),
                weight=float(row[3]),
                user_provided=bool(row[4]),
                metadata=dict(row[5] or {}),
            )
            for row in rows
        ]


@dataclass(frozen=True, slots=True)
class PatternPrecision:
    """Weighted precision and recall of one pattern from its feedback.

    Attributes:
        pattern_name: The pattern.
        true_positive_weight: Summed weight of true-positive verdicts.
        false_positive_weight: Summed weight of false-positive verdicts.
        false_negative_weight: Summed weight of missed detections.
        samples: Number of records.
        precision: TP / (TP + FP) by weight; None without detections.
        recall: TP / (TP + FN) by weight; None without positives.
    """

    pattern_name: str
    true_positive_weight: float
    false_positive_weight: float
    false_negative_weight: float
    samples: int
    precision: float | None
    recall: float | None


def _precision(records: Sequence[PatternFeedback], pattern_name: str) -> PatternPrecision:
    def weight(kind: FeedbackType) -> float:
        return sum(r.weight for r in records if r.feedback_type is kind)

    tp = weight(FeedbackType.TRUE_POSITIVE)
    fp = weight(FeedbackType.FALSE_POSITIVE)
    fn = weight(FeedbackType.FALSE_NEGATIVE)
    return PatternPrecision(
        pattern_name=pattern_name,
        true_positive_weight=tp,
        false_positive_weight=fp,
        false_negative_weight=fn,
        samples=len(records),
        precision=tp / (tp + fp) if tp + fp else None,
        recall=tp / (tp + fn) if tp + fn else None,
    )


def tune_threshold(
    records: Sequence[PatternFeedback],
    *,
    target_precision: float = 0.9,
    min_weight: float = 5.0,
    default: float = DEFAULT_THRESHOLD,
    floor: float = 0.5,
    ceiling: float = 0.95,
) -> float:
    """Threshold for one pattern from its feedback (see the module docstring)."""
    detections = [
        r
        for r in records
        if r.feedback_type in (FeedbackType.TRUE_POSITIVE, FeedbackType.FALSE_POSITIVE)
    ]
    if sum(r.weight for r in detections) < min_weight:
        return default
    for candidate in sorted({r.confidence for r in detections}):
        kept = [r for r in detections if r.confidence >= candidate]
        total = sum(r.weight for r in kept)
        if total < min_weight:
            break
        correct = sum(r.weight for r in kept if r.feedback_type is FeedbackType.TRUE_POSITIVE)
        if correct / total >= target_precision:
            return min(max(candidate, floor), ceiling)
    return ceiling


class PatternFeedbackLearner:
    """Records verdicts on detections and learns per-pattern thresholds from them.

    Args:
        store: Where the verdicts are kept.
        target_precision: Precision a tuned threshold must reach.
        min_weight: Evidence (summed weight) needed before a threshold moves.
    """

    def __init__(
        self,
        store: PatternFeedbackStore,
        *,
        target_precision: float = 0.9,
        min_weight: float = 5.0,
    ) -> None:
        self.store = store
        self.target_precision = target_precision
        self.min_weight = min_weight

    async def record(
        self,
        pattern: DetectedPattern | str,
        feedback_type: FeedbackType | str,
        *,
        confidence: float | None = None,
        user_provided: bool = True,
        weight: float | None = None,
        metadata: Mapping[str, object] | None = None,
    ) -> PatternFeedback:
        """Record a verdict on ``pattern`` (a detection, or a pattern name and confidence).

        Raises:
            ValueError: Unknown pattern name, or no confidence for a name.
        """
        found_confidence: float | None = confidence
        extra: dict[str, object] = {}
        if isinstance(pattern, DetectedPattern):
            name = pattern.name
            found_confidence = confidence if confidence is not None else pattern.confidence
            extra = {
                "rule_id": pattern.rule_id,
                "line": pattern.location.line,
                "column": pattern.location.column,
            }
        else:
            name = pattern
        if name not in PATTERN_RULES:
            raise ValueError(f"unknown pattern {name!r}; expected one of {sorted(PATTERN_RULES)}")
        value = found_confidence
        if value is None:
            raise ValueError(f"confidence: required when recording feedback on {name!r} by name")
        feedback = PatternFeedback(
            pattern_name=name,
            feedback_type=FeedbackType(feedback_type),
            confidence=value,
            weight=weight
            if weight is not None
            else (USER_WEIGHT if user_provided else AUTOMATED_WEIGHT),
            user_provided=user_provided,
            metadata={**extra, **(metadata or {})},
        )
        await self.store.add_feedback(feedback)
        return feedback

    async def precision(self, pattern_name: str) -> PatternPrecision:
        """Weighted precision and recall of one pattern."""
        return _precision(await self.store.list_feedback(pattern_name), pattern_name)

    async def precision_by_pattern(self) -> dict[str, PatternPrecision]:
        """Weighted precision and recall of every pattern with feedback."""
        records = await self.store.list_feedback()
        names = sorted({r.pattern_name for r in records})
        return {n: _precision([r for r in records if r.pattern_name == n], n) for n in names}

    async def tuned_thresholds(self) -> dict[str, float]:
        """A threshold for every known pattern (the default where feedback is thin)."""
        records = await self.store.list_feedback()
        return {
            name: tune_threshold(
                [r for r in records if r.pattern_name == name],
                target_precision=self.target_precision,
                min_weight=self.min_weight,
            )
            for name in PATTERN_RULES
        }

    async def apply_to(self, matcher: PatternMatcher) -> dict[str, float]:
        """Set ``matcher``'s thresholds from the feedback; returns them."""
        thresholds = await self.tuned_thresholds()
        for name, value in thresholds.items():
            matcher.set_threshold(name, value)
        return thresholds
