"""DependencyGraph: validation, cycles, waves."""

from __future__ import annotations

import pytest

from omninode_bridge.agents.scheduler import DependencyGraph
from omninode_bridge.errors import CycleError, WorkflowDefinitionError


def test_waves_group_nodes_by_level() -> None:
    graph = DependencyGraph.from_mapping(
        {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"], "e": []}
    )
    assert graph.waves() == [["a", "e"], ["b", "c"], ["d"]]
    assert graph.topological_order() == ["a", "e", "b", "c", "d"]


def test_cycle_error_names_the_cycle() -> None:
    graph = DependencyGraph.from_mapping({"a": ["c"], "b": ["a"], "c": ["b"], "d": []})
    with pytest.raises(CycleError) as info:
        graph.validate()
    cycle = info.value.cycle
    assert cycle[0] == cycle[-1]
    assert set(cycle) == {"a", "b", "c"}
    assert "->" in str(info.value)


def test_self_dependency_is_a_cycle() -> None:
    graph = DependencyGraph.from_mapping({"a": ["a"]})
    assert graph.find_cycle() == ["a", "a"]


def test_unknown_dependency_is_named() -> None:
    graph = DependencyGraph.from_mapping({"a": ["missing"]})
    with pytest.raises(WorkflowDefinitionError, match="'a' depends on unknown id 'missing'"):
        graph.validate()


def test_duplicate_node_rejected() -> None:
    graph = DependencyGraph()
    graph.add("a")
    with pytest.raises(WorkflowDefinitionError, match="duplicate"):
        graph.add("a")


def test_cycle_error_is_a_value_error() -> None:
    assert issubclass(CycleError, ValueError)


def test_dependents() -> None:
    graph = DependencyGraph.from_mapping({"a": [], "b": ["a"], "c": ["a"]})
    assert graph.dependents("a") == ["b", "c"]
