"""Metric sinks: the database (SQLite/PostgreSQL) and Kafka.

``MetricsCollector.start(kafka_bootstrap_servers=..., postgres_url=...)``
adds them; both can also be constructed and passed to ``add_sink``.
"""

from omninode_bridge.metrics.sinks.database import DatabaseMetricSink
from omninode_bridge.metrics.sinks.kafka import KafkaMetricSink, KafkaProducer
from omninode_bridge.metrics.sinks.routing import category_for, metric_envelope, topic_for

__all__ = [
    "DatabaseMetricSink",
    "KafkaMetricSink",
    "KafkaProducer",
    "category_for",
    "metric_envelope",
    "topic_for",
]
