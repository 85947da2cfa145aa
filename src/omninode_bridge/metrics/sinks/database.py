"""DatabaseMetricSink: metric batches into the ``agent_metrics`` table.

Each batch is one transaction; rows whose ``metric_id`` is already stored are
skipped, so when the collector retries a batch after a failure nothing is
written twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omninode_bridge.metrics.models import Metric
from omninode_bridge.metrics.sinks.routing import category_for
from omninode_bridge.persistence.store import OmniNodePersistence

__all__ = ["DatabaseMetricSink"]


def metric_row(metric: Metric) -> dict[str, Any]:
    """The ``agent_metrics`` row of one metric."""
    return {
        "metric_id": metric.metric_id,
        "category": category_for(metric.metric_name),
        "metric_name": metric.metric_name,
        "metric_type": metric.metric_type.value,
        "value": metric.value,
        "unit": metric.unit,
        "tags": dict(metric.tags),
        "agent_id": metric.agent_id,
        "correlation_id": metric.correlation_id,
        "recorded_at": metric.timestamp,
    }


class DatabaseMetricSink:
    """Writes metric batches to SQLite or PostgreSQL.

    Args:
        url: Database URL (``postgresql://...`` or ``sqlite:///...``); None
            uses the configured database.
        store: A store to write through instead of opening one (not closed by
            :meth:`close`).
    """

    name = "database"

    def __init__(self, url: str | None = None, *, store: OmniNodePersistence | None = None) -> None:
        self._owns_store = store is None
        self.store = store if store is not None else OmniNodePersistence(url)
        self.written = 0

    async def write(self, batch: Sequence[Metric]) -> None:
        """Insert one batch (raises ``PersistenceError``; the collector retries)."""
        await self.store.insert_metric_rows([metric_row(m) for m in batch])
        self.written += len(batch)

    async def close(self) -> None:
        """Close the store if this sink opened it."""
        if self._owns_store:
            await self.store.close()
