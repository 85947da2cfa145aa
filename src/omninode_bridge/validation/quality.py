"""QualityValidator: complexity, type hints, docstrings and style, as one score.

Findings (warnings unless noted):

- ``QUA001`` a function's cyclomatic complexity is over ``max_complexity``
  (10). Complexity is ``1`` plus one per ``if``/``elif``, conditional
  expression, ``for``, ``while``, ``except``, ``match`` case and comprehension
  ``for``/``if``, plus ``len(values) - 1`` per ``and``/``or`` chain; nested
  functions count on their own.
- ``QUA002`` a function has an unannotated parameter (``self``/``cls`` aside)
  or no return annotation (``__init__`` may omit it). Not reported in tests.
- ``QUA003`` a line is longer than ``max_line_length`` (100).
- ``QUA004`` / ``QUA005`` / ``QUA006`` tab indentation, trailing whitespace,
  three or more blank lines in a row (lines inside multi-line strings are
  their content and are left alone).
- ``QUA000`` (error) the score is under ``min_score``.

Score formula::

    score = 0.30 * (1 - complex_functions / functions)
          + 0.25 * type_hint_coverage      # fully annotated functions / functions
          + 0.25 * docstring_coverage      # documented public classes+functions / those
          + 0.20 * (1 - min(style_findings, 20) / 20)

Each coverage is 1.0 when there is nothing to count.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

from omninode_bridge.validation.base import FindingSink
from omninode_bridge.validation.completeness import docstring_targets
from omninode_bridge.validation.models import (
    ModuleKind,
    ValidationContext,
    ValidatorReport,
)
from omninode_bridge.validation.patterns import DetectedPattern
from omninode_bridge.validation.source import ParsedSource, parse_source

__all__ = ["PatternFeedbackRecorder", "QualityValidator", "complexity_by_function"]

_Func = ast.FunctionDef | ast.AsyncFunctionDef
_BRANCHES: tuple[type[ast.AST], ...] = (
    ast.If,
    ast.IfExp,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.ExceptHandler,
    ast.match_case,
)


def complexity_by_function(source: ParsedSource) -> dict[_Func, int]:
    """Cyclomatic complexity of every function (see the module docstring)."""
    scores: dict[_Func, int] = dict.fromkeys(source.functions(), 1)

    def bump(node: ast.AST, amount: int) -> None:
        func = source.enclosing_function(node)
        if func is not None and amount:
            scores[func] += amount

    for kind in _BRANCHES:
        for node in source.nodes(kind):
            bump(node, 1)
    for boolop in source.nodes(ast.BoolOp):
        bump(boolop, len(boolop.values) - 1)
    for comp in source.nodes(ast.comprehension):
        bump(comp, 1 + len(comp.ifs))
    return scores


def _missing_hints(func: _Func, *, is_method: bool) -> list[str]:
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    if is_method and positional and not _is_static(func):
        positional = positional[1:]
    missing = [a.arg for a in [*positional, *args.kwonlyargs] if a.annotation is None]
    for star in (args.vararg, args.kwarg):
        if star is not None and star.annotation is None:
            missing.append(star.arg)
    if func.returns is None and func.name != "__init__":
        missing.append("return")
    return missing


def _is_static(func: _Func) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.decorator_list)


class PatternFeedbackRecorder(Protocol):
    """Where verdicts on detections go (``PatternFeedbackLearner`` fits)."""

    async def record(
        self, pattern: DetectedPattern, feedback_type: str, *, user_provided: bool = ...
    ) -> object:
        """Record one verdict."""
        ...


class QualityValidator:
    """Scores code quality and fails under ``min_score``.

    Args:
        min_score: Lowest passing score (0 to 1); see the module docstring.
        max_complexity: Cyclomatic complexity above which a function is reported.
        max_line_length: Longest allowed line.
        feedback: Where :meth:`validate_and_record_feedback` records its
            automated verdicts (nothing is recorded without one).
    """

    name = "quality"

    def __init__(
        self,
        min_score: float = 0.7,
        *,
        max_complexity: int = 10,
        max_line_length: int = 100,
        feedback: PatternFeedbackRecorder | None = None,
    ) -> None:
        self.min_score = min_score
        self.max_complexity = max_complexity
        self.max_line_length = max_line_length
        self.feedback = feedback

    async def validate_and_record_feedback(
        self,
        code: str,
        patterns: Sequence[DetectedPattern],
        issues: Sequence[Mapping[str, object]],
        *,
        context: ValidationContext | None = None,
    ) -> ValidatorReport:
        """Score ``code`` and record automated verdicts on its detected ``patterns``.

        A detection listed in ``issues`` (matched on ``pattern`` name and
        ``location``) is recorded as a true positive, any other detected
        anti-pattern as a false positive, both with the automated weight.
        """
        if self.feedback is not None:
            confirmed = {(i.get("pattern"), i.get("location")) for i in issues}
            for pattern in patterns:
                if not pattern.is_anti_pattern:
                    continue
                kept = (pattern.name, pattern.location) in confirmed
                verdict = "true_positive" if kept else "false_positive"
                await self.feedback.record(pattern, verdict, user_provided=False)
        return self.check(parse_source(code), context or ValidationContext(node_type="auto"))

    def check(self, source: ParsedSource, context: ValidationContext) -> ValidatorReport:
        """Report complexity, type-hint and style findings and the score."""
        started = time.perf_counter()
        sink = FindingSink(self.name)
        is_test = source.module_kind(context) is ModuleKind.TEST
        complexity_term = self._complexity(source, sink)
        hint_cov = 1.0 if is_test else self._type_hints(source, sink)
        targets = [] if is_test else docstring_targets(source)
        doc_cov = (
            sum(1 for t in targets if ast.get_docstring(t) is not None) / len(targets)
            if targets
            else 1.0
        )
        style_count = self._style(source, sink)
        score = (
            0.30 * complexity_term
            + 0.25 * hint_cov
            + 0.25 * doc_cov
            + 0.20 * (1 - min(style_count, 20) / 20)
        )
        if score < self.min_score:
            sink.add(
                "QUA000",
                None,
                f"quality score {score:.2f} is under the minimum {self.min_score:.2f} "
                f"(complexity {complexity_term:.2f}, type hints {hint_cov:.2f}, "
                f"docstrings {doc_cov:.2f}, style findings {style_count})",
                "fix the QUA and CMP005 warnings above, starting with the lowest term",
                line=0,
            )
        return sink.report(score=score, started=started)

    def _complexity(self, source: ParsedSource, sink: FindingSink) -> float:
        scores = complexity_by_function(source)
        complex_count = 0
        for func, value in scores.items():
            if value > self.max_complexity:
                complex_count += 1
                sink.add(
                    "QUA001",
                    func,
                    f"{func.name}() has cyclomatic complexity {value} "
                    f"(limit {self.max_complexity})",
                    f"split {func.name}() into smaller functions or replace branches with "
                    "a lookup table",
                )
        return 1 - complex_count / len(scores) if scores else 1.0

    def _type_hints(self, source: ParsedSource, sink: FindingSink) -> float:
        functions = source.functions()
        if not functions:
            return 1.0
        hinted = 0
        for func in functions:
            is_method = isinstance(source.parents.get(func), ast.ClassDef)
            missing = _missing_hints(func, is_method=is_method)
            if not missing:
                hinted += 1
                continue
            sink.add(
                "QUA002",
                func,
                f"{func.name}() lacks type hints for: {', '.join(missing)}",
                f"annotate {', '.join(missing)} of {func.name}() "
                "(for example `-> None` for the return)",
            )
        return hinted / len(functions)

    def _style(self, source: ParsedSource, sink: FindingSink) -> int:
        before = len(sink.findings)
        inside = set(_string_lines(source))
        blank_run = 0
        for number, text in enumerate(source.lines, start=1):
            if len(text) > self.max_line_length:
                sink.add(
                    "QUA003",
                    None,
                    f"line is {len(text)} characters long (limit {self.max_line_length})",
                    "wrap the line, for example inside parentheses",
                    line=number,
                )
            if number in inside:
                blank_run = 0
                continue
            blank_run = blank_run + 1 if not text.strip() else 0
            if blank_run == 3:
                sink.add(
                    "QUA006",
                    None,
                    "three or more blank lines in a row",
                    "keep at most two blank lines between definitions",
                    line=number,
                )
            stripped = text.lstrip(" \t")
            if "\t" in text[: len(text) - len(stripped)]:
                sink.add(
                    "QUA004",
                    None,
                    "line is indented with a tab",
                    "indent with four spaces",
                    line=number,
                )
            if text != text.rstrip():
                sink.add(
                    "QUA005",
                    None,
                    "line ends with whitespace",
                    "delete the trailing spaces",
                    line=number,
                )
        return len(sink.findings) - before


def _string_lines(source: ParsedSource) -> Iterator[int]:
    """Lines that start or end inside a multi-line string literal."""
    for kind in (ast.Constant, ast.JoinedStr):
        for node in source.nodes(kind):
            end = getattr(node, "end_lineno", None) or node.lineno
            if end > node.lineno and (
                isinstance(node, ast.JoinedStr) or isinstance(getattr(node, "value", None), str)
            ):
                yield from range(node.lineno, end + 1)
