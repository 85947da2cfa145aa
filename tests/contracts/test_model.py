"""The canonical Contract model: invariants a generator relies on."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from omninode_bridge.contracts import Contract, ContractVersion, NodeType, Operation
from omninode_bridge.contracts.model import translate_path


def make(**overrides: Any) -> Contract:
    fields: dict[str, Any] = {
        "name": "NodeOrderLookupEffect",
        "node_type": "effect",
        "service_name": "order_lookup_effect",
        "version": {"major": 1, "minor": 2, "patch": 3},
        "description": "Looks orders up.",
    }
    fields.update(overrides)
    return Contract(**fields)


def test_defaults_give_one_process_operation_and_object_schemas() -> None:
    contract = make()

    assert [op.name for op in contract.operations] == ["process"]
    assert contract.input_schema == {"type": "object", "properties": {}}
    assert contract.pascal_name == "OrderLookup"
    assert contract.node_type.base_class == "NodeEffect"
    assert contract.version.package_dir == "v1_2_3"
    assert str(contract.version) == "1.2.3"


def test_contract_is_frozen() -> None:
    contract = make()

    with pytest.raises(ValidationError):
        contract.name = "NodeOtherEffect"  # type: ignore[misc]


@pytest.mark.parametrize(
    "service_name",
    ["../up", "/abs", "a/b", "a\\b", "Upper", "with-dash", "class", ""],
    ids=["dotdot", "absolute", "slash", "backslash", "upper", "dash", "keyword", "empty"],
)
def test_service_name_must_be_a_safe_identifier(service_name: str) -> None:
    with pytest.raises(ValidationError):
        make(service_name=service_name)


@pytest.mark.parametrize(
    "name",
    ["OrderLookupEffect", "NodeEffect", "Node_orderEffect", "NodeOrderLookup"],
    ids=["no-prefix", "no-middle", "underscore", "no-suffix"],
)
def test_name_must_be_node_name_type(name: str) -> None:
    with pytest.raises(ValidationError):
        make(name=name)


def test_node_type_must_match_the_name_suffix() -> None:
    with pytest.raises(ValidationError, match="the name must end with 'Compute'"):
        make(node_type=NodeType.COMPUTE)


def test_duplicate_operations_are_refused() -> None:
    with pytest.raises(ValidationError, match="duplicate operation names: fetch"):
        make(operations=[Operation(name="fetch"), Operation(name="fetch")])


def test_empty_operations_are_refused() -> None:
    with pytest.raises(ValidationError, match="operations must not be empty"):
        make(operations=[])


def test_operation_name_cannot_be_a_keyword() -> None:
    with pytest.raises(ValidationError, match="Python keyword"):
        Operation(name="import")


def test_schema_must_be_an_object_schema() -> None:
    with pytest.raises(ValidationError, match="type 'object'"):
        make(input_schema={"type": "array"})


def test_version_parts_are_non_negative() -> None:
    with pytest.raises(ValidationError):
        ContractVersion(major=-1, minor=0, patch=0)


def test_line_for_translates_canonical_fields_to_source_paths() -> None:
    contract = make(
        source_lines={"input_state": 10, "input_state.properties.a": 12, "mixins[1]": 20},
        field_origins={"input_schema": "input_state", "mixins": "mixins"},
    )

    assert contract.line_for("input_schema.properties.a") == 12
    assert contract.line_for("input_schema.properties.missing") == 10
    assert contract.line_for("mixins[1].config.x") == 20
    assert contract.line_for("nowhere") is None
    assert contract.location("input_schema") == "<contract NodeOrderLookupEffect>:10"


def test_translate_path_prefers_the_longest_origin() -> None:
    origins = {"operations": "ops", "operations[1]": "subcontracts.effect.operations[4]"}

    assert translate_path("operations[1].name", origins) == "subcontracts.effect.operations[4].name"
    assert translate_path("operations[0].name", origins) == "ops[0].name"
    assert translate_path("other.x", origins) == "other.x"


def test_enabled_mixins_skip_disabled_ones() -> None:
    contract = make(mixins=[{"name": "MixinMetrics"}, {"name": "MixinCaching", "enabled": False}])

    assert [m.name for m in contract.enabled_mixins] == ["MixinMetrics"]
