"""Naming helpers: service names, class names, fields, enum members, version folders."""

from __future__ import annotations

import pytest

from omninode_bridge.codegen.naming import (
    class_name,
    constant_name,
    field_name,
    pascal_case,
    service_name,
    snake_case,
    version_dir,
)


@pytest.mark.parametrize(
    ("text", "snake", "pascal"),
    [
        ("PostgresCRUD Adapter", "postgres_crud_adapter", "PostgresCrudAdapter"),
        ("event-driven_service", "event_driven_service", "EventDrivenService"),
        ("Health + Metrics", "health_metrics", "HealthMetrics"),
    ],
)
def test_case_conversions(text: str, snake: str, pascal: str) -> None:
    assert snake_case(text) == snake
    assert pascal_case(text) == pascal


@pytest.mark.parametrize(
    ("name", "node_type", "service", "cls"),
    [
        (
            "NodeDatabaseAdapterEffect",
            "effect",
            "database_adapter_effect",
            "NodeDatabaseAdapterEffect",
        ),
        ("minimal_effect_node", "effect", "minimal_effect", "NodeMinimalEffect"),
        ("llm_effect", "effect", "llm_effect", "NodeLlmEffect"),
        ("event_reducer_node", "reducer", "event_reducer", "NodeEventReducer"),
        ("3d_render", "compute", "node_3d_render_compute", "Node3dRenderCompute"),
    ],
)
def test_service_and_class_names_never_double_the_type(
    name: str, node_type: str, service: str, cls: str
) -> None:
    assert service_name(name, node_type) == service
    assert class_name(name, node_type) == cls


@pytest.mark.parametrize(
    ("json_name", "expected"),
    [
        ("lockName", "lock_name"),
        ("class", "class_"),
        ("2fa", "field_2fa"),
        ("model_config", "model_config_"),
    ],
)
def test_field_names_are_valid_and_unreserved(json_name: str, expected: str) -> None:
    assert field_name(json_name) == expected
    assert expected.isidentifier()


def test_constant_names_and_version_folders() -> None:
    assert constant_name("date-time") == "DATE_TIME"
    assert constant_name("GET") == "GET"
    assert constant_name("404") == "VALUE_404"
    assert version_dir(2, 0, 1) == "v2_0_1"
