"""InMemoryEventBus: delivery, isolation of failing subscribers, unsubscribe, history."""

from __future__ import annotations

from omninode_bridge.onex import InMemoryEventBus, ModelEventEnvelope, capture_log_events


async def test_publish_delivers_to_topic_subscribers_only() -> None:
    bus = InMemoryEventBus()
    seen: list[str] = []

    async def on_a(envelope: ModelEventEnvelope) -> None:
        seen.append(f"a:{envelope.event_type}")

    async def on_b(envelope: ModelEventEnvelope) -> None:
        seen.append(f"b:{envelope.event_type}")

    await bus.subscribe("a", on_a)
    await bus.subscribe("b", on_b)
    await bus.publish(ModelEventEnvelope(topic="a", event_type="Created"))
    assert seen == ["a:Created"]
    assert bus.subscriber_count("a") == 1
    assert [e.topic for e in bus.published_on("a")] == ["a"]


async def test_failing_subscriber_does_not_stop_the_others() -> None:
    bus = InMemoryEventBus()
    seen: list[str] = []

    async def broken(envelope: ModelEventEnvelope) -> None:
        raise RuntimeError("boom")

    async def working(envelope: ModelEventEnvelope) -> None:
        seen.append(envelope.event_id)

    await bus.subscribe("t", broken)
    await bus.subscribe("t", working)
    with capture_log_events() as events:
        await bus.publish(ModelEventEnvelope(topic="t", event_type="X", event_id="e1"))
    assert seen == ["e1"]
    assert bus.delivery_failures == 1
    assert events[0].message == "event_bus.delivery_failed"


async def test_unsubscribe_stops_only_that_subscription() -> None:
    bus = InMemoryEventBus()
    seen: list[int] = []

    async def handler(envelope: ModelEventEnvelope) -> None:
        seen.append(1)

    first = await bus.subscribe("t", handler)
    await bus.subscribe("t", handler)
    await first.unsubscribe()
    await first.unsubscribe()
    await bus.publish(ModelEventEnvelope(topic="t", event_type="X"))
    assert seen == [1]
    assert bus.subscriber_count("t") == 1


async def test_history_is_bounded() -> None:
    bus = InMemoryEventBus(history=2)
    for n in range(3):
        await bus.publish(ModelEventEnvelope(topic="t", event_type=str(n)))
    assert [e.event_type for e in bus.published] == ["1", "2"]


def test_envelope_dict_form() -> None:
    envelope = ModelEventEnvelope(topic="t", event_type="X", payload={"a": 1}, source="n")
    data = envelope.to_dict()
    assert data["payload"] == {"a": 1}
    assert data["source"] == "n"
    assert len(data["event_id"]) == 36
