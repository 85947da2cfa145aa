"""QualityValidator: the documented score formula and the min_score gate."""

from __future__ import annotations

import pytest

from omninode_bridge.validation import (
    QualityValidator,
    ValidationContext,
    parse_source,
)
from omninode_bridge.validation.quality import complexity_by_function

CTX = ValidationContext("auto", file_path="module.py")


def test_score_formula_on_a_known_module() -> None:
    # two functions: one hinted and documented, one neither; no complex function,
    # one style finding (trailing whitespace).
    code = 'def a(x: int) -> int:\n    """A."""\n    return x \n\n\ndef b(y):\n    return y\n'
    report = QualityValidator(min_score=0.0).check(parse_source(code), CTX)
    expected = 0.30 * 1.0 + 0.25 * 0.5 + 0.25 * 0.5 + 0.20 * (1 - 1 / 20)
    assert report.score == pytest.approx(expected, abs=1e-4)
    assert report.passed


def test_fails_under_min_score() -> None:
    code = "def a(x):\n    return x\n"
    report = QualityValidator(min_score=0.7).check(parse_source(code), CTX)
    assert not report.passed
    assert "QUA000" in {f.rule_id for f in report.findings}
    lenient = QualityValidator(min_score=0.4).check(parse_source(code), CTX)
    assert lenient.passed


def test_complexity_counts_branches_and_bool_operators() -> None:
    code = (
        "def f(a: int, b: int) -> int:\n"
        "    if a and b or a:\n"  # if +1, and/or chains +2
        "        return 1\n"
        "    for i in range(a):\n"  # +1
        "        b += i if i else 0\n"  # +1
        "    return [x for x in range(b) if x][0]\n"  # comprehension +2
    )
    source = parse_source(code)
    (value,) = complexity_by_function(source).values()
    assert value == 1 + 1 + 2 + 1 + 1 + 2


def test_max_line_length_is_configurable() -> None:
    code = "X = '" + "x" * 60 + "'\n"
    report = QualityValidator(max_line_length=50).check(parse_source(code), CTX)
    assert [f.rule_id for f in report.findings] == ["QUA003"]
