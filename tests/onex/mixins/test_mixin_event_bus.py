"""Messaging mixins: event bus, handler routing, lifecycle, introspection, event-driven nodes."""

from __future__ import annotations

from typing import Any

import pytest

from omninode_bridge.onex import (
    EVENT_BUS,
    EnumCoreErrorCode,
    EnumHealthStatus,
    EventHandler,
    InMemoryEventBus,
    ModelEventEnvelope,
    ModelONEXContainer,
    ModelOnexError,
    NodeEffect,
    NodeOrchestrator,
    ProtocolSubscription,
)
from omninode_bridge.onex.mixins import (
    NODE_STARTED,
    NODE_STOPPED,
    MixinEventBus,
    MixinEventDrivenNode,
    MixinEventHandler,
    MixinIntrospectionPublisher,
    MixinNodeLifecycle,
    MixinServiceRegistry,
)


class NodePublisherEffect(NodeEffect, MixinEventBus):
    async def execute_effect(self, input_data: Any) -> Any:
        return await self.publish_event("out", "Done", input_data, correlation_id="c-1")


PUBLISHER_CONTRACT: dict[str, Any] = {
    "name": "NodePublisherEffect",
    "node_type": "effect",
    "event_patterns": {"publishes": [{"topic": "out", "event_type": "Done"}]},
    "mixins": ["MixinEventBus"],
}


async def test_publish_builds_an_envelope_on_the_container_bus() -> None:
    bus = InMemoryEventBus()
    container = ModelONEXContainer()
    container.register(EVENT_BUS, bus)
    node = NodePublisherEffect(container, contract=PUBLISHER_CONTRACT)
    await node.initialize()
    envelope = await node.execute_effect({"n": 1})
    assert bus.published == [envelope]
    assert (envelope.topic, envelope.event_type, envelope.source) == (
        "out",
        "Done",
        "NodePublisherEffect",
    )
    assert envelope.payload == {"n": 1}
    assert envelope.correlation_id == "c-1"


async def test_in_memory_bus_is_registered_when_absent_and_shared() -> None:
    container = ModelONEXContainer()
    first = NodePublisherEffect(container, contract=PUBLISHER_CONTRACT)
    second = NodePublisherEffect(container, contract=PUBLISHER_CONTRACT)
    assert isinstance(first.event_bus, InMemoryEventBus)
    assert first.event_bus is second.event_bus is container.resolve(EVENT_BUS)


async def test_undeclared_topic_is_refused_with_close_match() -> None:
    node = NodePublisherEffect(ModelONEXContainer(), contract=PUBLISHER_CONTRACT)
    with pytest.raises(ModelOnexError) as info:
        await node.publish_event("outt", "Done")
    assert info.value.error_code is EnumCoreErrorCode.CONFIGURATION_ERROR
    assert "did you mean out" in info.value.message


async def test_contract_may_list_produced_event_types_instead_of_topics() -> None:
    contract = {
        "name": "NodePublisherEffect",
        "node_type": "effect",
        "events": {"produces": ["EVENT_PROCESSING_COMPLETED"]},
    }
    node = NodePublisherEffect(ModelONEXContainer(), contract=contract)
    envelope = await node.publish_event("events.processed", "EVENT_PROCESSING_COMPLETED")
    assert envelope.topic == "events.processed"
    with pytest.raises(ModelOnexError):
        await node.publish_event("events.processed", "EVENT_PROCESSING_FAILED")


async def test_topic_enforcement_can_be_switched_off_and_bus_disabled() -> None:
    contract = {
        **PUBLISHER_CONTRACT,
        "mixins": [{"name": "MixinEventBus", "config": {"enforce_declared_topics": False}}],
    }
    node = NodePublisherEffect(ModelONEXContainer(), contract=contract)
    assert (await node.publish_event("anywhere", "X")).topic == "anywhere"
    disabled = {
        **PUBLISHER_CONTRACT,
        "mixins": [{"name": "MixinEventBus", "config": {"event_bus_enabled": False}}],
    }
    with pytest.raises(ModelOnexError, match="event bus disabled"):
        await NodePublisherEffect(ModelONEXContainer(), contract=disabled).publish_event("out", "X")


class BrokenBus:
    async def publish(self, envelope: ModelEventEnvelope) -> None:
        raise ConnectionError("broker down")

    async def subscribe(self, topic: str, handler: EventHandler) -> ProtocolSubscription:
        raise ConnectionError("broker down")


async def test_bus_failures_become_event_bus_errors() -> None:
    container = ModelONEXContainer()
    container.register(EVENT_BUS, BrokenBus())
    node = NodePublisherEffect(container, contract=PUBLISHER_CONTRACT)
    with pytest.raises(ModelOnexError) as info:
        await node.publish_event("out", "Done")
    assert info.value.error_code is EnumCoreErrorCode.EVENT_BUS_ERROR

    async def ignore(envelope: ModelEventEnvelope) -> None:
        return None

    with pytest.raises(ModelOnexError, match="could not subscribe"):
        await node.subscribe_event("in", ignore)


class NodeConsumerEffect(NodeEffect, MixinEventHandler):
    async def execute_effect(self, input_data: Any) -> Any:
        return input_data


CONSUMER_CONTRACT: dict[str, Any] = {
    "name": "NodeConsumerEffect",
    "node_type": "effect",
    "event_patterns": {"subscribes": [{"topic": "in", "event_type": "Created"}]},
    "mixins": ["MixinEventHandler"],
}


async def test_handler_routes_by_event_type_with_wildcard_and_counts() -> None:
    container = ModelONEXContainer()
    node = NodeConsumerEffect(container, contract=CONSUMER_CONTRACT)
    seen: list[str] = []

    async def created(envelope: ModelEventEnvelope) -> None:
        seen.append(f"created:{envelope.payload['id']}")

    async def broken(envelope: ModelEventEnvelope) -> None:
        raise RuntimeError("handler bug")

    node.register_event_handler("Created", created)
    node.register_event_handler("Broken", broken)
    await node.initialize()
    bus = container.resolve(EVENT_BUS)
    await bus.publish(ModelEventEnvelope(topic="in", event_type="Created", payload={"id": 1}))
    await bus.publish(ModelEventEnvelope(topic="in", event_type="Deleted"))
    await bus.publish(ModelEventEnvelope(topic="in", event_type="Broken"))
    stats = node.event_stats()
    assert (stats.received, stats.handled, stats.unhandled, stats.failed) == (3, 1, 1, 1)
    assert seen == ["created:1"]

    async def anything(envelope: ModelEventEnvelope) -> None:
        seen.append(f"any:{envelope.event_type}")

    node.register_event_handler("*", anything)
    await bus.publish(ModelEventEnvelope(topic="in", event_type="Deleted"))
    assert seen[-1] == "any:Deleted"


async def test_subscriptions_end_at_shutdown_and_show_in_health() -> None:
    container = ModelONEXContainer()
    bus = InMemoryEventBus()
    container.register(EVENT_BUS, bus)
    node = NodeConsumerEffect(container, contract=CONSUMER_CONTRACT)
    await node.initialize()
    assert node.subscribed_topics == ("in",)
    component = (await node.health_check()).component("event_subscriptions")
    assert component is not None
    assert component.status is EnumHealthStatus.HEALTHY
    await node.shutdown()
    assert bus.subscriber_count("in") == 0
    assert node.subscribed_topics == ()


async def test_config_topics_override_the_contract() -> None:
    contract = {
        **CONSUMER_CONTRACT,
        "mixins": [{"name": "MixinEventHandler", "config": {"topics": ["a", "b"]}}],
    }
    node = NodeConsumerEffect(ModelONEXContainer(), contract=contract)
    await node.initialize()
    assert node.consumed_topics() == ("a", "b")
    assert node.subscribed_topics == ("a", "b")


class NodeAnnouncedEffect(NodeEffect, MixinNodeLifecycle, MixinIntrospectionPublisher):
    async def execute_effect(self, input_data: Any) -> Any:
        return input_data


async def test_lifecycle_and_introspection_events() -> None:
    container = ModelONEXContainer()
    bus = InMemoryEventBus()
    container.register(EVENT_BUS, bus)
    contract = {
        "name": "NodeAnnouncedEffect",
        "node_type": "effect",
        "operations": ["ping"],
        "event_patterns": {"publishes": [{"topic": "only.this", "event_type": "X"}]},
        "mixins": ["MixinNodeLifecycle", "MixinIntrospectionPublisher"],
    }
    node = NodeAnnouncedEffect(container, contract=contract)
    await node.initialize()
    await node.shutdown()
    lifecycle = [e.event_type for e in bus.published_on("onex.node.lifecycle")]
    assert lifecycle == [NODE_STARTED, NODE_STOPPED]
    (introspection,) = bus.published_on("onex.node.introspection")
    assert introspection.payload["operations"] == ["ping"]
    assert introspection.payload["node_name"] == "NodeAnnouncedEffect"


class NodeWorkflowOrchestrator(
    NodeOrchestrator, MixinEventDrivenNode, MixinServiceRegistry, MixinNodeLifecycle
):
    async def execute_orchestration(self, input_data: Any) -> Any:
        return input_data


async def test_event_driven_node_consumes_config_topics_and_replies() -> None:
    container = ModelONEXContainer()
    bus = InMemoryEventBus()
    container.register(EVENT_BUS, bus)
    contract = {
        "name": "NodeWorkflowOrchestrator",
        "node_type": "orchestrator",
        "event_patterns": {"publishes": [{"topic": "workflow.completed", "event_type": "Done"}]},
        "mixins": [
            {"name": "MixinEventDrivenNode", "config": {"topics": ["step.completed"]}},
            "MixinServiceRegistry",
            "MixinNodeLifecycle",
        ],
    }
    node = NodeWorkflowOrchestrator(container, contract=contract)

    async def on_step(envelope: ModelEventEnvelope) -> None:
        await node.publish_event(
            "workflow.completed",
            "Done",
            {"step": envelope.payload["step"]},
            correlation_id=envelope.correlation_id,
        )

    node.register_event_handler("StepCompleted", on_step)
    await node.initialize()
    await bus.publish(
        ModelEventEnvelope(
            topic="step.completed",
            event_type="StepCompleted",
            payload={"step": 2},
            correlation_id="w1",
        )
    )
    (reply,) = bus.published_on("workflow.completed")
    assert reply.payload == {"step": 2}
    assert reply.correlation_id == "w1"
    assert node.service_registration is not None
    await node.shutdown()


async def test_event_driven_node_with_bus_disabled_subscribes_nothing() -> None:
    container = ModelONEXContainer()
    contract = {
        "name": "NodeWorkflowOrchestrator",
        "node_type": "orchestrator",
        "mixins": [
            {
                "name": "MixinEventDrivenNode",
                "config": {"event_bus_enabled": False, "topics": ["t"]},
            },
            "MixinServiceRegistry",
        ],
    }
    node = NodeWorkflowOrchestrator(container, contract=contract)
    await node.initialize()
    assert node.subscribed_topics == ()
