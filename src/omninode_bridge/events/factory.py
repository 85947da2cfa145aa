"""Pick the event bus backend from the settings (``OMNINODE_EVENT_BUS``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from omninode_bridge.errors import ConfigError
from omninode_bridge.events.bus import EventBus

if TYPE_CHECKING:
    from omninode_bridge.config import Settings

__all__ = ["create_event_bus"]


def create_event_bus(settings: Settings | None = None) -> EventBus:
    """The bus ``settings.event_bus`` names: ``memory``, ``kafka`` or ``redis``.

    Raises:
        ConfigError: Kafka is selected without ``kafka_bootstrap_servers``.
    """
    if settings is None:
        from omninode_bridge.config import load_settings

        settings = load_settings()
    if settings.event_bus == "kafka":
        if not settings.kafka_bootstrap_servers:
            raise ConfigError(
                "event_bus: 'kafka' needs kafka_bootstrap_servers "
                "(OMNINODE_KAFKA_BOOTSTRAP_SERVERS)"
            )
        from omninode_bridge.events.kafka import KafkaEventBus

        return KafkaEventBus(settings.kafka_bootstrap_servers)
    if settings.event_bus == "redis":
        from omninode_bridge.events.redis import RedisStreamsEventBus

        return RedisStreamsEventBus(settings.redis_url)
    from omninode_bridge.events.memory import InMemoryEventBus

    return InMemoryEventBus()
