"""Example strings for regular expressions (valid and rejected test inputs)."""

from __future__ import annotations

import re

import pytest

from omninode_bridge.codegen.examples import matching_string, non_matching_string

PATTERNS = [
    r"^[a-z]+(-[a-z0-9]+)*\d{2,3}$",
    r"^v\d+\.\d+\.\d+$",
    r"^Mixin[A-Z][a-zA-Z0-9]*$",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    r"(?i)(DROP|DELETE|TRUNCATE)\s+TABLE",
    r"^[A-Z]{3}-\w{4}$",
    r"^(?:red|green|blue)$",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_matching_and_non_matching_strings(pattern: str) -> None:
    good = matching_string(pattern)
    bad = non_matching_string(pattern)
    assert good is not None and re.search(pattern, good)
    assert bad is not None and not re.search(pattern, bad)


def test_length_bounds_are_respected() -> None:
    value = matching_string(r"^[a-z]+$", min_length=8, max_length=10)
    assert value is not None and 8 <= len(value) <= 10
    assert matching_string(r"^[A-Z]{3}$", min_length=5) is None


def test_unsatisfiable_or_invalid_patterns_give_none() -> None:
    assert matching_string("(unclosed") is None
    assert non_matching_string(".*") is None
