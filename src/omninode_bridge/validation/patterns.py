"""PatternMatcher: code anti-patterns, each reported with a confidence.

Each detector walks the shared :class:`ParsedSource` index and yields a
:class:`DetectedPattern` with a confidence between 0 and 1. Exact shapes (a
bare ``except:``) score high; guesses (an SQL keyword in lower-case text that
is never executed) score low. ``detect_patterns`` keeps the detections at or
above each pattern's threshold (0.7 unless learned from feedback, see
``omninode_bridge.intelligence.pattern_feedback``).

=======  ========================  ==================================================
rule     pattern                   what is reported
=======  ========================  ==================================================
PAT001   bare_except               ``except:`` without a type
PAT002   swallowed_exception       ``except Exception`` whose body neither raises, calls
                                   anything (a log) nor uses the error
PAT003   mutable_default_argument  a list/dict/set literal, comprehension or
                                   ``list()``/``dict()``/``set()``/``deque()`` default
PAT004   hardcoded_secret          a random-looking literal (not a word or label) bound to
                                   a password/secret/token/API key name, a known token
                                   format, a URL with a password
PAT005   sql_string_formatting     SQL text built with an f-string, ``%``, ``.format``
                                   or ``+``
PAT006   blocking_call_in_async    ``time.sleep``, ``requests``, ``open``, sockets,
                                   subprocesses, ``Path.read_text`` in ``async def``
PAT007   unawaited_coroutine       a statement that calls a coroutine function and
                                   drops the coroutine
PAT008   unused_import             an imported name that is never read (not in
                                   ``__init__.py``, ``__all__`` and ``as`` re-exports count)
PAT009   assert_for_validation     ``assert`` on a function's parameters outside tests
=======  ========================  ==================================================

The detectors live in :mod:`.pattern_detectors`, the records and the shared
scan in :mod:`.pattern_scan`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from omninode_bridge.validation.base import FindingSink
from omninode_bridge.validation.models import (
    ModuleKind,
    Severity,
    ValidationContext,
    ValidatorReport,
)
from omninode_bridge.validation.pattern_detectors import DETECTORS
from omninode_bridge.validation.pattern_scan import (
    DEFAULT_THRESHOLD,
    PATTERN_RULES,
    DetectedPattern,
    PatternLocation,
    Scan,
)
from omninode_bridge.validation.source import (
    ParsedSource,
    parse_source,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "PATTERN_RULES",
    "DetectedPattern",
    "PatternLocation",
    "PatternMatcher",
    "PatternValidator",
]


class PatternMatcher:
    """Detects code anti-patterns, filtered by a confidence threshold per pattern.

    Args:
        thresholds: Learned threshold per pattern name; others use
            ``default_threshold``.
        default_threshold: Threshold for patterns without a learned value.
    """

    def __init__(
        self,
        thresholds: Mapping[str, float] | None = None,
        *,
        default_threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self.default_threshold = default_threshold
        self._thresholds: dict[str, float] = dict(thresholds or {})

    def threshold_for(self, pattern_name: str) -> float:
        """The confidence a detection of ``pattern_name`` needs to be reported."""
        return self._thresholds.get(pattern_name, self.default_threshold)

    def set_threshold(self, pattern_name: str, threshold: float) -> None:
        """Use ``threshold`` for ``pattern_name`` from now on."""
        if pattern_name not in PATTERN_RULES:
            raise KeyError(f"unknown pattern {pattern_name!r}; known: {sorted(PATTERN_RULES)}")
        self._thresholds[pattern_name] = threshold

    @property
    def thresholds(self) -> dict[str, float]:
        """The threshold of every pattern."""
        return {name: self.threshold_for(name) for name in PATTERN_RULES}

    def detect_patterns(
        self, code: str, *, file_path: str = "", include_below_threshold: bool = False
    ) -> list[DetectedPattern]:
        """Detect anti-patterns in ``code`` (a module that does not parse has none)."""
        source = parse_source(code)
        context = ValidationContext(node_type="auto", file_path=file_path)
        return self.detect_in_source(
            source, context, include_below_threshold=include_below_threshold
        )

    def detect_in_source(
        self,
        source: ParsedSource,
        context: ValidationContext,
        *,
        include_below_threshold: bool = False,
    ) -> list[DetectedPattern]:
        """Detect anti-patterns in an already parsed module."""
        if source.tree is None:
            return []
        scan = Scan(
            source,
            is_test=source.module_kind(context) is ModuleKind.TEST,
            is_init=context.is_package_init,
        )
        for detector in DETECTORS:
            detector(scan)
        found = sorted(scan.found, key=lambda p: (p.location.line, p.location.column, p.rule_id))
        if include_below_threshold:
            return found
        return [p for p in found if p.confidence >= self.threshold_for(p.name)]


class PatternValidator:
    """Runs a :class:`PatternMatcher` as a pipeline validator.

    Score: ``1 - min(errors, 10) / 10``.
    """

    name = "patterns"

    def __init__(self, matcher: PatternMatcher | None = None) -> None:
        self.matcher = matcher or PatternMatcher()

    def check(self, source: ParsedSource, context: ValidationContext) -> ValidatorReport:
        """Report every detection at or above its threshold."""
        started = time.perf_counter()
        sink = FindingSink(self.name)
        sink.findings.extend(
            p.to_finding(self.name) for p in self.matcher.detect_in_source(source, context)
        )
        errors = sum(1 for f in sink.findings if f.severity is Severity.ERROR)
        return sink.report(score=1 - min(errors, 10) / 10, started=started)
