"""Seed import path ``omninode_bridge.agents.metrics``: re-exports only.

The code lives in :mod:`omninode_bridge.metrics` (collector, records and sinks).
"""

from omninode_bridge.metrics.collector import CollectorStats, MetricsCollector
from omninode_bridge.metrics.models import Metric, MetricSink, MetricSummary, MetricType

__all__ = [
    "CollectorStats",
    "Metric",
    "MetricSink",
    "MetricSummary",
    "MetricType",
    "MetricsCollector",
]
