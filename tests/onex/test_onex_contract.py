"""NodeContract: the canonical form and the other dialects, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from omninode_bridge.onex import (
    EnumCoreErrorCode,
    EnumNodeType,
    EventPattern,
    ModelOnexError,
    NodeContract,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "contracts"


def test_canonical_mapping() -> None:
    contract = NodeContract.from_mapping(
        {
            "name": "NodeLockEffect",
            "node_type": "effect",
            "version": {"major": 2, "minor": 1, "patch": 0},
            "description": "locks",
            "operations": [{"name": "acquire"}, {"name": "release"}, {"name": "health_check"}],
            "mixins": [
                {"name": "MixinMetrics", "enabled": False, "config": {"x": 1}},
                "MixinCaching",
            ],
            "events": {"consumes": ["in.topic"], "produces": ["out.topic"]},
            "capabilities": [{"name": "locking"}, "leases"],
        }
    )
    assert contract.version == "2.1.0"
    assert contract.operations == ("acquire", "release")
    assert [(m.name, m.enabled) for m in contract.mixins] == [
        ("MixinMetrics", False),
        ("MixinCaching", True),
    ]
    assert contract.mixin("MixinMetrics") is not None
    assert contract.mixin("MixinNope") is None
    assert contract.subscribe_topics == ("in.topic",)
    assert contract.publish_topics == ("out.topic",)
    assert contract.capabilities == ("locking", "leases")


def test_node_id_dialect_with_event_patterns() -> None:
    contract = NodeContract.load(FIXTURES / "sample_contracts" / "orchestrator_workflow.yaml")
    assert contract.name == "orchestrator_workflow"
    assert contract.node_type is EnumNodeType.ORCHESTRATOR
    assert contract.version == "1.0.0"
    assert contract.mixins[0].name == "MixinEventDrivenNode"
    assert contract.mixins[0].config == {"event_bus_enabled": True, "introspection_enabled": True}
    assert contract.subscribes == (
        EventPattern("test.workflow.step.completed", "StepCompletedEvent"),
    )
    assert contract.publish_topics == ("test.workflow.completed", "test.workflow.failed")


def test_v2_dialect_operations_from_subcontracts() -> None:
    contract = NodeContract.load(FIXTURES / "schema_examples" / "valid_complete_v2.yaml")
    assert contract.name == "NodeAdvancedEventProcessorEffect"
    assert contract.operations == ("process",)
    assert contract.version == "2.0.0"
    assert len(contract.mixins) == 5


def test_node_package_dialect_operations_from_input_enum() -> None:
    contract = NodeContract.load(FIXTURES / "node_packages" / "distributed_lock_effect.yaml")
    assert contract.operations[:2] == ("acquire_lock", "release_lock")
    assert len(contract.operations) == 5


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("node_type: effect\n", "has no 'name'"),
        ("name: X\nnode_type: gadget\n", "node_type 'gadget' is not one of"),
        ("- a\n- b\n", "must be a mapping"),
        ("name: [unclosed\n", "is not valid YAML"),
    ],
    ids=["no-name", "bad-type", "not-mapping", "bad-yaml"],
)
def test_bad_contract_text(text: str, fragment: str) -> None:
    with pytest.raises(ModelOnexError) as info:
        NodeContract.from_yaml(text)
    assert info.value.error_code is EnumCoreErrorCode.CONFIGURATION_ERROR
    assert fragment in info.value.message


def test_yaml_tags_do_not_build_objects() -> None:
    with pytest.raises(ModelOnexError, match="not valid YAML"):
        NodeContract.from_yaml(
            "name: !!python/object/apply:os.system ['true']\nnode_type: effect\n"
        )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelOnexError, match="cannot read contract"):
        NodeContract.load(tmp_path / "absent.yaml")
