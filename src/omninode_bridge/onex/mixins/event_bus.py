"""Messaging mixins: publish/subscribe, event routing, lifecycle and introspection events.

All of them use the :class:`~omninode_bridge.onex.events.ProtocolEventBus`
registered in the container under :data:`~omninode_bridge.onex.events.EVENT_BUS`.
When none is registered, the first mixin that needs one registers an
:class:`~omninode_bridge.onex.events.InMemoryEventBus` there, so nodes sharing a
container share the bus.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel

from omninode_bridge.onex.enums import EnumCoreErrorCode, EnumHealthStatus, EnumLogLevel
from omninode_bridge.onex.errors import ModelOnexError
from omninode_bridge.onex.events import (
    EVENT_BUS,
    EventHandler,
    InMemoryEventBus,
    ModelEventEnvelope,
    ProtocolEventBus,
    ProtocolSubscription,
)
from omninode_bridge.onex.log_events import emit_log_event
from omninode_bridge.onex.mixins.config import (
    MixinEventBusConfig,
    MixinEventDrivenNodeConfig,
    MixinEventHandlerConfig,
    MixinIntrospectionPublisherConfig,
    MixinNodeLifecycleConfig,
)
from omninode_bridge.onex.mixins.introspection import MixinNodeIntrospection, to_jsonable
from omninode_bridge.onex.node import ModelComponentHealth, NodeBase

__all__ = [
    "NODE_STARTED",
    "NODE_STOPPED",
    "MixinEventBus",
    "MixinEventDrivenNode",
    "MixinEventHandler",
    "MixinIntrospectionPublisher",
    "MixinNodeLifecycle",
    "ModelEventStats",
]

NODE_STARTED: Final = "NODE_STARTED"
NODE_STOPPED: Final = "NODE_STOPPED"
NODE_INTROSPECTION: Final = "NODE_INTROSPECTION"
ANY_EVENT_TYPE: Final = "*"


class MixinEventBus(NodeBase):
    """Publish and subscribe on the container's event bus.

    When the contract lists what it produces and ``enforce_declared_topics`` is
    on, an event whose topic and event type are both unlisted is refused.
    Subscriptions made through :meth:`subscribe_event` end at shutdown.

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinEventBusConfig`.
    """

    def _on_configure(self) -> None:
        super()._on_configure()
        self._bus_config = self.mixin_config(MixinEventBusConfig)
        self._subscriptions: list[ProtocolSubscription] = []

    @property
    def event_bus(self) -> ProtocolEventBus:
        """The container's bus (an in-memory one is registered when absent)."""
        bus = self.container.resolve_optional(EVENT_BUS)
        if bus is None:
            bus = InMemoryEventBus()
            self.container.register(EVENT_BUS, bus)
        return bus

    async def publish_event(
        self,
        topic: str,
        event_type: str,
        payload: Mapping[str, Any] | BaseModel | None = None,
        *,
        correlation_id: str | None = None,
    ) -> ModelEventEnvelope:
        """Publish one event from this node.

        Raises:
            ModelOnexError: ``CONFIGURATION_ERROR`` when the bus is disabled or
                the topic is not one the contract publishes; ``EVENT_BUS_ERROR``
                when the bus fails.
        """
        self._check_topic(topic, event_type)
        return await self._publish(topic, event_type, payload, correlation_id)

    async def subscribe_event(self, topic: str, handler: EventHandler) -> ProtocolSubscription:
        """Deliver events on ``topic`` to ``handler`` until shutdown."""
        try:
            subscription = await self.event_bus.subscribe(topic, handler)
        except Exception as exc:
            raise self._bus_error("subscribe", topic, exc) from exc
        self._subscriptions.append(subscription)
        return subscription

    @property
    def subscribed_topics(self) -> tuple[str, ...]:
        """Topics with a live subscription made by this node."""
        return tuple(dict.fromkeys(s.topic for s in self._subscriptions))

    async def _publish(
        self,
        topic: str,
        event_type: str,
        payload: Mapping[str, Any] | BaseModel | None,
        correlation_id: str | None,
    ) -> ModelEventEnvelope:
        if not self._bus_enabled():
            raise ModelOnexError(
                error_code=EnumCoreErrorCode.CONFIGURATION_ERROR,
                message=f"node {self.node_name} has its event bus disabled",
                details={"topic": topic},
            )
        body = to_jsonable(payload or {})
        envelope = ModelEventEnvelope(
            topic=topic,
            event_type=event_type,
            payload=body if isinstance(body, Mapping) else {"value": body},
            source=self.node_name,
            correlation_id=correlation_id,
        )
        try:
            await self.event_bus.publish(envelope)
        except Exception as exc:
            raise self._bus_error("publish", topic, exc) from exc
        return envelope

    def _bus_enabled(self) -> bool:
        return self._bus_config.event_bus_enabled

    def _check_topic(self, topic: str, event_type: str) -> None:
        # Contracts list produced topics or produced event types; either names the event.
        declared = self.contract.publish_topics
        if not self._bus_config.enforce_declared_topics or not declared:
            return
        if topic in declared or event_type in declared:
            return
        close = difflib.get_close_matches(topic, declared, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ModelOnexError(
            error_code=EnumCoreErrorCode.CONFIGURATION_ERROR,
            message=f"topic '{topic}' is not published by contract {self.contract.name}{hint}",
            details={"topic": topic, "declared": list(declared)},
        )

    def _bus_error(self, action: str, topic: str, exc: Exception) -> ModelOnexError:
        return ModelOnexError(
            error_code=EnumCoreErrorCode.EVENT_BUS_ERROR,
            message=f"could not {action} on topic '{topic}': {exc}",
            details={"topic": topic, "error_type": type(exc).__name__},
        )

    async def _on_shutdown(self) -> None:
        subscriptions, self._subscriptions = self._subscriptions, []
        for subscription in subscriptions:
            await subscription.unsubscribe()
        await super()._on_shutdown()


@dataclass(frozen=True, slots=True)
class ModelEventStats:
    """Counts of consumed events.

    Attributes:
        received: Events delivered to the node.
        handled: Events a handler processed without raising.
        failed: Events whose handler raised.
        unhandled: Events with no handler for their type.
    """

    received: int = 0
    handled: int = 0
    failed: int = 0
    unhandled: int = 0


class MixinEventHandler(MixinEventBus):
    """Subscribes to the consumed topics at start and routes events by ``event_type``.

    Topics come from the mixin config (``topics``) or the contract's consumed
    topics. Register handlers with :meth:`register_event_handler`; ``"*"``
    catches every type without its own handler. A handler that raises is
    logged and counted, and does not stop the node.

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinEventHandlerConfig`.
    """

    def _on_configure(self) -> None:
        super()._on_configure()
        self._handler_config = self.mixin_config(MixinEventHandlerConfig)
        self._event_handlers: dict[str, EventHandler] = {}
        self._received = self._handled = self._failed = self._unhandled = 0

    def register_event_handler(self, event_type: str, handler: EventHandler) -> None:
        """Route events of ``event_type`` (or ``"*"``: any other) to ``handler``."""
        self._event_handlers[event_type] = handler

    def event_stats(self) -> ModelEventStats:
        """Counts of consumed events since construction."""
        return ModelEventStats(self._received, self._handled, self._failed, self._unhandled)

    def consumed_topics(self) -> tuple[str, ...]:
        """Topics the node subscribes to at start."""
        return self._handler_config.topics or self.contract.subscribe_topics

    async def handle_event(self, envelope: ModelEventEnvelope) -> None:
        """Route one event to its handler (the bus calls this)."""
        self._received += 1
        handler = self._event_handlers.get(envelope.event_type) or self._event_handlers.get(
            ANY_EVENT_TYPE
        )
        fields = {
            "node": self.node_name,
            "topic": envelope.topic,
            "event_type": envelope.event_type,
        }
        if handler is None:
            self._unhandled += 1
            emit_log_event(EnumLogLevel.WARNING, "node.event.unhandled", fields)
            return
        try:
            await handler(envelope)
        except Exception as exc:
            self._failed += 1
            emit_log_event(EnumLogLevel.ERROR, "node.event.failed", {**fields, "error": repr(exc)})
            return
        self._handled += 1

    def _consumes_events(self) -> bool:
        return self._handler_config.event_bus_enabled

    async def _on_initialize(self) -> None:
        await super()._on_initialize()
        if self._consumes_events() and self._bus_enabled():
            for topic in self.consumed_topics():
                await self.subscribe_event(topic, self.handle_event)

    async def _collect_health(self) -> list[ModelComponentHealth]:
        components = await super()._collect_health()
        expected = self.consumed_topics() if self._consumes_events() else ()
        missing = [t for t in expected if t not in self.subscribed_topics]
        if self.is_running and missing:
            components.append(
                ModelComponentHealth(
                    name="event_subscriptions",
                    status=EnumHealthStatus.UNHEALTHY,
                    message=f"not subscribed to {', '.join(missing)}",
                )
            )
        elif self.is_running:
            components.append(
                ModelComponentHealth(
                    name="event_subscriptions",
                    status=EnumHealthStatus.HEALTHY,
                    details={"topics": list(expected), "failed_events": self._failed},
                )
            )
        return components


class MixinNodeLifecycle(MixinEventBus):
    """Publishes ``NODE_STARTED`` at start and ``NODE_STOPPED`` at shutdown.

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinNodeLifecycleConfig`.
    """

    def _on_configure(self) -> None:
        super()._on_configure()
        self._lifecycle_config = self.mixin_config(MixinNodeLifecycleConfig)

    async def _on_initialize(self) -> None:
        await super()._on_initialize()
        await self._announce(NODE_STARTED)

    async def _on_shutdown(self) -> None:
        try:
            await self._announce(NODE_STOPPED)
        finally:
            await super()._on_shutdown()

    async def _announce(self, event_type: str) -> None:
        if self._lifecycle_config.event_bus_enabled and self._bus_enabled():
            payload = {
                "node_name": self.node_name,
                "node_type": self.node_type.value,
                "version": self.contract.version,
            }
            await self._publish(self._lifecycle_config.lifecycle_topic, event_type, payload, None)


class MixinIntrospectionPublisher(MixinEventBus, MixinNodeIntrospection):
    """Publishes the node description (``NODE_INTROSPECTION``) when the node starts.

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinIntrospectionPublisherConfig`.
    """

    def _on_configure(self) -> None:
        super()._on_configure()
        self._publisher_config = self.mixin_config(MixinIntrospectionPublisherConfig)

    async def publish_introspection(self) -> ModelEventEnvelope:
        """Publish the node description now."""
        return await self._publish(
            self._publisher_config.introspection_topic,
            NODE_INTROSPECTION,
            self.get_introspection().to_dict(),
            None,
        )

    async def _on_initialize(self) -> None:
        await super()._on_initialize()
        if self._publisher_config.introspection_enabled and self._bus_enabled():
            await self.publish_introspection()


class MixinEventDrivenNode(MixinEventHandler):
    """An event-driven node: consumes its topics and routes events to handlers.

    Topics come from the mixin's ``topics`` config, else the contract's consumed
    topics. The contract must also declare node lifecycle announcements and
    introspection publishing (``MixinNodeLifecycle`` and
    ``MixinIntrospectionPublisher``, or ``MixinServiceRegistry``); the catalog
    checks this.

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinEventDrivenNodeConfig`.
    """

    def _on_configure(self) -> None:
        super()._on_configure()
        self._driven_config = self.mixin_config(MixinEventDrivenNodeConfig)

    def consumed_topics(self) -> tuple[str, ...]:
        """The configured topics, else those of the event handler config or contract."""
        return self._driven_config.topics or super().consumed_topics()

    def _consumes_events(self) -> bool:
        return self._driven_config.event_bus_enabled and super()._consumes_events()
