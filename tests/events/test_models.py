"""ModelEvent envelopes: round trip and validation of untrusted bytes."""

from __future__ import annotations

import json

import pytest

from omninode_bridge.errors import EventBusError
from omninode_bridge.events import ModelEvent


def test_envelope_round_trips() -> None:
    event = ModelEvent("code_generated", {"node_type": "EFFECT"}, correlation_id="c-1",
                       metadata={"v": 2})  # fmt: skip
    back = ModelEvent.from_json(event.to_json())
    assert back == event


def test_envelope_has_the_onex_fields() -> None:
    data = json.loads(ModelEvent("x", event_id="e-1").to_json())
    assert set(data) == {
        "event_type", "event_version", "event_id", "timestamp", "source_service",
        "correlation_id", "payload", "metadata",
    }  # fmt: skip
    assert data["event_version"] == "v1"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"event_id": "1", "timestamp": "2026-01-01T00:00:00Z"}', "event_type"),
        (b'{"event_type": "x", "event_id": "1", "timestamp": "yesterday"}', "timestamp"),
    ],
    ids=["not-json", "not-object", "missing-type", "bad-timestamp"],
)
def test_invalid_envelope_is_rejected_with_the_field(raw: bytes, message: str) -> None:
    with pytest.raises(EventBusError, match=message):
        ModelEvent.from_json(raw)
