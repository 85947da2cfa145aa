"""emit_log_event: sinks, capture, level numbers."""

from __future__ import annotations

from omninode_bridge.onex import (
    EnumLogLevel,
    ModelLogEvent,
    add_log_sink,
    capture_log_events,
    emit_log_event,
    remove_log_sink,
)


def test_emit_returns_and_delivers_the_event() -> None:
    with capture_log_events() as events:
        event = emit_log_event(EnumLogLevel.WARNING, "cache.full", {"size": 3, "event": "x"})
    assert events == [event]
    assert event.level is EnumLogLevel.WARNING
    assert event.data == {"size": 3, "event": "x"}


def test_sinks_can_be_added_and_removed() -> None:
    seen: list[ModelLogEvent] = []
    add_log_sink(seen.append)
    emit_log_event(EnumLogLevel.INFO, "one")
    remove_log_sink(seen.append)
    remove_log_sink(seen.append)
    emit_log_event(EnumLogLevel.INFO, "two")
    assert [e.message for e in seen] == ["one"]


def test_levels_map_to_logging_numbers() -> None:
    assert EnumLogLevel.TRACE.numeric < EnumLogLevel.DEBUG.numeric == 10
    assert EnumLogLevel.CRITICAL.numeric == 50
