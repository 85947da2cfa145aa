"""Where a metric goes: category, Kafka topic and envelope, chosen by name prefix.

The prefixes and topics are the original collector's: ``routing_``,
``state_``, ``coordination_``, ``workflow_`` and ``quorum_``; any other name
falls into the ``routing`` category, as it did there.
"""

from __future__ import annotations

import uuid
from typing import Any

from omninode_bridge.metrics.models import Metric

__all__ = [
    "DEFAULT_CATEGORY",
    "ENVELOPE_EVENT_TYPE",
    "ENVELOPE_VERSION",
    "SOURCE_SERVICE",
    "category_for",
    "metric_envelope",
    "topic_for",
]

DEFAULT_CATEGORY = "routing"
ENVELOPE_EVENT_TYPE = "metric.recorded"
ENVELOPE_VERSION = "v1"
SOURCE_SERVICE = "omninode-bridge"

_PREFIXES: tuple[tuple[str, str], ...] = (
    ("routing_", "routing"),
    ("state_", "state"),
    ("coordination_", "coordination"),
    ("workflow_", "workflow"),
    ("quorum_", "quorum"),
)
_TOPIC_NAMES = {
    "routing": "routing",
    "state": "state-ops",
    "coordination": "coordination",
    "workflow": "workflow",
    "quorum": "ai-quorum",
}
_EVENT_NAMESPACE = uuid.UUID("5b0f6a52-9d43-4c8e-9a55-2f4a3c1f8e11")


def category_for(metric_name: str) -> str:
    """``routing``, ``state``, ``coordination``, ``workflow`` or ``quorum``."""
    for prefix, category in _PREFIXES:
        if metric_name.startswith(prefix):
            return category
    return DEFAULT_CATEGORY


def topic_for(metric_name: str, *, environment: str = "dev") -> str:
    """The Kafka topic, e.g. ``dev.agent.metrics.ai-quorum.v1`` for ``quorum_*``."""
    return f"{environment}.agent.metrics.{_TOPIC_NAMES[category_for(metric_name)]}.v1"


def metric_envelope(metric: Metric) -> dict[str, Any]:
    """The ``OnexEnvelopeV1`` message for one metric.

    ``event_id`` is derived from ``metric_id``, so a metric published twice
    (a retried batch) carries the same event id and consumers can drop the
    repeat.
    """
    return {
        "event_type": ENVELOPE_EVENT_TYPE,
        "event_version": ENVELOPE_VERSION,
        "event_id": str(uuid.uuid5(_EVENT_NAMESPACE, metric.metric_id)),
        "timestamp": metric.timestamp.isoformat(),
        "source_service": SOURCE_SERVICE,
        "correlation_id": metric.correlation_id,
        "payload": {
            "metric_id": metric.metric_id,
            "metric_name": metric.metric_name,
            "metric_type": metric.metric_type.value,
            "value": metric.value,
            "unit": metric.unit,
            "tags": dict(metric.tags),
            "agent_id": metric.agent_id,
            "correlation_id": metric.correlation_id,
        },
    }
