"""Example strings for regular expressions.

Generated tests need a string that matches a JSON-Schema ``pattern`` (for the
valid instance) and one that does not (for the rejected one). Both are derived
from the parsed expression, then checked with :func:`re.search`, so a pattern
this module cannot satisfy is reported instead of producing a failing test.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from typing import Any

# The regex parser is private to ``re`` and untyped; it is stable across 3.11+.
sre_parse: Any = importlib.import_module("re._parser")
sre_constants: Any = importlib.import_module("re._constants")

__all__ = ["matching_string", "non_matching_string"]

_REPEAT_COUNTS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 64, 128)
_NON_MATCH_CANDIDATES = ("", " ", "!", "\u00e9\u00e9", "0", "a", "Z", "_", "-", "\t\n", "..")


_CHAR_CANDIDATES = "aZ09_-. b@"
_CATEGORY_TESTS: dict[object, Callable[[str], bool]] = {
    sre_constants.CATEGORY_DIGIT: str.isdigit,
    sre_constants.CATEGORY_NOT_DIGIT: lambda ch: not ch.isdigit(),
    sre_constants.CATEGORY_SPACE: str.isspace,
    sre_constants.CATEGORY_NOT_SPACE: lambda ch: not ch.isspace(),
    sre_constants.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
    sre_constants.CATEGORY_NOT_WORD: lambda ch: not (ch.isalnum() or ch == "_"),
}


def _in_set(items: list[tuple[object, object]], ch: str) -> bool:
    """Whether ``ch`` belongs to a parsed character class ``[...]``."""
    negate = False
    found = False
    for op, arg in items:
        if op is sre_constants.NEGATE:
            negate = True
        elif op is sre_constants.LITERAL and isinstance(arg, int):
            found = found or chr(arg) == ch
        elif op is sre_constants.RANGE and isinstance(arg, tuple):
            found = found or int(arg[0]) <= ord(ch) <= int(arg[1])
        elif op is sre_constants.CATEGORY:
            test = _CATEGORY_TESTS.get(arg)
            found = found or (test is not None and bool(test(ch)))
    return found != negate


def _pick_in(items: list[tuple[object, object]]) -> str | None:
    for op, arg in items:
        if op is sre_constants.LITERAL and isinstance(arg, int):
            return chr(arg)
        if op is sre_constants.RANGE and isinstance(arg, tuple):
            return chr(int(arg[0]))
    return next((ch for ch in _CHAR_CANDIDATES if _in_set(items, ch)), None)


def _build(tokens: Iterable[tuple[object, object]], reps: int) -> str | None:
    out: list[str] = []
    for op, arg in tokens:
        piece = _build_one(op, arg, reps)
        if piece is None:
            return None
        out.append(piece)
    return "".join(out)


def _build_one(op: object, arg: object, reps: int) -> str | None:
    if op is sre_constants.LITERAL and isinstance(arg, int):
        return chr(arg)
    if op is sre_constants.NOT_LITERAL and isinstance(arg, int):
        return "a" if chr(arg) != "a" else "b"
    if op is sre_constants.ANY:
        return "a"
    if op is sre_constants.AT:
        return ""
    if op is sre_constants.IN and isinstance(arg, list):
        return _pick_in(arg)
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and isinstance(arg, tuple):
        low, high, sub = arg
        piece = _build(sub, reps)
        return None if piece is None else piece * max(int(low), min(reps, int(high)))
    if op is sre_constants.SUBPATTERN and isinstance(arg, tuple):
        return _build(arg[-1], reps)
    if op is sre_constants.BRANCH and isinstance(arg, tuple):
        for branch in arg[1]:
            piece = _build(branch, reps)
            if piece is not None:
                return piece
        return None
    return None


def matching_string(
    pattern: str, *, min_length: int | None = None, max_length: int | None = None
) -> str | None:
    """A string that ``re.search(pattern, s)`` accepts and fits the length bounds, or None."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    tokens = list(parsed)
    candidates = [_build(tokens, reps) for reps in _REPEAT_COUNTS]
    candidates += ["a", "example", "A1", "0", "user@example.com", "a-b_c.1"]
    lo = min_length or 0
    return next(
        (c for c in candidates if c is not None and _fits(c, pattern, lo, max_length)), None
    )


def non_matching_string(pattern: str) -> str | None:
    """A string that ``re.search(pattern, s)`` rejects, or None when none is found."""
    for candidate in _NON_MATCH_CANDIDATES:
        if re.search(pattern, candidate) is None:
            return candidate
    return None


def _fits(value: str, pattern: str, min_length: int, max_length: int | None) -> bool:
    if len(value) < min_length or (max_length is not None and len(value) > max_length):
        return False
    return re.search(pattern, value) is not None
