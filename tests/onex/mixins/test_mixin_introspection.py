"""MixinNodeIntrospection and MixinRequestResponseIntrospection."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from omninode_bridge.onex import ModelONEXContainer, ModelOnexError, NodeReducer
from omninode_bridge.onex.mixins import (
    REDACTED,
    MixinLogData,
    MixinMetrics,
    MixinNodeIntrospection,
    MixinRequestResponseIntrospection,
)


class ModelItem(BaseModel):
    value: int


class NodeTallyReducer(
    NodeReducer, MixinRequestResponseIntrospection, MixinNodeIntrospection, MixinMetrics
):
    async def execute_reduction(self, input_data: Any) -> Any:
        async def handler(item: ModelItem) -> ModelItem:
            if item.value < 0:
                raise ValueError("negative")
            return ModelItem(value=item.value + 1)

        return await self.run_operation("add", handler, input_data, correlation_id="c-3")


def _node(config: dict[str, Any] | None = None) -> NodeTallyReducer:
    contract = {
        "name": "NodeTallyReducer",
        "node_type": "reducer",
        "version": {"major": 1, "minor": 2, "patch": 3},
        "description": "tally",
        "operations": ["add"],
        "capabilities": ["aggregation"],
        "event_patterns": {"subscribes": [{"topic": "items", "event_type": "Item"}]},
        "mixins": [
            {"name": "MixinRequestResponseIntrospection", "config": config or {}},
            "MixinNodeIntrospection",
        ],
    }
    return NodeTallyReducer(ModelONEXContainer(), contract=contract)


def test_introspection_describes_contract_and_mixins() -> None:
    described = _node().get_introspection()
    assert described.to_dict() == {
        "node_name": "NodeTallyReducer",
        "node_type": "reducer",
        "version": "1.2.3",
        "description": "tally",
        "operations": ["add"],
        "mixins": ["MixinRequestResponseIntrospection", "MixinNodeIntrospection", "MixinMetrics"],
        "capabilities": ["aggregation"],
        "subscribes": ["items"],
        "publishes": [],
    }


async def test_records_keep_payloads_only_when_asked() -> None:
    quiet = _node()
    loud = _node({"log_requests": True, "log_responses": True})
    for node in (quiet, loud):
        await node.initialize()
        await node.execute_reduction(ModelItem(value=1))
    (quiet_record,) = quiet.recent_operations()
    (loud_record,) = loud.recent_operations()
    assert quiet_record.request is None
    assert quiet_record.succeeded
    assert loud_record.request == {"value": 1}
    assert loud_record.response == {"value": 2}
    assert loud_record.correlation_id == "c-3"


async def test_failures_are_recorded_and_history_is_bounded() -> None:
    node = _node({"max_records": 2})
    await node.initialize()
    await node.execute_reduction(ModelItem(value=1))
    for _ in range(2):
        with pytest.raises(ModelOnexError):
            await node.execute_reduction(ModelItem(value=-1))
    records = node.recent_operations()
    assert len(records) == 2
    assert all(not r.succeeded for r in records)
    assert records[0].error_code == "ONEX_OPERATION_FAILED"
    assert records[0].error is not None
    assert "negative" in records[0].error


async def test_disabled_introspection_records_nothing() -> None:
    node = _node({"introspection_enabled": False})
    await node.initialize()
    await node.execute_reduction(ModelItem(value=1))
    assert node.recent_operations() == ()


class NodeRedactedReducer(NodeReducer, MixinRequestResponseIntrospection, MixinLogData):
    async def execute_reduction(self, input_data: Any) -> Any:
        async def handler(data: dict[str, Any]) -> dict[str, Any]:
            return {"token": "t-1", "ok": True}

        return await self.run_operation("login", handler, input_data)


async def test_records_are_redacted_when_the_node_logs_data() -> None:
    contract = {
        "name": "NodeRedactedReducer",
        "node_type": "reducer",
        "mixins": [
            {
                "name": "MixinRequestResponseIntrospection",
                "config": {"log_requests": True, "log_responses": True},
            },
            "MixinLogData",
        ],
    }
    node = NodeRedactedReducer(ModelONEXContainer(), contract=contract)
    await node.initialize()
    await node.execute_reduction({"user": "ann", "password": "p"})
    (record,) = node.recent_operations()
    assert record.request == {"user": "ann", "password": REDACTED}
    assert record.response == {"token": REDACTED, "ok": True}
