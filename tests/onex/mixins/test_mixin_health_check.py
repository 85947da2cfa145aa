"""MixinHealthCheck: registered checks, contract components, timeouts, aggregation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from omninode_bridge.onex import (
    EnumHealthStatus,
    ModelComponentHealth,
    ModelONEXContainer,
    NodeEffect,
)
from omninode_bridge.onex.mixins import MixinHealthCheck


class NodeProbeEffect(NodeEffect, MixinHealthCheck):
    async def execute_effect(self, input_data: Any) -> Any:
        return input_data


def _node(config: dict[str, Any] | None = None) -> NodeProbeEffect:
    contract = {
        "name": "NodeProbeEffect",
        "node_type": "effect",
        "mixins": [{"name": "MixinHealthCheck", "config": config or {}}],
    }
    return NodeProbeEffect(ModelONEXContainer(), contract=contract)


async def _ok() -> bool:
    return True


async def _down() -> bool:
    return False


async def test_all_checks_healthy() -> None:
    node = _node()
    node.register_health_check("database", _ok)
    await node.initialize()
    record = await node.health_check()
    assert record.is_healthy
    database = record.component("database")
    assert database is not None
    assert database.status is EnumHealthStatus.HEALTHY
    assert database.duration_ms >= 0


async def test_critical_failure_makes_the_node_unhealthy() -> None:
    node = _node()
    node.register_health_check("database", _down)
    await node.initialize()
    record = await node.health_check()
    assert record.status is EnumHealthStatus.UNHEALTHY
    component = record.component("database")
    assert component is not None
    assert component.message == "check returned False"


async def test_non_critical_failure_degrades() -> None:
    node = _node()
    node.register_health_check("cache", _down, critical=False)
    await node.initialize()
    assert (await node.health_check()).status is EnumHealthStatus.DEGRADED


async def test_contract_components_set_criticality_and_unknown_until_registered() -> None:
    node = _node(
        {
            "components": [
                {"name": "database", "critical": True},
                {"name": "kafka_consumer", "critical": False, "timeout_seconds": 3.0},
            ]
        }
    )
    await node.initialize()
    record = await node.health_check()
    assert record.status is EnumHealthStatus.DEGRADED
    kafka = record.component("kafka_consumer")
    assert kafka is not None
    assert kafka.status is EnumHealthStatus.UNKNOWN
    assert not kafka.critical
    node.register_health_check("kafka_consumer", _down)
    node.register_health_check("database", _ok)
    after = await node.health_check()
    assert after.status is EnumHealthStatus.DEGRADED  # kafka is non-critical
    assert node.health_check_names == ("database", "kafka_consumer")


async def test_sample_contract_critical_checks() -> None:
    node = _node({"health_check_interval_seconds": 60, "critical_checks": ["api_reachability"]})
    assert node.health_check_interval_seconds == 60.0
    node.register_health_check("api_reachability", _down)
    await node.initialize()
    assert (await node.health_check()).status is EnumHealthStatus.UNHEALTHY


async def test_raising_check_is_unhealthy_with_the_error() -> None:
    async def broken() -> bool:
        raise ConnectionError("refused")

    node = _node()
    node.register_health_check("api", broken)
    await node.initialize()
    component = (await node.health_check()).component("api")
    assert component is not None
    assert component.status is EnumHealthStatus.UNHEALTHY
    assert "refused" in component.message


async def test_slow_check_times_out() -> None:
    never = asyncio.Event()

    async def hangs() -> bool:
        await never.wait()
        return True

    node = _node()
    node.register_health_check("slow", hangs, timeout_seconds=0.01)
    await node.initialize()
    component = (await node.health_check()).component("slow")
    assert component is not None
    assert component.status is EnumHealthStatus.UNHEALTHY
    assert component.message == "timed out after 0.01s"


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        (EnumHealthStatus.DEGRADED, EnumHealthStatus.DEGRADED),
        (
            ModelComponentHealth("ignored", EnumHealthStatus.HEALTHY, details={"lag": 3}),
            EnumHealthStatus.HEALTHY,
        ),
    ],
    ids=["status", "record"],
)
async def test_checks_may_return_a_status_or_a_record(
    returned: EnumHealthStatus | ModelComponentHealth, expected: EnumHealthStatus
) -> None:
    async def check() -> EnumHealthStatus | ModelComponentHealth:
        return returned

    node = _node()
    node.register_health_check("queue", check)
    await node.initialize()
    component = (await node.health_check()).component("queue")
    assert component is not None
    assert component.name == "queue"
    assert component.status is expected


async def test_checks_run_concurrently() -> None:
    both_started = asyncio.Event()
    started: list[str] = []

    def make(name: str) -> Any:
        async def check() -> bool:
            started.append(name)
            if len(started) == 2:
                both_started.set()
            await both_started.wait()
            return True

        return check

    node = _node({"timeout_seconds": 1.0})
    node.register_health_check("a", make("a"))
    node.register_health_check("b", make("b"))
    await node.initialize()
    assert (await node.health_check()).is_healthy
