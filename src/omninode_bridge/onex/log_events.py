"""``emit_log_event``: structured log events for node code.

Every event becomes a frozen :class:`ModelLogEvent` handed to the registered
sinks. The default sink forwards to structlog (so the package's logging
configuration applies); tests capture events with :func:`capture_log_events`
instead of parsing log output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import structlog

from omninode_bridge.onex.enums import EnumLogLevel

__all__ = [
    "LogSink",
    "ModelLogEvent",
    "add_log_sink",
    "capture_log_events",
    "emit_log_event",
    "remove_log_sink",
]

LOGGER_NAME: Final = "omninode_bridge.onex"
_RESERVED: Final = frozenset({"event", "level", "logger", "timestamp"})


@dataclass(frozen=True, slots=True)
class ModelLogEvent:
    """One emitted log event.

    Attributes:
        level: Severity.
        message: What happened (a dotted event name or a short sentence).
        data: Structured fields.
        timestamp: When it was emitted (UTC).
    """

    level: EnumLogLevel
    message: str
    data: Mapping[str, Any] = field(default_factory=dict)
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))


LogSink = Callable[[ModelLogEvent], None]


def _structlog_sink(event: ModelLogEvent) -> None:
    fields = {(f"data_{k}" if k in _RESERVED else k): v for k, v in event.data.items()}
    level = max(event.level.numeric, EnumLogLevel.DEBUG.numeric)
    structlog.get_logger(LOGGER_NAME).log(level, event.message, **fields)


_sinks: list[LogSink] = [_structlog_sink]


def emit_log_event(
    level: EnumLogLevel, message: str, data: Mapping[str, Any] | None = None
) -> ModelLogEvent:
    """Emit one structured log event to every sink.

    Args:
        level: Severity.
        message: Event name or short sentence.
        data: Structured fields (copied).

    Returns:
        The event as emitted.
    """
    event = ModelLogEvent(level=level, message=message, data=dict(data or {}))
    for sink in tuple(_sinks):
        sink(event)
    return event


def add_log_sink(sink: LogSink) -> None:
    """Send every later event to ``sink`` too."""
    _sinks.append(sink)


def remove_log_sink(sink: LogSink) -> None:
    """Stop sending events to ``sink`` (no error when it is not registered)."""
    if sink in _sinks:
        _sinks.remove(sink)


@contextmanager
def capture_log_events() -> Iterator[list[ModelLogEvent]]:
    """Collect the events emitted inside the ``with`` block into a list.

    Example:
        >>> with capture_log_events() as events:
        ...     emit_log_event(EnumLogLevel.INFO, "node.ready", {"node": "x"})
        >>> events[0].message
        'node.ready'
    """
    captured: list[ModelLogEvent] = []
    add_log_sink(captured.append)
    try:
        yield captured
    finally:
        remove_log_sink(captured.append)
