"""Metrics: typed records, a bounded in-memory collector and pluggable sinks."""

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
