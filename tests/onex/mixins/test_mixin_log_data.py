"""MixinLogData: node context, redaction, level filter, operation logging."""

from __future__ import annotations

from typing import Any

import pytest

from omninode_bridge.onex import (
    EnumCoreErrorCode,
    EnumLogLevel,
    ModelONEXContainer,
    ModelOnexError,
    NodeEffect,
    capture_log_events,
)
from omninode_bridge.onex.mixins import REDACTED, MixinLogData


class NodeLoggedEffect(NodeEffect, MixinLogData):
    async def execute_effect(self, input_data: Any) -> Any:
        async def handler(value: str) -> str:
            if value == "bad":
                raise ModelOnexError(
                    error_code=EnumCoreErrorCode.INVALID_INPUT, message="bad value"
                )
            return value

        return await self.run_operation("store", handler, input_data, correlation_id="c-7")


def _node(config: dict[str, Any] | None = None) -> NodeLoggedEffect:
    contract = {
        "name": "NodeLoggedEffect",
        "node_type": "effect",
        "mixins": [{"name": "MixinLogData", "config": config or {}}],
    }
    return NodeLoggedEffect(ModelONEXContainer(), contract=contract)


def test_log_data_adds_context_and_redacts_at_any_depth() -> None:
    node = _node()
    with capture_log_events() as events:
        node.log_data(
            EnumLogLevel.INFO,
            "user.created",
            {"user": "ann", "Password": "p", "nested": {"api_key": "k", "items": [{"token": "t"}]}},
            correlation_id="c-1",
        )
    (event,) = events
    assert event.data == {
        "node": "NodeLoggedEffect",
        "node_type": "effect",
        "correlation_id": "c-1",
        "user": "ann",
        "Password": REDACTED,
        "nested": {"api_key": REDACTED, "items": [{"token": REDACTED}]},
    }


def test_level_filter_and_options() -> None:
    node = _node(
        {
            "log_level": "WARNING",
            "redact_sensitive_fields": False,
            "include_correlation_id": False,
        }
    )
    with capture_log_events() as events:
        assert node.log_data(EnumLogLevel.INFO, "quiet") is None
        node.log_data(EnumLogLevel.ERROR, "loud", {"secret": "s"}, correlation_id="c")
    assert [e.message for e in events] == ["loud"]
    assert events[0].data["secret"] == "s"
    assert "correlation_id" not in events[0].data


def test_custom_patterns_and_unstructured_output() -> None:
    node = _node({"sensitive_field_patterns": ["^ssn$"], "structured_logging": False})
    assert node.redact({"ssn": "1", "password": "p"}) == {"ssn": REDACTED, "password": "p"}
    with capture_log_events() as events:
        node.log_data(EnumLogLevel.INFO, "saved", {"id": 3})
    assert events[0].message == "saved node=NodeLoggedEffect node_type=effect id=3"
    assert events[0].data == {}


async def test_operations_are_logged_with_error_codes() -> None:
    node = _node({"log_level": "DEBUG"})
    await node.initialize()
    with capture_log_events() as events:
        await node.execute_effect("ok")
        with pytest.raises(ModelOnexError):
            await node.execute_effect("bad")
    messages = [e.message for e in events]
    assert messages == [
        "node.operation.started",
        "node.operation.completed",
        "node.operation.started",
        "node.operation.failed",
    ]
    failed = events[-1]
    assert failed.level is EnumLogLevel.ERROR
    assert failed.data["error_code"] == "ONEX_INVALID_INPUT"
    assert failed.data["correlation_id"] == "c-7"
