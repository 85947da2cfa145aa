"""Pattern feedback: weights, weighted precision, thresholds learned from the record."""

from __future__ import annotations

from pathlib import Path

import pytest

from omninode_bridge.intelligence.pattern_feedback import (
    FeedbackType,
    InMemoryFeedbackStore,
    PatternFeedback,
    PatternFeedbackLearner,
    PersistenceFeedbackStore,
    tune_threshold,
)
from omninode_bridge.intelligence.patterns import PatternMatcher
from omninode_bridge.persistence import OmniNodePersistence

TP, FP, FN = FeedbackType.TRUE_POSITIVE, FeedbackType.FALSE_POSITIVE, FeedbackType.FALSE_NEGATIVE
LOWERCASE_SQL = 'def note(x: str) -> str:\n    return f"select a row from {x}"\n'


def fb(kind: FeedbackType, confidence: float, weight: float = 1.0) -> PatternFeedback:
    return PatternFeedback("sql_string_formatting", kind, confidence, weight, weight >= 1.0)


async def test_user_and_automated_feedback_weights() -> None:
    learner = PatternFeedbackLearner(InMemoryFeedbackStore())
    user = await learner.record("unused_import", TP, confidence=0.95)
    bot = await learner.record("unused_import", FP, confidence=0.95, user_provided=False)
    assert (user.weight, user.user_provided) == (1.0, True)
    assert (bot.weight, bot.user_provided) == (0.5, False)


async def test_precision_is_weighted() -> None:
    learner = PatternFeedbackLearner(InMemoryFeedbackStore())
    for _ in range(3):
        await learner.record("unused_import", TP, confidence=0.95)
    await learner.record("unused_import", FP, confidence=0.95)
    await learner.record("unused_import", FP, confidence=0.95, user_provided=False)
    await learner.record("unused_import", FN, confidence=0.95)
    score = await learner.precision("unused_import")
    assert score.precision == pytest.approx(3 / 4.5)
    assert score.recall == pytest.approx(3 / 4)
    assert score.samples == 6
    assert set(await learner.precision_by_pattern()) == {"unused_import"}


async def test_record_from_a_detection_keeps_its_location() -> None:
    learner = PatternFeedbackLearner(InMemoryFeedbackStore())
    (detection,) = PatternMatcher().detect_patterns("import os\n")
    feedback = await learner.record(detection, TP)
    assert feedback.confidence == detection.confidence
    assert feedback.metadata["rule_id"] == "PAT008"
    assert feedback.metadata["line"] == 1


async def test_unknown_pattern_and_missing_confidence_are_rejected() -> None:
    learner = PatternFeedbackLearner(InMemoryFeedbackStore())
    with pytest.raises(ValueError, match="unknown pattern"):
        await learner.record("spaghetti", TP, confidence=0.9)
    with pytest.raises(ValueError, match="confidence: required"):
        await learner.record("unused_import", TP)


def test_thin_evidence_keeps_the_default() -> None:
    assert tune_threshold([fb(TP, 0.6), fb(TP, 0.6)]) == 0.7


def test_precise_low_confidence_detections_lower_the_threshold() -> None:
    records = [fb(TP, 0.55) for _ in range(6)] + [fb(TP, 0.9) for _ in range(4)]
    assert tune_threshold(records) == 0.55


def test_false_positives_at_low_confidence_raise_the_threshold() -> None:
    records = [fb(FP, 0.6) for _ in range(5)] + [fb(TP, 0.8) for _ in range(9)] + [fb(FP, 0.8)]
    assert tune_threshold(records) == 0.8


def test_automated_false_positives_weigh_less() -> None:
    # 9 user true positives and 2 automated false positives at 0.6: 9 / 10 = 0.9
    records = [fb(TP, 0.6) for _ in range(9)] + [fb(FP, 0.6, weight=0.5) for _ in range(2)]
    assert tune_threshold(records) == 0.6
    user_fps = [fb(TP, 0.6) for _ in range(9)] + [fb(FP, 0.6) for _ in range(2)]
    assert tune_threshold(user_fps) == 0.95


async def test_learned_thresholds_change_what_the_matcher_reports() -> None:
    learner = PatternFeedbackLearner(InMemoryFeedbackStore())
    matcher = PatternMatcher()
    assert matcher.detect_patterns(LOWERCASE_SQL) == []
    (held,) = matcher.detect_patterns(LOWERCASE_SQL, include_below_threshold=True)
    for _ in range(6):
        await learner.record(held, TP)
    thresholds = await learner.apply_to(matcher)
    assert thresholds["sql_string_formatting"] == held.confidence
    assert thresholds["unused_import"] == 0.7
    assert [p.name for p in matcher.detect_patterns(LOWERCASE_SQL)] == ["sql_string_formatting"]


async def test_persistence_store_round_trip(tmp_path: Path) -> None:
    async with OmniNodePersistence(f"sqlite+aiosqlite:///{tmp_path / 'feedback.db'}") as db:
        learner = PatternFeedbackLearner(PersistenceFeedbackStore(db))
        await learner.record("unused_import", TP, confidence=0.95, metadata={"file": "node.py"})
        await learner.record("unused_import", FP, confidence=0.9, user_provided=False)
        records = await PersistenceFeedbackStore(db).list_feedback("unused_import")
        assert [(r.feedback_type, r.weight, r.user_provided) for r in records] == [
            (TP, 1.0, True),
            (FP, 0.5, False),
        ]
        assert records[0].metadata == {"file": "node.py"}
        assert (await learner.precision("unused_import")).precision == pytest.approx(1 / 1.5)
        (analysis,) = await db.get_pattern_feedback_analysis()
        assert analysis["pattern_name"] == "unused_import"
        assert analysis["false_positive_count"] == 1


async def test_guide_feedback_call_accepts_feedback_type(tmp_path: Path) -> None:
    async with OmniNodePersistence(f"sqlite+aiosqlite:///{tmp_path / 'guide.db'}") as persistence:
        await persistence.record_pattern_feedback(
            pattern_name="unused_import",
            feedback_type=FeedbackType.TRUE_POSITIVE,
            confidence_score=0.92,
            user_weight=1.0,
            is_correct=True,
            metadata={"file": "node_effect.py", "line": 15},
        )
        (record,) = await PersistenceFeedbackStore(persistence).list_feedback()
        assert (record.pattern_name, record.feedback_type, record.confidence) == (
            "unused_import",
            TP,
            0.92,
        )
