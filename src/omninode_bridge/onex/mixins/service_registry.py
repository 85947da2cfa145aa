"""``MixinServiceRegistry``: register the node with a service registry while it runs."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, Protocol

from omninode_bridge.onex.container import ServiceKey
from omninode_bridge.onex.enums import EnumCoreErrorCode, EnumHealthStatus, EnumLogLevel
from omninode_bridge.onex.errors import ModelOnexError
from omninode_bridge.onex.log_events import emit_log_event
from omninode_bridge.onex.mixins.config import MixinServiceRegistryConfig
from omninode_bridge.onex.mixins.introspection import MixinNodeIntrospection, ModelNodeIntrospection
from omninode_bridge.onex.node import ModelComponentHealth

__all__ = [
    "SERVICE_REGISTRY",
    "InMemoryServiceRegistry",
    "MixinServiceRegistry",
    "ModelServiceRegistration",
    "ProtocolServiceRegistry",
]


@dataclass(frozen=True, slots=True)
class ModelServiceRegistration:
    """A node's entry in a service registry.

    Attributes:
        service_id: Unique id of this running instance.
        service_name: Name other services look the node up by.
        node: The node's description.
        host: Registry host from the config, when given.
        port: Registry port from the config.
        health_check_interval_seconds: How often the registry should probe.
        deregister_critical_after: Registry-side expiry (``30m``).
        registered_at: When the entry was made (UTC).
    """

    service_id: str
    service_name: str
    node: ModelNodeIntrospection
    host: str | None = None
    port: int | None = None
    health_check_interval_seconds: int = 10
    deregister_critical_after: str = "30m"
    registered_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class ProtocolServiceRegistry(Protocol):
    """What a node needs from a service registry (Consul, etcd, in-memory...)."""

    async def register(self, registration: ModelServiceRegistration) -> None:
        """Add or replace the entry of ``registration.service_id``."""

    async def deregister(self, service_id: str) -> None:
        """Remove an entry (no error when absent)."""

    async def lookup(self, service_name: str) -> list[ModelServiceRegistration]:
        """Entries registered under ``service_name``."""


SERVICE_REGISTRY: Final[ServiceKey[ProtocolServiceRegistry]] = ServiceKey("onex.service_registry")
"""Container key of the service registry."""


class InMemoryServiceRegistry:
    """A process-local registry; also the test double."""

    def __init__(self) -> None:
        self.entries: dict[str, ModelServiceRegistration] = {}

    async def register(self, registration: ModelServiceRegistration) -> None:
        """Add or replace the entry of ``registration.service_id``."""
        self.entries[registration.service_id] = registration

    async def deregister(self, service_id: str) -> None:
        """Remove an entry (no error when absent)."""
        self.entries.pop(service_id, None)

    async def lookup(self, service_name: str) -> list[ModelServiceRegistration]:
        """Entries registered under ``service_name``."""
        return [e for e in self.entries.values() if e.service_name == service_name]


class MixinServiceRegistry(MixinNodeIntrospection):
    """Registers the node (with its description) at start and deregisters at shutdown.

    The registry is the container's :data:`SERVICE_REGISTRY`; an
    :class:`InMemoryServiceRegistry` is registered there when absent.
    ``${VAR}`` in ``service_name`` and ``consul_host`` is expanded from the
    environment; an unset variable leaves the node name as the service name.

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinServiceRegistryConfig`.
    """

    def _on_configure(self) -> None:
        super()._on_configure()
        self._registry_config = self.mixin_config(MixinServiceRegistryConfig)
        self._registration: ModelServiceRegistration | None = None

    @property
    def service_registry(self) -> ProtocolServiceRegistry:
        """The container's registry (an in-memory one is registered when absent)."""
        registry = self.container.resolve_optional(SERVICE_REGISTRY)
        if registry is None:
            registry = InMemoryServiceRegistry()
            self.container.register(SERVICE_REGISTRY, registry)
        return registry

    @property
    def service_registration(self) -> ModelServiceRegistration | None:
        """The live registration, ``None`` when not registered."""
        return self._registration

    async def register_service(self) -> ModelServiceRegistration:
        """Register now (done at start when ``auto_register``)."""
        config = self._registry_config
        registration = ModelServiceRegistration(
            service_id=f"{self.node_name}-{uuid.uuid4().hex[:12]}",
            service_name=self._expanded(config.service_name, "service_name") or self.node_name,
            node=self.get_introspection(),
            host=self._expanded(config.consul_host, "consul_host"),
            port=config.consul_port,
            health_check_interval_seconds=config.health_check_interval_seconds,
            deregister_critical_after=config.deregister_critical_service_after,
        )
        try:
            await self.service_registry.register(registration)
        except Exception as exc:
            raise ModelOnexError(
                error_code=EnumCoreErrorCode.EXTERNAL_SERVICE_ERROR,
                message=f"could not register {registration.service_name}: {exc}",
                details={"service_name": registration.service_name},
            ) from exc
        self._registration = registration
        return registration

    async def deregister_service(self) -> None:
        """Remove the registration (no error when not registered)."""
        registration, self._registration = self._registration, None
        if registration is not None:
            await self.service_registry.deregister(registration.service_id)

    async def _on_initialize(self) -> None:
        await super()._on_initialize()
        if self._registry_config.auto_register:
            await self.register_service()

    async def _on_shutdown(self) -> None:
        try:
            await self.deregister_service()
        finally:
            await super()._on_shutdown()

    async def _collect_health(self) -> list[ModelComponentHealth]:
        components = await super()._collect_health()
        if self._registry_config.auto_register and self.is_running:
            registered = self._registration is not None
            components.append(
                ModelComponentHealth(
                    name="service_registry",
                    status=EnumHealthStatus.HEALTHY if registered else EnumHealthStatus.UNHEALTHY,
                    critical=False,
                    message="" if registered else "not registered",
                )
            )
        return components

    def _expanded(self, value: str | None, key: str) -> str | None:
        if value is None:
            return None
        expanded = os.path.expandvars(value)
        if "$" in expanded:
            emit_log_event(
                EnumLogLevel.WARNING,
                "node.service_registry.unset_variable",
                {"node": self.node_name, "key": key, "value": value},
            )
            return None
        return expanded
