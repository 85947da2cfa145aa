"""Known fields in other shapes, as real contracts write them, read into the one Contract.

Each snippet is the shape as found in the original project's contracts or in
the public ``omnibase-infra`` / ``omnibase-core`` wheels.
"""

from __future__ import annotations

import textwrap

import pytest

from omninode_bridge.contracts import parse_contract
from omninode_bridge.contracts.model import Contract, ContractDialect, NodeType
from omninode_bridge.contracts.problems import ContractValidationError

NODE_PACKAGE = """\
name: order_store_effect
version: {major: 1, minor: 0, patch: 0}
node_type: effect
description: Stores orders.
"""
V2 = """\
schema_version: v2.0.0
name: NodeOrderStoreEffect
version: {major: 1, minor: 0, patch: 0}
node_type: effect
description: Stores orders.
"""


def load(base: str, extra: str = "", *, strict: bool = False) -> Contract:
    return parse_contract(base + textwrap.dedent(extra), source="c.yaml", strict=strict)


def test_dependencies_as_a_mapping() -> None:
    contract = load(
        NODE_PACKAGE,
        """
        dependencies:
          postgres: {required: true, version: "15"}
          python_packages: [asyncpg, pydantic]
        """,
    )
    assert [d.name for d in contract.dependencies] == ["postgres", "asyncpg", "pydantic"]
    assert contract.dependencies[0].version == "15"
    assert contract.warnings == ()


def test_dependencies_as_typed_entries_keep_their_extra_keys() -> None:
    contract = load(
        NODE_PACKAGE,
        """
        dependencies:
          - name: postgres_adapter
            type: protocol
            class_name: ProtocolPostgresAdapter
            module: omnibase_infra.protocols
            description: Database access.
          - {name: httpx, type: library, library: httpx, version: 0.27}
          - {name: cache, type: service, optional: true}
        """,
    )
    assert [d.name for d in contract.dependencies] == ["postgres_adapter", "httpx", "cache"]
    assert contract.dependencies[1].version == "0.27"
    assert contract.dependencies[2].required is False
    assert contract.extensions["dependencies[0].class_name"] == "ProtocolPostgresAdapter"
    assert contract.warnings == ()


def test_health_checks_as_a_list() -> None:
    contract = load(
        NODE_PACKAGE,
        """
        health_checks:
          - {name: database, critical: true, timeout_seconds: 2, check_type: connectivity}
          - cache
        """,
    )
    health = contract.advanced_features.health_check
    assert health is not None
    assert [c.name for c in health.components] == ["database", "cache"]
    assert contract.extensions["health_checks.components[0].check_type"] == "connectivity"


@pytest.mark.parametrize(
    ("policy", "attempts", "multiplier"),
    [
        ("retry_policy: exponential_backoff", 3, 2.0),
        ("retry_policy: {max_retries: 4, exponential_base: 3, retry_on: [TimeoutError]}", 5, 3.0),
        ("retry_policy: {max_attempts: 2, initial_delay_ms: 0}", 2, 2.0),
    ],
)
def test_retry_policy_shapes(policy: str, attempts: int, multiplier: float) -> None:
    contract = load(NODE_PACKAGE, f"error_handling:\n  {policy}\n")
    retry = contract.advanced_features.retry_policy
    assert retry is not None
    assert (retry.max_attempts, retry.backoff_multiplier) == (attempts, multiplier)


@pytest.mark.parametrize(
    ("breaker", "timeout_ms"),
    [
        ("{failure_threshold: 3, recovery_timeout_seconds: 30}", 30_000),
        ("{failure_threshold: 3, reset_timeout_ms: 45000}", 45_000),
    ],
)
def test_circuit_breaker_timeouts(breaker: str, timeout_ms: int) -> None:
    contract = load(NODE_PACKAGE, f"error_handling:\n  circuit_breaker: {breaker}\n")
    circuit = contract.advanced_features.circuit_breaker
    assert circuit is not None
    assert circuit.recovery_timeout_ms == timeout_ms


def test_operations_keyed_by_operation() -> None:
    contract = load(
        NODE_PACKAGE,
        """
        operations:
          - {operation: store_order, description: Store one order., idempotent: true}
          - {operation_name: load_order}
        """,
    )
    assert [o.name for o in contract.operations] == ["store_order", "load_order"]
    assert contract.extensions["operations[0].idempotent"] is True


def test_io_operations_in_three_shapes() -> None:
    contract = load(
        NODE_PACKAGE,
        """
        io_operations:
          - {name: database_write, description: Writes rows.}
          - {operation: publish, input_fields: [topic], output_fields: [offset], idempotent: false}
          - {operation_type: http_call, timeout_seconds: 5}
        """,
    )
    assert [io.operation_type for io in contract.io_operations] == [
        "database_write",
        "publish",
        "http_call",
    ]
    assert contract.extensions["io_operations[1].input_fields"] == ["topic"]


def test_capabilities_as_strings_and_with_versions() -> None:
    contract = load(
        NODE_PACKAGE,
        """
        capabilities:
          - order_storage
          - {name: order_query, description: Query orders., version: 1.2.0}
        """,
    )
    assert [c.name for c in contract.capabilities] == ["order_storage", "order_query"]
    assert contract.extensions["capabilities[1].version"] == "1.2.0"


def test_short_schema_version() -> None:
    contract = load(V2.replace("schema_version: v2.0.0", "schema_version: '2.0'"))
    assert contract.schema_version == "2.0"


def test_metadata_sla() -> None:
    contract = load(NODE_PACKAGE, "metadata:\n  sla: {p99_ms: 50}\n  domain: orders\n")
    assert contract.extensions["metadata.sla"] == {"p99_ms": 50}
    assert contract.domain == "orders"
    assert contract.warnings == ()


@pytest.mark.parametrize(
    ("name", "node_type", "class_name", "service"),
    [
        ("llm_effect", "effect", "NodeLlmEffect", "llm_effect"),
        ("NodeBridgeRegistry", "reducer", "NodeBridgeRegistryReducer", "bridge_registry_reducer"),
    ],
)
def test_v2_names_without_the_class_pattern(
    name: str, node_type: str, class_name: str, service: str
) -> None:
    text = V2.replace("NodeOrderStoreEffect", name).replace(
        "node_type: effect", f"node_type: {node_type}"
    )
    contract = load(text)
    assert (contract.name, contract.service_name) == (class_name, service)


def test_a_name_with_another_type_suffix_is_still_refused() -> None:
    with pytest.raises(ContractValidationError, match="must end with 'Compute'"):
        load(V2.replace("node_type: effect", "node_type: compute"))


def test_mixin_config_spelled_as_other_upstream_documents() -> None:
    contract = load(
        V2,
        """
        mixins:
          - name: MixinCaching
            config: {ttl_seconds: 60, max_entries: 500}
          - name: MixinHealthCheck
            config: {critical_components: [database], unknown_knob: 1}
        """,
    )
    caching, health = contract.mixins
    assert caching.config == {"cache_ttl_seconds": 60, "max_cache_size": 500}
    assert health.config == {"components": [{"name": "database", "critical": True}]}
    [warning] = contract.warnings
    assert warning.field == "mixins[1].config.unknown_knob"
    assert warning.line == 11


def test_unknown_fields_are_warnings_with_a_close_match_and_kept() -> None:
    contract = load(
        V2,
        """
        monitoring: {dashboards: [orders]}
        created_at: 2025-01-01
        capabilites: [order_storage]
        """,
    )
    fields = {w.field: w for w in contract.warnings}
    assert set(fields) == {"monitoring", "created_at", "capabilites"}
    assert "did you mean 'capabilities'" in fields["capabilites"].message
    assert fields["monitoring"].line == 7
    assert contract.extensions["monitoring"] == {"dashboards": ["orders"]}


def test_strict_turns_warnings_into_errors() -> None:
    with pytest.raises(ContractValidationError) as caught:
        load(V2, "monitoring: {}\n", strict=True)
    [problem] = caught.value.problems
    assert (problem.field, problem.warning) == ("monitoring", False)


def test_wrong_types_of_fields_that_shape_the_code_are_still_refused() -> None:
    with pytest.raises(ContractValidationError) as caught:
        load(V2, "input_state: [not, a, schema]\n")
    assert caught.value.problems[0].field == "input_state"


def test_node_identity_dialect() -> None:
    contract = parse_contract(
        textwrap.dedent(
            """
            node_identity:
              name: bridge_registry
              node_type: reducer
              version: 1.2.0
              description: Keeps the registry of bridges.
              owner: platform
            monitoring: {enabled: true}
            """
        ),
        source="c.yaml",
    )
    assert contract.dialect is ContractDialect.NODE_IDENTITY
    assert (contract.name, contract.node_type) == ("NodeBridgeRegistryReducer", NodeType.REDUCER)
    assert str(contract.version) == "1.2.0"
    assert contract.extensions["node_identity.owner"] == "platform"
