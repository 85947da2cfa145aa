"""Tests of the mixin catalog and resolve_mixins against the fixture contracts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from omninode_bridge.errors import ContractError, MixinError
from omninode_bridge.onex.enums import EnumNodeType
from omninode_bridge.onex.mixins import MIXIN_CATALOG, get_mixin_spec, resolve_mixins
from omninode_bridge.onex.mixins.config import MixinHealthCheckConfig, MixinMetricsConfig

FIXTURES = Path(__file__).parents[2] / "fixtures" / "contracts"


@dataclass(frozen=True)
class Decl:
    name: str
    config: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True


def _declared(path: Path) -> tuple[list[Decl], str]:
    data = yaml.safe_load(path.read_text())
    if "mixins" in data:
        items = [
            Decl(m.get("name", ""), m.get("config", {}), m.get("enabled", True))
            for m in data["mixins"]
        ]
    elif "mixin_configuration" in data:
        items = [
            Decl(m["mixin_name"], m.get("config", {}))
            for m in data["mixin_configuration"]["mixins"]
        ]
    else:
        items = []
    return items, data["node_type"]


VALID = [
    "sample_contracts/api_client.yaml",
    "sample_contracts/compute_cached.yaml",
    "sample_contracts/database_adapter.yaml",
    "sample_contracts/event_driven_service.yaml",
    "sample_contracts/health_check_only.yaml",
    "sample_contracts/health_metrics.yaml",
    "sample_contracts/maximum_mixins.yaml",
    "sample_contracts/minimal_effect.yaml",
    "sample_contracts/orchestrator_workflow.yaml",
    "sample_contracts/reducer_persistent.yaml",
    "schema_examples/valid_complete_v2.yaml",
    "schema_examples/valid_with_mixins_v2.yaml",
    "schema_examples/valid_minimal_v1.yaml",
]


@pytest.mark.parametrize("relative", VALID, ids=lambda r: r.split("/")[-1])
def test_every_valid_fixture_resolves(relative: str) -> None:
    declared, node_type = _declared(FIXTURES / relative)
    resolved = resolve_mixins(declared, node_type=node_type)
    assert sorted(m.name for m in resolved) == sorted(d.name for d in declared if d.enabled)


def test_every_mixin_a_fixture_names_is_in_the_catalog() -> None:
    names = set()
    for path in FIXTURES.rglob("*.yaml"):
        names.update(d.name for d in _declared(path)[0])
    names -= {"", "InvalidMixinName", "MixinDoesNotExist"}
    assert names <= set(MIXIN_CATALOG)
    assert len(names) >= 10


def test_unknown_mixin_fixture_is_rejected_with_its_index() -> None:
    declared, node_type = _declared(FIXTURES / "sample_contracts/invalid_mixin_name.yaml")
    with pytest.raises(MixinError) as info:
        resolve_mixins(declared, node_type=node_type)
    (problem,) = info.value.problems
    assert (problem.mixin, problem.index) == ("MixinDoesNotExist", 0)
    assert "unknown mixin 'MixinDoesNotExist'" in problem.message
    assert "MixinHealthCheck" in problem.message  # lists the known names


def test_mixin_error_is_a_contract_error() -> None:
    with pytest.raises(ContractError):
        resolve_mixins(["MixinNope"])


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("MixinHealtCheck", "MixinHealthCheck"),
        ("HealthCheck", "MixinHealthCheck"),
        ("mixinmetrics", "MixinMetrics"),
        ("MetricsMixin", "MixinMetrics"),
        ("MixinCache", "MixinCaching"),
        ("MixinLogging", "MixinLogData"),
        ("MixinEventDriven", "MixinEventDrivenNode"),
    ],
)
def test_unknown_mixin_names_close_matches(typo: str, expected: str) -> None:
    with pytest.raises(MixinError) as info:
        resolve_mixins([typo])
    problem = info.value.problems[0]
    assert expected in problem.suggestions
    assert f"did you mean {expected}" in str(info.value) or expected in problem.message


def test_missing_dependency_fixture_names_the_missing_mixins() -> None:
    declared, node_type = _declared(FIXTURES / "sample_contracts/missing_dependency.yaml")
    with pytest.raises(MixinError) as info:
        resolve_mixins(declared, node_type=node_type)
    message = str(info.value)
    assert "MixinNodeLifecycle" in message
    assert "MixinIntrospectionPublisher" in message
    assert all(p.mixin == "MixinEventDrivenNode" for p in info.value.problems)


def test_requirement_met_by_the_preferred_mixins() -> None:
    resolved = resolve_mixins(
        ["MixinEventDrivenNode", "MixinNodeLifecycle", "MixinIntrospectionPublisher"]
    )
    assert resolved[0].name == "MixinEventDrivenNode"


def test_only_one_requirement_missing_is_reported_alone() -> None:
    with pytest.raises(MixinError) as info:
        resolve_mixins(["MixinEventDrivenNode", "MixinNodeLifecycle"])
    (problem,) = info.value.problems
    assert "MixinIntrospectionPublisher" in problem.message


def test_disabled_mixin_does_not_meet_a_requirement() -> None:
    declared = [Decl("MixinEventDrivenNode"), Decl("MixinServiceRegistry", enabled=False)]
    with pytest.raises(MixinError):
        resolve_mixins(declared)


def test_disabled_mixin_is_left_out_but_still_checked_by_name() -> None:
    assert resolve_mixins([Decl("MixinMetrics", enabled=False)]) == []
    with pytest.raises(MixinError):
        resolve_mixins([Decl("MixinMetricz", enabled=False)])


def test_config_out_of_range_fixture_names_field_and_bound() -> None:
    declared, node_type = _declared(FIXTURES / "schema_examples/invalid_health_check_interval.yaml")
    with pytest.raises(MixinError) as info:
        resolve_mixins(declared, node_type=node_type)
    (problem,) = info.value.problems
    assert problem.path == ("check_interval_ms",)
    assert "1000" in problem.message
    assert "500" in problem.message
    assert str(problem).startswith("mixins[0] MixinHealthCheck: config.check_interval_ms:")


def test_unknown_config_key_names_close_key() -> None:
    with pytest.raises(MixinError) as info:
        resolve_mixins([Decl("MixinCaching", {"cache_ttl_second": 10})])
    (problem,) = info.value.problems
    assert problem.path == ("cache_ttl_second",)
    assert problem.suggestions[0] == "cache_ttl_seconds"


def test_every_problem_is_reported_at_once() -> None:
    declared = [
        Decl("MixinNope"),
        Decl("MixinMetrics", {"percentiles": [150]}),
        Decl("MixinMetrics"),
        Decl("MixinEventDrivenNode"),
    ]
    with pytest.raises(MixinError) as info:
        resolve_mixins(declared)
    indexes = [p.index for p in info.value.problems]
    assert indexes == sorted(indexes)
    assert set(indexes) == {0, 1, 2, 3}
    assert "declared twice (first at mixins[1])" in str(info.value)


def test_node_type_restriction() -> None:
    with pytest.raises(MixinError, match="cannot be used by a compute node"):
        resolve_mixins(["MixinEventBus"], node_type=EnumNodeType.COMPUTE)
    assert resolve_mixins(["MixinEventBus"], node_type="REDUCER")[0].name == "MixinEventBus"


def test_order_puts_a_mixin_before_the_mixins_it_includes() -> None:
    resolved = resolve_mixins(
        ["MixinEventBus", "MixinHealthCheck", "MixinEventHandler", "MixinNodeLifecycle"]
    )
    names = [m.name for m in resolved]
    assert names.index("MixinEventHandler") < names.index("MixinEventBus")
    assert names.index("MixinNodeLifecycle") < names.index("MixinEventBus")
    assert names.index("MixinHealthCheck") < names.index("MixinEventBus")


def test_get_mixin_spec_returns_config_model_and_keys() -> None:
    spec = get_mixin_spec("MixinHealthCheck")
    assert spec.config_model is MixinHealthCheckConfig
    assert "check_interval_ms" in spec.config_keys
    assert spec.import_module == "omninode_bridge.onex.mixins"
    with pytest.raises(MixinError, match="did you mean MixinMetrics"):
        get_mixin_spec("MixinMetric")


def test_both_config_vocabularies_are_accepted() -> None:
    v2 = get_mixin_spec("MixinHealthCheck").parse_config(
        {"check_interval_ms": 15000, "components": [{"name": "db", "critical": False}]}
    )
    sample = get_mixin_spec("MixinHealthCheck").parse_config(
        {"health_check_interval_seconds": 15, "critical_checks": ["db"]}
    )
    assert isinstance(v2, MixinHealthCheckConfig)
    assert isinstance(sample, MixinHealthCheckConfig)
    assert v2.interval_seconds == sample.interval_seconds == 15.0
    assert [c.critical for c in v2.declared_components()] == [False]
    assert [c.critical for c in sample.declared_components()] == [True]


def test_metrics_percentile_allows_fractions_but_not_out_of_range() -> None:
    spec = get_mixin_spec("MixinMetrics")
    parsed = spec.parse_config({"percentiles": [50, 99.9]})
    assert isinstance(parsed, MixinMetricsConfig)
    assert parsed.percentiles == (50.0, 99.9)
    with pytest.raises(MixinError, match="outside"):
        spec.parse_config({"percentiles": [0]})
