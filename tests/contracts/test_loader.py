"""Contract loaders: every fixture dialect, every invalid fixture rejected with its reason."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from omninode_bridge.contracts import (
    Contract,
    ContractDialect,
    ContractValidationError,
    NodeType,
    load_contract,
    load_contracts,
    parse_contract,
)
from omninode_bridge.errors import ContractError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "contracts"

INVALID: dict[str, tuple[int, str, str]] = {
    "schema_examples/invalid_circuit_breaker_threshold.yaml": (
        19,
        "advanced_features.circuit_breaker.failure_threshold",
        "150 is greater than the maximum 100",
    ),
    "schema_examples/invalid_health_check_interval.yaml": (
        20,
        "mixins[0].config.check_interval_ms",
        "500 is less than the minimum 1000",
    ),
    "schema_examples/invalid_missing_required_field.yaml": (
        17,
        "mixins[0]",
        "missing required field 'name'",
    ),
    "schema_examples/invalid_mixin_name.yaml": (
        17,
        "mixins[0].name",
        "'InvalidMixinName' does not match the pattern '^Mixin[A-Z][a-zA-Z0-9]*$'",
    ),
    "sample_contracts/invalid_mixin_name.yaml": (
        16,
        "mixin_configuration.mixins[0].mixin_name",
        "unknown mixin 'MixinDoesNotExist'",
    ),
    "sample_contracts/missing_dependency.yaml": (
        21,
        "mixin_configuration.mixins[0]",
        "MixinEventDrivenNode requires MixinNodeLifecycle",
    ),
}

VALID = sorted(
    str(p.relative_to(FIXTURES))
    for p in FIXTURES.rglob("*.yaml")
    if str(p.relative_to(FIXTURES)) not in INVALID
)


def write(tmp_path: Path, text: str, name: str = "contract.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


MINIMAL_V2 = textwrap.dedent(
    """
    name: NodeOrderLookupEffect
    version: {major: 1, minor: 2, patch: 3}
    node_type: effect
    description: Looks orders up in the order store.
    """
).lstrip()


def v2(extra: str = "") -> str:
    """The minimal v2 contract followed by ``extra`` (dedented)."""
    return MINIMAL_V2 + textwrap.dedent(extra).lstrip()


@pytest.mark.parametrize("relative", VALID, ids=VALID)
def test_every_valid_fixture_loads(relative: str) -> None:
    contract = load_contract(FIXTURES / relative)

    assert isinstance(contract, Contract)
    assert contract.name.startswith("Node")
    assert contract.name.endswith(contract.node_type.suffix)
    assert contract.operations
    assert contract.source_path == FIXTURES / relative


@pytest.mark.parametrize("relative", sorted(INVALID), ids=sorted(INVALID))
def test_every_invalid_fixture_is_rejected_with_line_field_and_reason(relative: str) -> None:
    line, field, reason = INVALID[relative]
    path = FIXTURES / relative

    with pytest.raises(ContractError) as caught:
        load_contract(path)

    assert f"{path}:{line}: {field}: {reason}" in str(caught.value)


def test_the_fixture_readme_lists_exactly_the_invalid_fixtures() -> None:
    readme = (FIXTURES / "README.md").read_text()
    listed = {
        line.split("contracts/", 1)[1].split()[0]
        for line in readme.splitlines()
        if line.startswith("- contracts/")
    }
    assert listed == set(INVALID)


@pytest.mark.parametrize(
    ("relative", "dialect"),
    [
        ("schema_examples/valid_complete_v2.yaml", ContractDialect.V2),
        ("node_packages/distributed_lock_effect.yaml", ContractDialect.NODE_PACKAGE),
        ("sample_contracts/api_client.yaml", ContractDialect.NODE_ID),
        ("fixtures/reducer_contract.yaml", ContractDialect.NODE_ID),
    ],
    ids=["v2", "node-package", "node-id-sample", "node-id-fixture"],
)
def test_dialect_is_recognised(relative: str, dialect: ContractDialect) -> None:
    assert load_contract(FIXTURES / relative).dialect is dialect


def test_v2_contract_is_normalised() -> None:
    contract = load_contract(FIXTURES / "schema_examples/valid_complete_v2.yaml")

    assert contract.name == "NodeAdvancedEventProcessorEffect"
    assert contract.service_name == "advanced_event_processor_effect"
    assert str(contract.version) == "2.0.0"
    assert contract.version.package_dir == "v2_0_0"
    assert contract.node_type is NodeType.EFFECT
    assert [m.name for m in contract.mixins][:2] == ["MixinHealthCheck", "MixinMetrics"]
    assert [op.name for op in contract.operations] == ["process"]
    assert contract.lifecycle_operations == ("initialize", "shutdown", "health_check", "metrics")
    breaker = contract.advanced_features.circuit_breaker
    assert breaker is not None
    assert breaker.failure_threshold == 5
    assert [s.name for s in breaker.services] == ["postgres", "kafka"]
    assert contract.advanced_features.transactions is not None
    health = contract.advanced_features.health_check
    assert health is not None
    assert [c.name for c in health.components] == ["database", "kafka_consumer", "circuit_breaker"]
    assert contract.dependencies[0].name == "postgres_connection_manager"
    assert contract.events.consumes == ("EVENT_PROCESSING_REQUESTED", "EVENT_PROCESSING_RETRY")
    assert contract.output_schema["properties"]["events_processed"]["minimum"] == 0


def test_node_package_contract_is_normalised() -> None:
    contract = load_contract(FIXTURES / "node_packages/distributed_lock_effect.yaml")

    assert contract.name == "NodeDistributedLockEffect"
    assert contract.service_name == "distributed_lock_effect"
    ops = {op.name: op.description for op in contract.operations}
    assert list(ops) == [
        "acquire_lock",
        "release_lock",
        "extend_lock",
        "get_lock_info",
        "cleanup_expired",
    ]
    assert ops["release_lock"] == "Release held lock"
    assert [e.code for e in contract.error_codes] == [
        "LOCK_HELD_BY_OTHER",
        "LOCK_NOT_FOUND",
        "LOCK_EXPIRED",
        "DATABASE_ERROR",
        "DEADLOCK_DETECTED",
    ]
    assert [io.operation_type for io in contract.io_operations] == [
        "database_write",
        "database_read",
    ]
    breaker = contract.advanced_features.circuit_breaker
    assert breaker is not None
    assert breaker.recovery_timeout_ms == 60_000
    assert contract.advanced_features.timeout_seconds == 30
    assert {d.name: d.version for d in contract.dependencies}["asyncpg"] == ">=0.27.0"
    assert "postgres_connection" in contract.subcontracts


def test_node_id_contract_is_normalised() -> None:
    contract = load_contract(FIXTURES / "sample_contracts/compute_cached.yaml")

    assert contract.name == "NodeComputeCachedCompute"
    assert contract.service_name == "compute_cached"
    assert contract.description == "Compute node with result caching and performance metrics"
    assert [op.name for op in contract.operations] == ["sum", "average", "transform"]
    assert contract.mixins[0].config["cache_ttl_seconds"] == 600
    assert contract.tags == ("compute", "caching", "metrics", "performance")


def test_node_id_service_name_from_metadata() -> None:
    contract = load_contract(FIXTURES / "fixtures/reducer_contract.yaml")

    assert contract.service_name == "event_aggregator"
    assert contract.name == "NodeEventAggregatorReducer"
    assert contract.domain == "event_processing"


def test_event_patterns_become_events() -> None:
    contract = load_contract(FIXTURES / "sample_contracts/orchestrator_workflow.yaml")

    assert contract.events.consumes == ("test.workflow.step.completed",)
    assert contract.events.produces == ("test.workflow.completed", "test.workflow.failed")


def test_field_lines_are_kept_for_messages() -> None:
    contract = load_contract(FIXTURES / "node_packages/distributed_lock_effect.yaml")

    assert contract.line_for("input_schema.properties.lock_name") == 44
    assert contract.line_for("operations[1]") == 42
    assert contract.location("service_name").endswith("distributed_lock_effect.yaml:2")
    assert contract.location("name").endswith("distributed_lock_effect.yaml:31")


def test_one_error_lists_every_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        name: NodeBrokenEffect
        version: {major: 1, minor: 0, patch: 0}
        node_type: effect
        description: Broken in several places at once.
        unknown_field: 1
        advanced_features:
          circuit_breaker:
            failure_threshold: 0
          retry_policy:
            max_attempts: 99
        mixins:
          - name: MixinHealthChek
        """,
    )

    with pytest.raises(ContractValidationError) as caught:
        load_contract(path)

    message = str(caught.value)
    assert message.startswith(f"4 problems in {path}:")
    assert f"{path}:5: unknown_field: warning: unknown field" in message
    assert f"{path}:8: advanced_features.circuit_breaker.failure_threshold: 0 is less" in message
    assert f"{path}:10: advanced_features.retry_policy.max_attempts: 99 is greater" in message
    assert f"{path}:12: mixins[0].name: unknown mixin 'MixinHealthChek'" in message
    assert "did you mean MixinHealthCheck" in message
    assert [p.line for p in caught.value.problems] == [5, 8, 10, 12]


def test_problems_across_files_are_reported_together(tmp_path: Path) -> None:
    good = write(tmp_path, MINIMAL_V2, "good.yaml")
    bad_one = write(tmp_path, "name: NodeXEffect\n", "bad_one.yaml")
    bad_two = write(tmp_path, "- a list\n", "bad_two.yaml")

    with pytest.raises(ContractValidationError) as caught:
        load_contracts([good, bad_one, bad_two])

    files = {p.file for p in caught.value.problems}
    assert files == {str(bad_one), str(bad_two)}
    assert "in 2 files" in str(caught.value)


def test_load_contracts_searches_directories_in_order(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL_V2, "b.yaml")
    (tmp_path / "nested").mkdir()
    write(
        tmp_path / "nested",
        MINIMAL_V2.replace("NodeOrderLookupEffect", "NodeAuditCompute").replace(
            "effect", "compute"
        ),
        "a.yml",
    )
    (tmp_path / "notes.txt").write_text("not a contract")

    contracts = load_contracts([tmp_path])

    assert [c.name for c in contracts] == ["NodeOrderLookupEffect", "NodeAuditCompute"]


def test_two_contracts_for_the_same_package_folder_are_refused(tmp_path: Path) -> None:
    first = write(tmp_path, MINIMAL_V2, "first.yaml")
    second = write(tmp_path, MINIMAL_V2, "second.yaml")

    with pytest.raises(ContractValidationError, match="same package folder") as caught:
        load_contracts([first, second])

    assert caught.value.problems[0].file == str(second)


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ContractValidationError, match="no such file or directory"):
        load_contracts([tmp_path / "absent.yaml"])


def test_empty_directory_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ContractValidationError, match=r"no \*\.yaml"):
        load_contracts([tmp_path])


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("node_id: ../../etc/evil\nnode_type: effect\nversion: v1_0_0\n", "node_id"),
        ("node_id: /abs/path\nnode_type: effect\nversion: v1_0_0\n", "node_id"),
        (
            "node_id: ok_name\nnode_type: effect\nversion: v1_0_0\n"
            "metadata:\n  service_name: a/b\n",
            "metadata.service_name",
        ),
        (
            "name: ../escape\nversion: {major: 1, minor: 0, patch: 0}\nnode_type: effect\n"
            "description: A node that tries to escape.\n",
            "name",
        ),
        (
            "name: sub/dir_effect\nversion: '1.0.0'\nnode_type: effect\n"
            "description: A node package that tries to escape.\nbase_class: NodeEffect\n",
            "name",
        ),
    ],
    ids=["dotdot", "absolute", "separator-in-service-name", "v2-name", "node-package-name"],
)
def test_names_that_would_write_outside_the_output_folder_are_rejected(
    text: str, field: str
) -> None:
    with pytest.raises(ContractValidationError) as caught:
        parse_contract(text, source="c.yaml")

    problems = [p for p in caught.value.problems if p.field == field]
    assert problems, str(caught.value)
    assert "would write outside the output folder" in problems[0].message


def test_name_must_match_node_type() -> None:
    text = MINIMAL_V2.replace("node_type: effect", "node_type: compute")

    with pytest.raises(ContractValidationError) as caught:
        parse_contract(text, source="c.yaml")

    assert "the name must end with 'Compute'" in str(caught.value)
    assert caught.value.problems[0].field == "node_type"
    assert caught.value.problems[0].line == 3


def test_type_errors_name_the_expected_type() -> None:
    text = MINIMAL_V2.replace("minor: 2", "minor: two")

    with pytest.raises(ContractValidationError) as caught:
        parse_contract(text, source="c.yaml")

    assert "c.yaml:2: version.minor: expected integer, got string 'two'" in str(caught.value)


def test_operation_names_must_be_snake_case(tmp_path: Path) -> None:
    path = tmp_path / "contract.yaml"
    path.write_text(
        v2(
            """
            subcontracts:
              effect:
                operations: [initialize, FetchOrder]
            """
        )
    )

    with pytest.raises(ContractValidationError) as caught:
        load_contract(path)

    problem = caught.value.problems[0]
    assert problem.field == "subcontracts.effect.operations[1]"
    assert problem.line == 7
    assert problem.message == "'FetchOrder' is not a snake_case name"


def test_io_operations_use_model_definitions() -> None:
    text = v2(
        """
        io_operations:
          - name: fetch_order
            description: Fetch one order.
            input_model: FetchInput
            output_model: FetchOutput
        definitions:
          FetchInput: {type: object, properties: {order_id: {type: string}}}
          FetchOutput: {type: object, properties: {total: {type: number}}}
        """
    )

    contract = parse_contract(text)

    (operation,) = contract.operations
    assert operation.name == "fetch_order"
    assert operation.input_schema == {
        "type": "object",
        "properties": {"order_id": {"type": "string"}},
    }
    assert operation.output_schema is not None


def test_yaml_level_problems_join_the_schema_problems() -> None:
    text = MINIMAL_V2 + "node_type: compute\nbogus: !!python/name:os.system ''\n"

    with pytest.raises(ContractValidationError) as caught:
        parse_contract(text, source="c.yaml")

    messages = [str(p) for p in caught.value.problems]
    assert any("duplicate key 'node_type' (first defined on line 3)" in m for m in messages)
    assert any(
        "tag 'tag:yaml.org,2002:python/name:os.system' is not allowed" in m for m in messages
    )
    assert any("bogus: warning: unknown field" in m for m in messages)


def test_non_mapping_document_is_rejected() -> None:
    with pytest.raises(ContractValidationError, match="expected a mapping of fields, got empty"):
        parse_contract("", source="c.yaml")


def test_disabled_mixin_is_kept_but_not_enabled() -> None:
    text = v2(
        """
        mixins:
          - {name: MixinMetrics}
          - {name: MixinCaching, enabled: false}
        """
    )

    contract = parse_contract(text)

    assert [m.name for m in contract.mixins] == ["MixinMetrics", "MixinCaching"]
    assert [m.name for m in contract.enabled_mixins] == ["MixinMetrics"]


def test_messages_say_what_was_expected() -> None:
    text = "node_id: order-service\nnode_type: effekt\nversion: 1.0\n"

    with pytest.raises(ContractValidationError) as caught:
        parse_contract(text, source="c.yaml")

    message = str(caught.value)
    assert "c.yaml:1: node_id: 'order-service' is not a snake_case name" in message
    assert (
        "c.yaml:2: node_type: 'effekt' is not one of: effect, compute, reducer, orchestrator\n"
        in (message + "\n")
    )
    assert "c.yaml:3: version: 1.0 is not valid: expected a version" in message
