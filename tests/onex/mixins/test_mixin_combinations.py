"""Mixin combinations: every fixture contract's mixins compose into one working node."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.onex import (
    EVENT_BUS,
    EnumHealthStatus,
    EnumNodeType,
    InMemoryEventBus,
    ModelEventEnvelope,
    ModelONEXContainer,
    NodeBase,
    NodeCompute,
    NodeContract,
    NodeEffect,
    NodeOrchestrator,
    NodeReducer,
    OperationRouter,
)
from omninode_bridge.onex import mixins as mixin_module
from omninode_bridge.onex.mixins import MIXIN_CATALOG, resolve_mixins

FIXTURES = Path(__file__).parents[2] / "fixtures" / "contracts"

BASES: dict[EnumNodeType, tuple[type[NodeBase], str]] = {
    EnumNodeType.EFFECT: (NodeEffect, "execute_effect"),
    EnumNodeType.COMPUTE: (NodeCompute, "execute_compute"),
    EnumNodeType.REDUCER: (NodeReducer, "execute_reduction"),
    EnumNodeType.ORCHESTRATOR: (NodeOrchestrator, "execute_orchestration"),
}


def build_node_class(contract: NodeContract) -> type[NodeBase]:
    """The class a generator would write: node base first, mixins in resolve order."""
    base, method = BASES[contract.node_type]
    resolved = resolve_mixins(contract.mixins, node_type=contract.node_type)
    mixin_classes = [getattr(mixin_module, m.name) for m in resolved]

    async def execute(self: Any, input_data: dict[str, Any]) -> dict[str, Any]:
        router: OperationRouter[dict[str, Any], dict[str, Any]] = OperationRouter()

        async def echo(data: dict[str, Any]) -> dict[str, Any]:
            return {"echo": data}

        router.register("echo", echo)
        return await self.dispatch(router, "echo", input_data, correlation_id="corr")

    return type("NodeUnderTest", (base, *mixin_classes), {method: execute})


VALID = sorted(
    str(p.relative_to(FIXTURES))
    for p in FIXTURES.rglob("*.yaml")
    if not p.name.startswith("invalid") and p.name != "missing_dependency.yaml"
)


@pytest.mark.parametrize("relative", VALID)
async def test_fixture_contract_builds_a_working_node(relative: str) -> None:
    contract = NodeContract.load(FIXTURES / relative)
    cls = build_node_class(contract)
    container = ModelONEXContainer()
    node: Any = cls(container, contract=contract)
    await node.initialize()
    try:
        assert await node.process({"x": 1}) == {"echo": {"x": 1}}
        record = await node.health_check()
        assert record.component("lifecycle") is not None
        assert record.status is not EnumHealthStatus.UNHEALTHY
    finally:
        await node.shutdown()
    assert not node.is_running


async def test_maximum_mixins_fixture_every_mixin_works_in_one_node() -> None:
    contract = NodeContract.load(FIXTURES / "sample_contracts" / "maximum_mixins.yaml")
    cls = build_node_class(contract)
    bus = InMemoryEventBus()
    container = ModelONEXContainer()
    container.register(EVENT_BUS, bus)
    node: Any = cls(container, contract=contract)

    async def database_ok() -> bool:
        return True

    node.register_health_check("database", database_ok)
    await node.initialize()
    try:
        assert await node.process({"x": 1}) == {"echo": {"x": 1}}
        # MixinMetrics counted the operation; MixinRequestResponseIntrospection recorded it.
        assert node.get_metrics().counter("operations_total", operation="echo") == 1
        assert node.recent_operations()[0].correlation_id == "corr"
        # MixinLogData redacts; MixinHashComputation uses the contract's blake3.
        assert node.redact({"password": "x"}) == {"password": "***REDACTED***"}
        assert node.hash_algorithm == "blake3"
        assert len(node.compute_hash({"a": 1})) == 64
        # MixinCaching and MixinCanonicalYAMLSerializer.
        assert await node.cache_get_or_compute("k", _forty_two) == 42
        assert node.serialize_canonical({"b": 1, "a": 2}) == "a: 2\nb: 1\n"
        # MixinEventBus publishes on the declared topic; MixinServiceRegistry registered.
        await node.publish_event("test.events.output", "OutputEvent", {"done": True})
        assert bus.published_on("test.events.output")[0].payload == {"done": True}
        assert node.service_registration.service_name == "maximum_mixins"
        # MixinHealthCheck aggregates the registered check and the registry component.
        record = await node.health_check()
        assert record.is_healthy
        assert {c.name for c in record.components} >= {"lifecycle", "database", "service_registry"}
    finally:
        await node.shutdown()
    assert node.service_registration is None


async def _forty_two() -> int:
    return 42


async def test_every_catalog_mixin_in_one_effect_node() -> None:
    contract = NodeContract.from_mapping(
        {
            "name": "NodeEverythingEffect",
            "node_type": "effect",
            "event_patterns": {"subscribes": [{"topic": "in", "event_type": "Ping"}]},
            "mixins": sorted(MIXIN_CATALOG),
        }
    )
    cls = build_node_class(contract)
    assert {c.__name__ for c in cls.__mro__} >= set(MIXIN_CATALOG)
    bus = InMemoryEventBus()
    container = ModelONEXContainer()
    container.register(EVENT_BUS, bus)
    node: Any = cls(container, contract=contract)
    pings: list[str] = []

    async def on_ping(envelope: ModelEventEnvelope) -> None:
        pings.append(envelope.event_id)

    node.register_event_handler("Ping", on_ping)
    await node.initialize()
    await bus.publish(ModelEventEnvelope(topic="in", event_type="Ping", event_id="p1"))
    assert pings == ["p1"]
    assert [e.event_type for e in bus.published_on("onex.node.lifecycle")] == ["NODE_STARTED"]
    assert len(bus.published_on("onex.node.introspection")) == 1
    assert (await node.health_check()).is_healthy
    await node.shutdown()
    assert bus.subscriber_count("in") == 0


@pytest.mark.parametrize(
    "names",
    list(
        itertools.combinations(
            ["MixinHealthCheck", "MixinMetrics", "MixinLogData", "MixinCaching"], 2
        )
    )
    + list(itertools.permutations(["MixinEventBus", "MixinEventHandler", "MixinNodeLifecycle"])),
    ids=lambda names: "+".join(n.removeprefix("Mixin") for n in names),
)
async def test_declaration_order_never_breaks_the_class(names: tuple[str, ...]) -> None:
    contract = NodeContract.from_mapping(
        {"name": "NodeX", "node_type": "reducer", "mixins": list(names)}
    )
    node: Any = build_node_class(contract)(ModelONEXContainer(), contract=contract)
    await node.initialize()
    assert await node.process({}) == {"echo": {}}
    await node.shutdown()


@pytest.mark.parametrize("relative", VALID)
async def test_normalised_contract_from_the_loader_builds_a_working_node(relative: str) -> None:
    from omninode_bridge.contracts.loader import load_contract
    from omninode_bridge.contracts.serialize import dump_contract

    contract = NodeContract.from_yaml(dump_contract(load_contract(FIXTURES / relative)))
    node: Any = build_node_class(contract)(ModelONEXContainer(), contract=contract)
    await node.initialize()
    assert await node.process({"y": 2}) == {"echo": {"y": 2}}
    await node.shutdown()
