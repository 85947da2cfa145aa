"""create_event_bus picks the backend named by the settings."""

from __future__ import annotations

import pytest

from omninode_bridge.config import Settings
from omninode_bridge.errors import ConfigError
from omninode_bridge.events import InMemoryEventBus, create_event_bus
from omninode_bridge.events.kafka import KafkaEventBus
from omninode_bridge.events.redis import RedisStreamsEventBus


def test_memory_is_the_default() -> None:
    assert isinstance(create_event_bus(Settings()), InMemoryEventBus)


async def test_redis_backend_uses_redis_url() -> None:
    bus = create_event_bus(Settings(event_bus="redis", redis_url="redis://127.0.0.1:6379/15"))
    assert isinstance(bus, RedisStreamsEventBus)
    await bus.close()


def test_kafka_backend_needs_bootstrap_servers() -> None:
    with pytest.raises(ConfigError, match="kafka_bootstrap_servers"):
        create_event_bus(Settings(event_bus="kafka"))
    bus = create_event_bus(Settings(event_bus="kafka", kafka_bootstrap_servers="k:9092"))
    assert isinstance(bus, KafkaEventBus)
    assert bus.bootstrap_servers == "k:9092"
