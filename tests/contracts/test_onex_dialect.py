"""The omnibase_core dialect, from trimmed copies of real contracts of the public wheels."""

from __future__ import annotations

import textwrap

import pytest

from omninode_bridge.contracts import parse_contract
from omninode_bridge.contracts.model import ContractDialect, NodeType
from omninode_bridge.contracts.problems import ContractValidationError

# From omnibase_infra/nodes/node_registry_effect/contract.yaml (trimmed).
REGISTRY = textwrap.dedent(
    """
    name: "node_registry_effect"
    contract_version: {major: 1, minor: 1, patch: 0}
    node_version: "1.0.0"
    node_type: "EFFECT_GENERIC"
    description: "Effect node for dual registration to Consul and PostgreSQL."
    input_model:
      name: "ModelRegistryRequest"
      module: "omnibase_infra.nodes.node_registry_effect.models"
    output_model: "omnibase_infra.nodes.node_registry_effect.models.ModelRegistryResponse"
    handler_routing:
      routing_strategy: "operation_match"
      handlers:
        - operation: "register_node"
          handler:
            name: "HandlerRegisterNode"
            module: "omnibase_infra.nodes.node_registry_effect.handlers.handler_register"
          output_fields: [success]
        - operation: "registry.deregister"
          handler: {name: "HandlerDeregister", module: "omnibase_infra.handlers"}
    event_bus:
      version: {major: 1, minor: 0, patch: 0}
      subscribe_topics: ["onex.evt.node-introspected.v1"]
      publish_topics: ["onex.evt.node-registered.v1"]
    dependencies:
      - {name: consul, type: service, description: Service discovery}
    error_handling:
      retry_policy: {max_retries: 3, exponential_base: 2}
      error_types: [{name: CONSUL_DOWN, recoverable: true}]
    descriptor: {node_archetype: effect, timeout_ms: 30000}
    """
)


def test_a_real_contract_reads_into_the_one_model() -> None:
    contract = parse_contract(REGISTRY, source="contract.yaml")

    assert contract.dialect is ContractDialect.ONEX
    assert (contract.name, contract.service_name) == ("NodeRegistryEffect", "node_registry_effect")
    assert contract.node_type is NodeType.EFFECT
    assert str(contract.version) == "1.1.0"
    assert contract.node_version == "1.0.0"
    assert contract.input_model is not None
    assert contract.input_model.qualified == (
        "omnibase_infra.nodes.node_registry_effect.models.ModelRegistryRequest"
    )
    assert contract.output_model is not None
    assert contract.output_model.name == "ModelRegistryResponse"
    assert contract.routing_strategy == "operation_match"
    assert [r.handler.name for r in contract.handlers] == [
        "HandlerRegisterNode",
        "HandlerDeregister",
    ]
    assert [o.name for o in contract.operations] == ["register_node", "registry_deregister"]
    assert contract.events.consumes == ("onex.evt.node-introspected.v1",)
    assert contract.events.produces == ("onex.evt.node-registered.v1",)
    assert [d.name for d in contract.dependencies] == ["consul"]
    retry = contract.advanced_features.retry_policy
    assert retry is not None and retry.max_attempts == 4
    assert contract.extensions["descriptor"] == {"node_archetype": "effect", "timeout_ms": 30000}
    assert contract.extensions["handler_routing.handlers[0].output_fields"] == ["success"]
    assert contract.warnings == ()


@pytest.mark.parametrize(
    ("spelling", "node_type"),
    [("COMPUTE_GENERIC", NodeType.COMPUTE), ("compute", NodeType.COMPUTE),
     ("ORCHESTRATOR_GENERIC", NodeType.ORCHESTRATOR), ("reducer", NodeType.REDUCER)],
)  # fmt: skip
def test_node_type_spellings(spelling: str, node_type: NodeType) -> None:
    text = REGISTRY.replace('"EFFECT_GENERIC"', spelling).replace("registry_effect", "registry")
    assert parse_contract(text).node_type is node_type


def test_an_unknown_node_type_is_refused_with_the_choices() -> None:
    with pytest.raises(ContractValidationError) as caught:
        parse_contract(REGISTRY.replace("EFFECT_GENERIC", "SIDE_EFFECT"), source="c.yaml")
    [problem] = caught.value.problems
    assert problem.field == "node_type" and problem.line == 5
    assert "EFFECT_GENERIC" in problem.message


def test_a_model_reference_that_is_not_a_class_is_refused() -> None:
    text = REGISTRY.replace('name: "ModelRegistryRequest"', 'name: "not a class"')
    with pytest.raises(ContractValidationError) as caught:
        parse_contract(text, source="c.yaml")
    assert caught.value.problems[0].field == "input_model"


def test_a_name_that_escapes_the_output_folder_is_refused() -> None:
    text = REGISTRY.replace('name: "node_registry_effect"', 'name: "../../etc"')
    with pytest.raises(ContractValidationError, match="outside the output folder"):
        parse_contract(text, source="c.yaml")


def test_unknown_top_level_keys_warn_with_a_close_match() -> None:
    contract = parse_contract(REGISTRY + "handler_routng: {}\nwiring_config: {a: 1}\n")
    fields = {w.field: w.message for w in contract.warnings}
    assert "did you mean 'handler_routing'" in fields["handler_routng"]
    assert "wiring_config" in fields
    assert contract.extensions["wiring_config"] == {"a": 1}


def test_a_runtime_contract_without_a_name_is_named_after_its_file(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    path = folder / "runtime_orchestrator.yaml"
    path.write_text(
        "node_type: ORCHESTRATOR_GENERIC\ncontract_version: {major: 1, minor: 1, patch: 0}\n",
        encoding="utf-8",
    )
    from omninode_bridge.contracts import load_contract

    contract = load_contract(path)
    assert contract.service_name == "runtime_orchestrator"
    assert contract.name == "NodeRuntimeOrchestrator"
    assert {w.message.split(";")[0] for w in contract.warnings} >= {"no name"}
