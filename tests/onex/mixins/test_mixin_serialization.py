"""MixinCanonicalYAMLSerializer: deterministic YAML and canonical JSON."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from omninode_bridge.onex import EnumCoreErrorCode, ModelONEXContainer, ModelOnexError, NodeReducer
from omninode_bridge.onex.mixins import MixinCanonicalYAMLSerializer, to_canonical_yaml


class NodeStateReducer(NodeReducer, MixinCanonicalYAMLSerializer):
    async def execute_reduction(self, input_data: Any) -> Any:
        return self.serialize_canonical(input_data)


def _node(config: dict[str, Any] | None = None) -> NodeStateReducer:
    contract = {
        "name": "NodeStateReducer",
        "node_type": "reducer",
        "mixins": [{"name": "MixinCanonicalYAMLSerializer", "config": config or {}}],
    }
    return NodeStateReducer(ModelONEXContainer(), contract=contract)


class ModelState(BaseModel):
    name: str
    tags: tuple[str, ...]


def test_key_order_does_not_change_the_text() -> None:
    first = to_canonical_yaml({"b": {"y": 1, "x": 2}, "a": [3, 1]})
    second = to_canonical_yaml({"a": [3, 1], "b": {"x": 2, "y": 1}})
    assert first == second == "a:\n- 3\n- 1\nb:\n  x: 2\n  y: 1\n"


def test_models_sets_and_long_strings() -> None:
    text = to_canonical_yaml({"state": ModelState(name="n", tags=("t",)), "ids": {3, 1, 2}})
    assert text == "ids:\n- 1\n- 2\n- 3\nstate:\n  name: n\n  tags:\n  - t\n"
    long_value = "word " * 100
    assert to_canonical_yaml({"k": long_value}).count("\n") == 1


def test_round_trip_and_json_mode() -> None:
    node = _node({"indent": 4})
    data = {"z": [{"b": 1, "a": 2}], "a": None}
    assert node.deserialize_canonical(node.serialize_canonical(data)) == data
    assert (
        _node({"yaml_output": False}).serialize_canonical(data) == '{"a":null,"z":[{"a":2,"b":1}]}'
    )


def test_unsupported_values_and_bad_text() -> None:
    with pytest.raises(ModelOnexError) as info:
        to_canonical_yaml({"when": object()})
    assert info.value.error_code is EnumCoreErrorCode.VALIDATION_ERROR
    with pytest.raises(ModelOnexError, match="not valid canonical YAML"):
        _node().deserialize_canonical("a: [")
