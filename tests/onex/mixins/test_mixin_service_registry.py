"""MixinServiceRegistry: register at start, deregister at shutdown, env expansion, health."""

from __future__ import annotations

from typing import Any

import pytest

from omninode_bridge.onex import (
    EnumCoreErrorCode,
    EnumHealthStatus,
    ModelONEXContainer,
    ModelOnexError,
    NodeEffect,
)
from omninode_bridge.onex.mixins import (
    SERVICE_REGISTRY,
    InMemoryServiceRegistry,
    MixinServiceRegistry,
    ModelServiceRegistration,
)


class NodeRegisteredEffect(NodeEffect, MixinServiceRegistry):
    async def execute_effect(self, input_data: Any) -> Any:
        return input_data


def _node(container: ModelONEXContainer, config: dict[str, Any]) -> NodeRegisteredEffect:
    contract = {
        "name": "NodeRegisteredEffect",
        "node_type": "effect",
        "operations": ["query"],
        "mixins": [{"name": "MixinServiceRegistry", "config": config}],
    }
    return NodeRegisteredEffect(container, contract=contract)


async def test_registers_with_description_and_deregisters() -> None:
    registry = InMemoryServiceRegistry()
    container = ModelONEXContainer()
    container.register(SERVICE_REGISTRY, registry)
    node = _node(container, {"service_name": "database_adapter", "consul_host": "consul.local"})
    await node.initialize()
    (entry,) = await registry.lookup("database_adapter")
    assert entry.node.operations == ("query",)
    assert (entry.host, entry.port) == ("consul.local", 8500)
    assert node.service_registration == entry
    component = (await node.health_check()).component("service_registry")
    assert component is not None
    assert component.status is EnumHealthStatus.HEALTHY
    await node.shutdown()
    assert await registry.lookup("database_adapter") == []
    assert node.service_registration is None


async def test_environment_variables_are_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_NAME", "from_env")
    monkeypatch.delenv("CONSUL_HOST", raising=False)
    container = ModelONEXContainer()
    node = _node(container, {"service_name": "${SERVICE_NAME}", "consul_host": "${CONSUL_HOST}"})
    await node.initialize()
    registration = node.service_registration
    assert registration is not None
    assert registration.service_name == "from_env"
    assert registration.host is None
    assert isinstance(container.resolve(SERVICE_REGISTRY), InMemoryServiceRegistry)


async def test_auto_register_off() -> None:
    registry = InMemoryServiceRegistry()
    container = ModelONEXContainer()
    container.register(SERVICE_REGISTRY, registry)
    node = _node(container, {"auto_register": False})
    await node.initialize()
    assert registry.entries == {}
    assert (await node.health_check()).component("service_registry") is None
    registration = await node.register_service()
    assert registration.service_name == "NodeRegisteredEffect"
    await node.shutdown()
    assert registry.entries == {}


class FailingRegistry(InMemoryServiceRegistry):
    async def register(self, registration: ModelServiceRegistration) -> None:
        raise ConnectionError("consul unreachable")


async def test_registry_failure_fails_initialize() -> None:
    container = ModelONEXContainer()
    container.register(SERVICE_REGISTRY, FailingRegistry())
    node = _node(container, {})
    with pytest.raises(ModelOnexError) as info:
        await node.initialize()
    assert info.value.error_code is EnumCoreErrorCode.EXTERNAL_SERVICE_ERROR
    assert not node.is_running
