"""Events: ModelEvent, EventProcessor and the event buses.

The bus backend is chosen by ``Settings.event_bus`` (``create_event_bus``):
in-process (default), Kafka (aiokafka) or Redis Streams. ``LifecyclePublisher``
puts the pipeline's run, stage, step and validation lifecycle on the bus.
"""

from omninode_bridge.events.bus import Delivery, EventBus
from omninode_bridge.events.factory import create_event_bus
from omninode_bridge.events.lifecycle import LIFECYCLE_TOPIC, LifecyclePublisher, lifecycle_event
from omninode_bridge.events.memory import InMemoryEventBus
from omninode_bridge.events.models import ModelEvent
from omninode_bridge.events.processor import EventProcessor, EventProcessorMetrics

__all__ = [
    "LIFECYCLE_TOPIC",
    "Delivery",
    "EventBus",
    "EventProcessor",
    "EventProcessorMetrics",
    "InMemoryEventBus",
    "LifecyclePublisher",
    "ModelEvent",
    "create_event_bus",
    "lifecycle_event",
]
