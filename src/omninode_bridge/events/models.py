"""ModelEvent: the record every event bus carries, and its wire format.

On the wire an event is the ``OnexEnvelopeV1`` JSON object the metrics
topics use: ``event_type``, ``event_version``, ``event_id``, ``timestamp``
(ISO 8601), ``source_service``, ``correlation_id``, ``payload`` and
``metadata``. Bytes read back from a bus are untrusted and validated with
pydantic before they become a :class:`ModelEvent`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omninode_bridge.errors import EventBusError

__all__ = ["EVENT_VERSION", "ModelEvent"]

EVENT_VERSION = "v1"
_EMPTY: Mapping[str, Any] = {}


def _now() -> datetime:
    return datetime.now(UTC)


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_type: str = Field(min_length=1, max_length=200)
    event_version: str = EVENT_VERSION
    event_id: str = Field(min_length=1, max_length=100)
    timestamp: datetime
    source_service: str = "omninode-bridge"
    correlation_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModelEvent:
    """One event.

    Attributes:
        event_type: Dotted name, e.g. ``code_generated`` or ``stage.completed``.
        payload: JSON-serialisable body.
        correlation_id: Correlation id of the work the event belongs to.
        source: Service or component that produced it.
        metadata: JSON-serialisable extras (routing hints, versions...).
        event_id: Unique id; consumers use it to drop repeats.
        timestamp: When the event was created (UTC).
    """

    event_type: str
    payload: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    correlation_id: str | None = None
    source: str = "omninode-bridge"
    metadata: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timestamp: datetime = field(default_factory=_now)

    def to_dict(self) -> dict[str, Any]:
        """The envelope as a JSON-compatible dict."""
        return {
            "event_type": self.event_type,
            "event_version": EVENT_VERSION,
            "event_id": self.event_id,
            "timestamp": self.timestamp.isoformat(),
            "source_service": self.source,
            "correlation_id": self.correlation_id,
            "payload": dict(self.payload),
            "metadata": dict(self.metadata),
        }

    def to_json(self) -> bytes:
        """The envelope as compact JSON bytes."""
        return json.dumps(self.to_dict(), separators=(",", ":"), default=str).encode()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelEvent:
        """Validate an envelope read from a bus.

        Raises:
            EventBusError: The data is not a valid envelope; names the field.
        """
        try:
            envelope = _Envelope.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'envelope'}: {err['msg']}"
                for err in exc.errors()
            )
            raise EventBusError(f"invalid event envelope: {problems}") from exc
        stamp = envelope.timestamp
        return cls(
            event_type=envelope.event_type,
            payload=envelope.payload,
            correlation_id=envelope.correlation_id,
            source=envelope.source_service,
            metadata=envelope.metadata,
            event_id=envelope.event_id,
            timestamp=stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp,
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> ModelEvent:
        """Parse and validate envelope bytes.

        Raises:
            EventBusError: Not JSON, or not a valid envelope.
        """
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EventBusError(f"invalid event envelope: not JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise EventBusError("invalid event envelope: expected a JSON object")
        return cls.from_dict(data)
