"""PatternMatcher: confidences, thresholds and the guide's detect_patterns loop."""

from __future__ import annotations

import pytest

from omninode_bridge.validation import PatternMatcher

SQL_LOWERCASE_NO_SINK = 'def note(x: str) -> str:\n    return f"select a row from {x}"\n'


def test_detect_patterns_reports_name_confidence_and_location() -> None:
    code = "def add(item: str, items: list[str] = []) -> list[str]:\n    return items\n"
    (pattern,) = PatternMatcher().detect_patterns(code)
    assert pattern.name == "mutable_default_argument"
    assert pattern.rule_id == "PAT003"
    assert pattern.is_anti_pattern
    assert pattern.confidence == pytest.approx(0.95)
    assert (pattern.location.line, pattern.location.column) == (1, 38)


def test_guide_loop_over_anti_patterns() -> None:
    matcher = PatternMatcher()
    code = "import os\ntry:\n    pass\nexcept:\n    pass\n"
    issues = [
        {"pattern": p.name, "confidence": p.confidence, "location": p.location}
        for p in matcher.detect_patterns(code)
        if p.is_anti_pattern
    ]
    assert [i["pattern"] for i in issues] == ["unused_import", "bare_except"]


def test_low_confidence_detections_are_held_back_by_the_threshold() -> None:
    matcher = PatternMatcher()
    assert matcher.detect_patterns(SQL_LOWERCASE_NO_SINK) == []
    (held,) = matcher.detect_patterns(SQL_LOWERCASE_NO_SINK, include_below_threshold=True)
    assert held.name == "sql_string_formatting"
    assert held.confidence < matcher.threshold_for("sql_string_formatting")


def test_lower_learned_threshold_reports_more() -> None:
    matcher = PatternMatcher({"sql_string_formatting": 0.5})
    assert [p.name for p in matcher.detect_patterns(SQL_LOWERCASE_NO_SINK)] == [
        "sql_string_formatting"
    ]


def test_set_threshold_rejects_unknown_pattern() -> None:
    with pytest.raises(KeyError, match="unknown pattern"):
        PatternMatcher().set_threshold("spaghetti", 0.5)


def test_unparsable_code_has_no_patterns() -> None:
    assert PatternMatcher().detect_patterns("def f(:\n") == []


def test_test_files_may_assert() -> None:
    code = "def test_x(value: int) -> None:\n    assert value\n"
    assert PatternMatcher().detect_patterns(code, file_path="tests/test_x.py") == []
    assert [p.name for p in PatternMatcher().detect_patterns(code)] == ["assert_for_validation"]
