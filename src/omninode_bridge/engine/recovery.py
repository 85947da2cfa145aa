"""Error recovery: match an error, pick a rung of the recovery ladder, run it, count it.

The ladder, from least to most drastic: RETRY (same operation, capped jittered
backoff), ALTERNATIVE_PATH (next alternative, e.g. another template),
GRACEFUL_DEGRADATION (lower a component's level), ERROR_CORRECTION (apply a
known fix to the code in the state), ESCALATION (hand the case to a human
with a snapshot). Patterns map error messages to a rung; unmatched errors are
classified by exception type. When a rung fails, the orchestrator climbs to
the next one that applies, so every case ends recovered or escalated, and
every rung tried is counted in :class:`RecoveryStatistics`.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from omninode_bridge.engine.retry import RetryPolicy, SleepFunc, call_with_retry
from omninode_bridge.logs import get_logger

if TYPE_CHECKING:
    from omninode_bridge.engine.signals import SignalCoordinator
    from omninode_bridge.ports import MetricsRecorder

__all__ = [
    "DEFAULT_ERROR_PATTERNS",
    "ErrorPattern",
    "ErrorRecoveryOrchestrator",
    "ErrorType",
    "RecoveryContext",
    "RecoveryOperation",
    "RecoveryResult",
    "RecoveryStatistics",
    "RecoveryStrategy",
]

log = get_logger(__name__, component="recovery")

RecoveryOperation = Callable[[dict[str, Any]], Awaitable[Any]]


class RecoveryStrategy(str, Enum):
    """Rungs of the recovery ladder, least drastic first."""

    RETRY = "retry"
    ALTERNATIVE_PATH = "alternative_path"
    GRACEFUL_DEGRADATION = "graceful_degradation"
    ERROR_CORRECTION = "error_correction"
    ESCALATION = "escalation"


class ErrorType(str, Enum):
    """Classification of an error."""

    SYNTAX = "syntax"
    IMPORT = "import"
    VALIDATION = "validation"
    RUNTIME = "runtime"
    TEMPLATE = "template"
    QUORUM = "quorum"
    TIMEOUT = "timeout"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ErrorPattern:
    """Maps error messages matching ``regex_pattern`` to a recovery strategy.

    Attributes:
        pattern_id: Unique id.
        error_type: Classification given to matching errors.
        regex_pattern: Searched case-insensitively in ``"<ExceptionType>: <message>"``.
        recovery_strategy: First rung to try.
        metadata: Strategy options (``max_retries``, ``fix``, ``component``...).
        priority: Higher is tried first.
    """

    pattern_id: str
    error_type: ErrorType
    regex_pattern: str
    recovery_strategy: RecoveryStrategy
    metadata: dict[str, Any] = field(default_factory=dict)
    priority: int = 50

    def __post_init__(self) -> None:
        try:
            re.compile(self.regex_pattern)
        except re.error as exc:
            raise ValueError(f"pattern {self.pattern_id!r}: invalid regex: {exc}") from exc

    def matches(self, text: str) -> bool:
        """Whether ``text`` contains a match."""
        return re.search(self.regex_pattern, text, re.IGNORECASE) is not None


DEFAULT_ERROR_PATTERNS: tuple[ErrorPattern, ...] = (
    ErrorPattern(
        "missing_async_keyword",
        ErrorType.SYNTAX,
        r"\bdef\s+execute",
        RecoveryStrategy.ERROR_CORRECTION,
        {"fix": "add_async_keyword"},
        90,
    ),
    ErrorPattern(
        "import_not_found",
        ErrorType.IMPORT,
        r"(ImportError|ModuleNotFoundError).*No module named",
        RecoveryStrategy.ALTERNATIVE_PATH,
        {"component": "import"},
        80,
    ),
    ErrorPattern(
        "template_rendering_error",
        ErrorType.TEMPLATE,
        r"(TemplateError|UndefinedError|TemplateSyntaxError|TemplateNotFound)",
        RecoveryStrategy.ALTERNATIVE_PATH,
        {"component": "template"},
        80,
    ),
    ErrorPattern(
        "validation_failed",
        ErrorType.VALIDATION,
        r"Validation(Error|Exception).*fail",
        RecoveryStrategy.GRACEFUL_DEGRADATION,
        {"component": "validation"},
        70,
    ),
    ErrorPattern(
        "quorum_consensus_failed",
        ErrorType.QUORUM,
        r"(Quorum\w*|Consensus\w*|InsufficientParticipation\w*)",
        RecoveryStrategy.RETRY,
        {"max_retries": 3},
        70,
    ),
    ErrorPattern(
        "operation_timeout",
        ErrorType.TIMEOUT,
        r"(TimeoutError|timed out|exceeded timeout)",
        RecoveryStrategy.RETRY,
        {"max_retries": 2},
        60,
    ),
)

_DEFAULT_ALTERNATIVES: Mapping[str, tuple[str, ...]] = {
    "template": ("template_simple", "template_minimal"),
    "import": ("typing", "collections.abc"),
}
_DEFAULT_DEGRADATION: Mapping[str, tuple[str, ...]] = {
    "validation": ("full", "basic", "minimal"),
    "quality": ("0.9", "0.8", "0.7", "0.6"),
    "quorum": ("full", "partial", "single"),
}
_LADDER = tuple(RecoveryStrategy)


@dataclass(slots=True)
class RecoveryContext:
    """Context for error recovery.

    Attributes:
        workflow_id: Workflow identifier.
        node_name: Node or step that encountered the error.
        exception: The original exception.
        state: Workflow state; strategies read and update it (``code``,
            ``template_name``, ``<component>_level``, ``escalation``).
        step_count: Steps executed before the error.
        correlation_id: Correlation id.
    """

    workflow_id: str
    node_name: str
    exception: Exception
    state: dict[str, Any] = field(default_factory=dict)
    step_count: int = 0
    correlation_id: str | None = None

    @property
    def error_text(self) -> str:
        """``"<ExceptionType>: <message>"`` used for pattern matching."""
        return f"{type(self.exception).__name__}: {self.exception}"


@dataclass(frozen=True, slots=True)
class RecoveryResult:
    """Result of error recovery.

    Attributes:
        success: Whether recovery succeeded.
        strategy_used: The rung that ended the case.
        result: The operation's result, when a rung re-ran it successfully.
        error_message: Why recovery failed.
        duration_ms: Time spent recovering.
        attempts: Operation attempts plus rungs tried.
        strategies_tried: Every rung tried, in order.
        pattern_matched: Id of the matching pattern, if any.
        error_type: Classification of the error.
        error_fixed: A correction was applied to the code.
        fallback_used: An alternative or degraded path was taken.
    """

    success: bool
    strategy_used: RecoveryStrategy
    result: Any = None
    error_message: str | None = None
    duration_ms: float = 0.0
    attempts: int = 1
    strategies_tried: tuple[RecoveryStrategy, ...] = ()
    pattern_matched: str | None = None
    error_type: ErrorType = ErrorType.UNKNOWN
    error_fixed: bool = False
    fallback_used: bool = False


@dataclass(frozen=True, slots=True)
class RecoveryStatistics:
    """Totals over an orchestrator's lifetime."""

    total_recoveries: int
    successful_recoveries: int
    failed_recoveries: int
    escalations: int
    rungs_tried: Mapping[str, int]
    rungs_succeeded: Mapping[str, int]
    by_error_type: Mapping[str, int]
    by_pattern: Mapping[str, int]
    average_duration_ms: float

    @property
    def success_rate(self) -> float:
        """Recovered cases over all cases (escalations count as handled, not recovered)."""
        return self.successful_recoveries / self.total_recoveries if self.total_recoveries else 0.0


@dataclass(frozen=True, slots=True)
class _Outcome:
    success: bool
    result: Any = None
    error: str | None = None
    attempts: int = 1
    error_fixed: bool = False
    fallback_used: bool = False


class ErrorRecoveryOrchestrator:
    """Centralised error recovery with a five-rung ladder.

    Args:
        metrics_collector: Receives ``error_recovery_*`` metrics.
        signal_coordinator: Unused by recovery itself; kept for API compatibility.
        max_retries: Default retries of the RETRY rung.
        base_delay: Initial backoff delay, seconds (capped at 30 s, jittered).
        sleep: Awaitable sleep for backoff, injectable for tests.
        notification_callback: Called with the escalation record on ESCALATION.
    """

    def __init__(
        self,
        metrics_collector: MetricsRecorder | None = None,
        signal_coordinator: SignalCoordinator | None = None,
        max_retries: int = 3,
        base_delay: float = 1.0,
        *,
        sleep: SleepFunc = asyncio.sleep,
        notification_callback: Callable[[Mapping[str, Any]], None] | None = None,
        alternatives: Mapping[str, tuple[str, ...]] | None = None,
        degradation_levels: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.metrics_collector = metrics_collector
        self.signal_coordinator = signal_coordinator
        self.max_retries = max_retries
        self.policy = RetryPolicy(initial_delay=base_delay, max_delay=30.0, jitter=base_delay / 2)
        self.sleep = sleep
        self.notification_callback = notification_callback
        self.alternatives = dict(alternatives or _DEFAULT_ALTERNATIVES)
        self.degradation_levels = dict(degradation_levels or _DEFAULT_DEGRADATION)
        self._patterns: list[ErrorPattern] = list(DEFAULT_ERROR_PATTERNS)
        self._total = self._ok = self._escalated = 0
        self._duration_ms = 0.0
        self._tried: dict[str, int] = {}
        self._succeeded: dict[str, int] = {}
        self._by_type: dict[str, int] = {}
        self._by_pattern: dict[str, int] = {}

    def add_error_pattern(self, pattern: ErrorPattern) -> None:
        """Add a custom pattern; replaces one with the same id."""
        self._patterns = [p for p in self._patterns if p.pattern_id != pattern.pattern_id]
        self._patterns.append(pattern)

    def match(self, context: RecoveryContext) -> tuple[ErrorType, ErrorPattern | None]:
        """Classify the error: the highest-priority matching pattern, else by type."""
        text = context.error_text
        for pattern in sorted(self._patterns, key=lambda p: -p.priority):
            if pattern.matches(text):
                return pattern.error_type, pattern
        return _classify(context.exception), None

    async def handle_error(
        self,
        context: RecoveryContext,
        operation: RecoveryOperation | None = None,
    ) -> RecoveryResult:
        """Recover from ``context.exception``, climbing the ladder until a rung works.

        Args:
            context: The failure.
            operation: ``async def operation(state) -> result``; re-run by the
                RETRY, ALTERNATIVE_PATH, GRACEFUL_DEGRADATION and
                ERROR_CORRECTION rungs after they adjusted the state. Without
                it, only rungs that change the state can succeed.
        """
        start = time.perf_counter()
        error_type, pattern = self.match(context)
        first = pattern.recovery_strategy if pattern else _DEFAULT_RUNG[error_type]
        options = pattern.metadata if pattern else {}
        tried: list[RecoveryStrategy] = []
        attempts = 0
        outcome = _Outcome(False, error=context.error_text)
        for rung in _LADDER[_LADDER.index(first) :]:
            tried.append(rung)
            outcome = await self._run_rung(rung, context, operation, options)
            attempts += outcome.attempts
            if outcome.success:
                break
        result = RecoveryResult(
            success=outcome.success and tried[-1] is not RecoveryStrategy.ESCALATION,
            strategy_used=tried[-1],
            result=outcome.result,
            error_message=None if outcome.success else outcome.error,
            duration_ms=(time.perf_counter() - start) * 1000,
            attempts=attempts,
            strategies_tried=tuple(tried),
            pattern_matched=pattern.pattern_id if pattern else None,
            error_type=error_type,
            error_fixed=outcome.error_fixed,
            fallback_used=outcome.fallback_used,
        )
        self._account(result)
        log.info(
            "recovery.finished",
            node_name=context.node_name,
            strategy=result.strategy_used.value,
            success=result.success,
            tried=[r.value for r in tried],
        )
        return result

    async def _run_rung(
        self,
        rung: RecoveryStrategy,
        context: RecoveryContext,
        operation: RecoveryOperation | None,
        options: Mapping[str, Any],
    ) -> _Outcome:
        if rung is RecoveryStrategy.RETRY:
            return await self._retry(context, operation, options)
        if rung is RecoveryStrategy.ALTERNATIVE_PATH:
            return await self._alternative(context, operation, options)
        if rung is RecoveryStrategy.GRACEFUL_DEGRADATION:
            return await self._degrade(context, operation, options)
        if rung is RecoveryStrategy.ERROR_CORRECTION:
            return await self._correct(context, operation, options)
        return self._escalate(context)

    async def _rerun(self, context: RecoveryContext, operation: RecoveryOperation) -> _Outcome:
        try:
            return _Outcome(True, await operation(context.state))
        except Exception as exc:
            return _Outcome(False, error=f"{type(exc).__name__}: {exc}")

    async def _retry(
        self,
        context: RecoveryContext,
        operation: RecoveryOperation | None,
        options: Mapping[str, Any],
    ) -> _Outcome:
        if operation is None:
            return _Outcome(False, error="retry needs an operation", attempts=0)
        retries = int(options.get("max_retries", self.max_retries))
        try:
            value, attempts = await call_with_retry(
                lambda: operation(context.state),
                retries=retries,
                timeout_seconds=None,
                policy=self.policy,
                sleep=self.sleep,
            )
        except Exception as exc:
            return _Outcome(False, error=f"{type(exc).__name__}: {exc}", attempts=retries + 1)
        return _Outcome(True, value, attempts=attempts)

    async def _alternative(
        self,
        context: RecoveryContext,
        operation: RecoveryOperation | None,
        options: Mapping[str, Any],
    ) -> _Outcome:
        component = str(options.get("component", "template"))
        choices = self.alternatives.get(component, ())
        used = context.state.setdefault("alternatives_used", [])
        remaining = [c for c in choices if c not in used]
        if not remaining or operation is None:
            return _Outcome(False, error=f"no alternative left for {component!r}", attempts=0)
        for choice in remaining:
            used.append(choice)
            context.state[f"{component}_name"] = choice
            outcome = await self._rerun(context, operation)
            if outcome.success:
                return _Outcome(True, outcome.result, attempts=len(used), fallback_used=True)
        return _Outcome(
            False, error=f"every alternative for {component!r} failed", attempts=len(remaining)
        )

    async def _degrade(
        self,
        context: RecoveryContext,
        operation: RecoveryOperation | None,
        options: Mapping[str, Any],
    ) -> _Outcome:
        component = str(options.get("component", "validation"))
        levels = self.degradation_levels.get(component, ())
        key = f"{component}_level"
        current = str(context.state.get(key, levels[0] if levels else ""))
        if current not in levels or levels.index(current) + 1 >= len(levels):
            return _Outcome(
                False, error=f"{component!r} is already at its lowest level", attempts=0
            )
        attempts = 0
        for level in levels[levels.index(current) + 1 :]:
            context.state[key] = level
            context.state["degraded"] = True
            if operation is None:
                # The state now asks for less, but nothing was re-run: the
                # error is not recovered and there is no result to hand back.
                return _Outcome(
                    False,
                    error=f"{component!r} degraded to {level!r}; no operation to re-run",
                    attempts=0,
                    fallback_used=True,
                )
            attempts += 1
            outcome = await self._rerun(context, operation)
            if outcome.success:
                return _Outcome(True, outcome.result, attempts=attempts, fallback_used=True)
        return _Outcome(False, error=f"{component!r} failed at every level", attempts=attempts)

    async def _correct(
        self,
        context: RecoveryContext,
        operation: RecoveryOperation | None,
        options: Mapping[str, Any],
    ) -> _Outcome:
        code = context.state.get("code")
        fix = options.get("fix")
        if not isinstance(code, str) or fix is None:
            return _Outcome(False, error="no known correction applies", attempts=0)
        corrected = _apply_fix(str(fix), code, options)
        if corrected == code:
            return _Outcome(False, error=f"correction {fix!r} changed nothing", attempts=0)
        context.state["code"] = corrected
        context.state["correction_applied"] = fix
        if operation is None:
            return _Outcome(True, corrected, attempts=0, error_fixed=True)
        outcome = await self._rerun(context, operation)
        return _Outcome(outcome.success, outcome.result, outcome.error, 1, error_fixed=True)

    def _escalate(self, context: RecoveryContext) -> _Outcome:
        record = {
            "workflow_id": context.workflow_id,
            "node_name": context.node_name,
            "step_count": context.step_count,
            "error_summary": context.error_text,
            "correlation_id": context.correlation_id,
            "state_keys": sorted(context.state),
        }
        context.state["escalation"] = record
        context.state["requires_human_intervention"] = True
        if self.notification_callback is not None:
            self.notification_callback(record)
        return _Outcome(True, None, error=context.error_text, attempts=0)

    def _account(self, result: RecoveryResult) -> None:
        self._total += 1
        self._ok += int(result.success)
        self._escalated += int(result.strategy_used is RecoveryStrategy.ESCALATION)
        self._duration_ms += result.duration_ms
        for rung in result.strategies_tried:
            self._tried[rung.value] = self._tried.get(rung.value, 0) + 1
        if result.success:
            key = result.strategy_used.value
            self._succeeded[key] = self._succeeded.get(key, 0) + 1
        self._by_type[result.error_type.value] = self._by_type.get(result.error_type.value, 0) + 1
        if result.pattern_matched:
            self._by_pattern[result.pattern_matched] = (
                self._by_pattern.get(result.pattern_matched, 0) + 1
            )
        collector = self.metrics_collector
        if collector is not None:
            tags = {"strategy": result.strategy_used.value, "success": str(result.success).lower()}
            collector.record_timing("error_recovery_total_time_ms", result.duration_ms, tags)
            collector.record_counter("error_recovery_attempts", result.attempts, tags)

    def get_statistics(self) -> RecoveryStatistics:
        """Totals, per-rung counts and per-error-type counts."""
        return RecoveryStatistics(
            total_recoveries=self._total,
            successful_recoveries=self._ok,
            failed_recoveries=self._total - self._ok,
            escalations=self._escalated,
            rungs_tried=dict(self._tried),
            rungs_succeeded=dict(self._succeeded),
            by_error_type=dict(self._by_type),
            by_pattern=dict(self._by_pattern),
            average_duration_ms=self._duration_ms / self._total if self._total else 0.0,
        )


_DEFAULT_RUNG: Mapping[ErrorType, RecoveryStrategy] = {
    ErrorType.SYNTAX: RecoveryStrategy.ERROR_CORRECTION,
    ErrorType.IMPORT: RecoveryStrategy.ALTERNATIVE_PATH,
    ErrorType.VALIDATION: RecoveryStrategy.GRACEFUL_DEGRADATION,
    ErrorType.TEMPLATE: RecoveryStrategy.ALTERNATIVE_PATH,
    ErrorType.TIMEOUT: RecoveryStrategy.RETRY,
    ErrorType.QUORUM: RecoveryStrategy.RETRY,
    ErrorType.RUNTIME: RecoveryStrategy.RETRY,
    ErrorType.UNKNOWN: RecoveryStrategy.RETRY,
}


def _classify(exc: BaseException) -> ErrorType:
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "SyntaxError" in names:
        return ErrorType.SYNTAX
    if "ImportError" in names:
        return ErrorType.IMPORT
    if "TimeoutError" in names:
        return ErrorType.TIMEOUT
    if names & {"TemplateError", "TemplateSyntaxError", "UndefinedError"}:
        return ErrorType.TEMPLATE
    if names & {"QuorumException", "InsufficientParticipationError"}:
        return ErrorType.QUORUM
    if names & {"ValidationError", "ValidationException", "TypeError", "ValueError"}:
        return ErrorType.VALIDATION
    return ErrorType.RUNTIME


def _apply_fix(fix: str, code: str, options: Mapping[str, Any]) -> str:
    if fix == "add_async_keyword":
        return re.sub(r"(?<!async )\bdef (execute\w*)", r"async def \1", code)
    if fix == "fix_import":
        return code.replace(str(options.get("old_import", "")), str(options.get("new_import", "")))
    if fix == "remove_duplicate":
        seen: set[str] = set()
        lines = []
        for line in code.splitlines():
            if line.strip() and line.strip().startswith(("import ", "from ")) and line in seen:
                continue
            seen.add(line)
            lines.append(line)
        return "\n".join(lines) + ("\n" if code.endswith("\n") else "")
    return code
