"""The integration guide's pattern-feedback examples, on our import paths."""

from __future__ import annotations

from omninode_bridge.agents.workflows import QualityValidator
from omninode_bridge.intelligence.patterns import (
    FeedbackType,
    InMemoryFeedbackStore,
    PatternFeedbackLearner,
    PatternMatcher,
)

CODE = "import os\n\n\ndef load(items: list[str] = []) -> list[str]:\n    return items\n"

# Initialize pattern matcher
matcher = PatternMatcher()

# Use in quality validation
validator = QualityValidator()


async def validate_with_patterns(generated_code: str):  # type: ignore[no-untyped-def]
    # Detect patterns
    detected_patterns = matcher.detect_patterns(generated_code)

    # Check for anti-patterns
    issues = []
    for pattern in detected_patterns:
        if pattern.is_anti_pattern:
            issues.append(
                {
                    "pattern": pattern.name,
                    "confidence": pattern.confidence,
                    "location": pattern.location,
                }
            )

    # Record feedback
    await validator.validate_and_record_feedback(
        code=generated_code, patterns=detected_patterns, issues=issues
    )

    return issues


async def test_guide_quality_validation_example() -> None:
    issues = await validate_with_patterns(CODE)
    assert [i["pattern"] for i in issues] == ["unused_import", "mutable_default_argument"]
    assert all(0.0 < i["confidence"] <= 1.0 for i in issues)


async def test_validate_and_record_feedback_records_automated_verdicts() -> None:
    store = InMemoryFeedbackStore()
    learner = PatternFeedbackLearner(store)
    gate = QualityValidator(feedback=learner)
    detected = matcher.detect_patterns(CODE)
    confirmed = [{"pattern": p.name, "location": p.location} for p in detected[:1]]
    report = await gate.validate_and_record_feedback(CODE, detected, confirmed)
    assert report.validator == "quality"
    records = await store.list_feedback()
    assert [(r.pattern_name, r.feedback_type, r.weight) for r in records] == [
        ("unused_import", FeedbackType.TRUE_POSITIVE, 0.5),
        ("mutable_default_argument", FeedbackType.FALSE_POSITIVE, 0.5),
    ]
