"""ErrorRecoveryOrchestrator: matching, the ladder, statistics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from omninode_bridge.agents.metrics import MetricsCollector
from omninode_bridge.engine.recovery import (
    ErrorPattern,
    ErrorRecoveryOrchestrator,
    ErrorType,
    RecoveryContext,
    RecoveryStrategy,
)


class FakeSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def orchestrator(**kw: Any) -> tuple[ErrorRecoveryOrchestrator, FakeSleep]:
    sleep = FakeSleep()
    return ErrorRecoveryOrchestrator(max_retries=2, base_delay=1.0, sleep=sleep, **kw), sleep


def ctx(exc: Exception, **state: Any) -> RecoveryContext:
    return RecoveryContext(workflow_id="wf", node_name="gen", exception=exc, state=dict(state))


async def test_transient_error_is_retried_with_capped_backoff() -> None:
    orch, sleep = orchestrator()
    calls = 0

    async def op(state: dict[str, Any]) -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ConnectionError("reset")
        return "ok"

    result = await orch.handle_error(ctx(ConnectionError("reset")), op)
    assert result.success and result.result == "ok"
    assert result.strategy_used is RecoveryStrategy.RETRY
    assert result.attempts == 3
    assert len(sleep.delays) == 2 and all(1.0 <= d <= 30.0 for d in sleep.delays)


async def test_template_error_takes_alternative_path() -> None:
    orch, _ = orchestrator()

    async def op(state: dict[str, Any]) -> str:
        if state["template_name"] != "template_minimal":
            raise RuntimeError("still broken")
        return "rendered"

    exc = RuntimeError("UndefinedError: 'node_name' is undefined")
    result = await orch.handle_error(ctx(exc), op)
    assert result.success and result.fallback_used
    assert result.strategy_used is RecoveryStrategy.ALTERNATIVE_PATH
    assert result.pattern_matched == "template_rendering_error"
    assert result.error_type is ErrorType.TEMPLATE


async def test_validation_failure_degrades_level() -> None:
    orch, _ = orchestrator()

    async def op(state: dict[str, Any]) -> str:
        if state["validation_level"] == "basic":
            return "accepted at basic"
        raise RuntimeError("no")

    class ValidationError(Exception):
        pass

    result = await orch.handle_error(ctx(ValidationError("schema failed validation")), op)
    assert result.success
    assert result.strategy_used is RecoveryStrategy.GRACEFUL_DEGRADATION
    assert result.result == "accepted at basic"


async def test_sync_execute_is_corrected() -> None:
    orch, _ = orchestrator()
    code = "class N:\n    def execute_effect(self):\n        return 1\n"
    seen: list[str] = []

    async def op(state: dict[str, Any]) -> str:
        seen.append(state["code"])
        return "compiled"

    result = await orch.handle_error(
        ctx(SyntaxError("def execute_effect is not async"), code=code), op
    )
    assert result.success and result.error_fixed
    assert result.strategy_used is RecoveryStrategy.ERROR_CORRECTION
    assert "async def execute_effect" in seen[0]


async def test_unrecoverable_error_climbs_to_escalation_and_counts_every_rung() -> None:
    escalations: list[Mapping[str, Any]] = []
    metrics = MetricsCollector()
    orch, _ = orchestrator(notification_callback=escalations.append, metrics_collector=metrics)

    async def op(state: dict[str, Any]) -> None:
        raise RuntimeError("always")

    context = ctx(RuntimeError("always"))
    result = await orch.handle_error(context, op)
    assert not result.success
    assert result.strategy_used is RecoveryStrategy.ESCALATION
    assert result.strategies_tried[0] is RecoveryStrategy.RETRY
    assert context.state["requires_human_intervention"] is True
    assert escalations[0]["node_name"] == "gen"
    stats = orch.get_statistics()
    assert stats.total_recoveries == 1 and stats.escalations == 1
    assert stats.rungs_tried["retry"] == 1 and stats.rungs_tried["escalation"] == 1
    assert metrics.get_summary("error_recovery_total_time_ms") is not None


async def test_custom_pattern_takes_priority() -> None:
    orch, _ = orchestrator()
    orch.add_error_pattern(
        ErrorPattern(
            pattern_id="custom_timeout",
            error_type=ErrorType.TIMEOUT,
            regex_pattern=r"Custom.*timeout",
            recovery_strategy=RecoveryStrategy.RETRY,
            metadata={"max_retries": 5},
            priority=100,
        )
    )

    async def op(state: dict[str, Any]) -> str:
        return "ok"

    result = await orch.handle_error(ctx(RuntimeError("Custom op timeout")), op)
    assert result.pattern_matched == "custom_timeout"
    assert result.success


def test_invalid_regex_rejected() -> None:
    with pytest.raises(ValueError, match="invalid regex"):
        ErrorPattern("bad", ErrorType.RUNTIME, "(", RecoveryStrategy.RETRY)


async def test_success_rate() -> None:
    orch, _ = orchestrator()

    async def ok(state: dict[str, Any]) -> int:
        return 1

    await orch.handle_error(ctx(RuntimeError("x")), ok)
    assert orch.get_statistics().success_rate == 1.0


async def test_an_unrecovered_runtime_error_is_not_reported_as_success() -> None:
    """Without an operation nothing is re-run: no rung recovers, the result says so."""
    orchestrator = ErrorRecoveryOrchestrator()
    context = RecoveryContext(
        workflow_id="codegen-1", node_name="generator", exception=RuntimeError("crashed")
    )

    result = await orchestrator.handle_error(context)

    assert not result.success
    assert result.result is None
    assert result.strategy_used is RecoveryStrategy.ESCALATION
    assert context.state["requires_human_intervention"] is True
