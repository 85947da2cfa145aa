"""PRD analysis: deterministic contracts from Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest

from omninode_bridge.contracts import (
    ContractDialect,
    ContractValidationError,
    NodeType,
    dump_contract,
    parse_contract,
)
from omninode_bridge.contracts.prd import analyze_prd, contracts_from_prd, load_prd

PRDS = Path(__file__).resolve().parents[1] / "fixtures" / "prds"
EXCLUDED = {"source_path", "dialect", "source_lines", "field_origins"}


def test_title_sections_and_requirements_are_read() -> None:
    analysis = analyze_prd((PRDS / "user_management.md").read_text())

    assert analysis.title == "User Management Service"
    assert analysis.title_line == 1
    assert [s.kind for s in analysis.sections] == [
        "overview",
        "requirements",
        "features",
        "criteria",
        "technical",
        "dependencies",
    ]
    assert analysis.overview.startswith("A service that stores user accounts")
    assert [r.line for r in analysis.requirements] == [10, 11, 12, 13, 17, 18]
    assert analysis.base_name == "user_management"
    assert analysis.domain == "user"


def test_effect_prd_gives_one_effect_contract() -> None:
    (contract,) = load_prd(PRDS / "user_management.md")

    assert contract.name == "NodeUserManagementEffect"
    assert contract.service_name == "user_management_effect"
    assert contract.node_type is NodeType.EFFECT
    assert contract.dialect is ContractDialect.PRD
    assert [op.name for op in contract.operations] == [
        "create_user_accounts",
        "update_user_profiles",
        "delete_user_accounts",
        "store_password_hashes",
        "audit_log",
        "cache_recent_profile_lookups",
    ]
    assert contract.operations[0].description == "Create new user accounts with email validation"
    assert [m.name for m in contract.mixins] == [
        "MixinHealthCheck",
        "MixinMetrics",
        "MixinCaching",
        "MixinLogData",
    ]
    assert [d.name for d in contract.dependencies] == ["postgresql", "redis", "external_api"]
    assert contract.advanced_features.retry_policy is not None
    enum = contract.input_schema["properties"]["operation_type"]["enum"]
    assert enum == [op.name for op in contract.operations]
    assert contract.line_for("operations[2].name") == 12


def test_mixed_prd_gives_two_nodes_and_splits_operations() -> None:
    reducer, compute = load_prd(PRDS / "metrics_pipeline.md")

    assert reducer.name == "NodeMetricsAggregationPipelineReducer"
    assert compute.name == "NodeMetricsAggregationPipelineCompute"
    assert [op.name for op in reducer.operations] == [
        "aggregate_raw_measurements",
        "summarize_window",
        "merge_late_measurements",
        "consolidate_summaries",
    ]
    assert "calculate_percentiles" in [op.name for op in compute.operations]
    assert "MixinEventBus" not in [m.name for m in compute.mixins]
    detail = next(op for op in compute.operations if op.name == "process_outlier_detection")
    assert "three standard deviations" in detail.description


def test_fenced_code_is_ignored() -> None:
    analysis = analyze_prd((PRDS / "metrics_pipeline.md").read_text())

    assert all("Delete everything" not in r.text for r in analysis.requirements)


def test_explicit_node_type_and_named_operations() -> None:
    (contract,) = load_prd(PRDS / "order_fulfilment.md")

    assert contract.node_type is NodeType.ORCHESTRATOR
    assert [(op.name, op.description) for op in contract.operations] == [
        ("start_fulfilment", "Begin fulfilment of a paid order"),
        ("cancel_fulfilment", "Cancel fulfilment and release reserved stock"),
        ("report_fulfilment_status", "Report fulfilment status to the customer service desk"),
    ]


@pytest.mark.parametrize("prd", sorted(p.name for p in PRDS.glob("*.md")))
def test_analysis_is_deterministic(prd: str) -> None:
    text = (PRDS / prd).read_text()

    first = [c.model_dump() for c in contracts_from_prd(text)]
    second = [c.model_dump() for c in contracts_from_prd(text)]

    assert first == second


@pytest.mark.parametrize("prd", sorted(p.name for p in PRDS.glob("*.md")))
def test_prd_contracts_round_trip_through_yaml(prd: str) -> None:
    for contract in load_prd(PRDS / prd):
        text = dump_contract(contract, header=f"Derived from {prd}")

        reloaded = parse_contract(text, source=f"{contract.service_name}.yaml")

        assert reloaded.model_dump(exclude=EXCLUDED) == contract.model_dump(exclude=EXCLUDED)


def test_prd_without_requirements_gets_a_process_operation() -> None:
    (contract,) = contracts_from_prd("# Inventory\n\nKeeps stock levels.\n")

    assert contract.name == "NodeInventoryEffect"
    assert [op.name for op in contract.operations] == ["process"]
    assert contract.description == "Keeps stock levels."


def test_at_most_max_nodes_are_generated() -> None:
    text = (PRDS / "metrics_pipeline.md").read_text()

    assert len(contracts_from_prd(text, max_nodes=1)) == 1


@pytest.mark.parametrize(
    ("bullet", "name"),
    [
        ("The system must allow users to reset passwords via email", "reset_passwords"),
        ("Users can export reports as CSV", "export_reports"),
        ("As an admin, I want to suspend accounts", "suspend_accounts"),
        ("**Archive** old orders after 90 days", "archive_old_orders"),
        ("Ability to merge duplicate customers", "merge_duplicate_customers"),
    ],
)
def test_operation_names_come_from_verb_and_object(bullet: str, name: str) -> None:
    (contract,) = contracts_from_prd(f"# Shop\n\n## Requirements\n\n- {bullet}\n")

    assert contract.operations[0].name == name


def test_prd_without_title_gets_a_derived_name_and_a_warning() -> None:
    analysis = analyze_prd("Sample PRD content\n", source="prd.md")
    assert analysis.title == "Sample PRD content"
    [warning] = analysis.warnings
    assert (warning.file, warning.line, warning.field, warning.warning) == (
        "prd.md",
        1,
        "title",
        True,
    )
    [contract, *_] = contracts_from_prd("Sample PRD content\n", source="prd.md")
    assert contract.service_name.startswith("sample_content")


def test_unreadable_prd_is_a_contract_error(tmp_path: Path) -> None:
    with pytest.raises(ContractValidationError, match="cannot read PRD"):
        load_prd(tmp_path / "absent.md")
