"""DatabaseMetricSink on SQLite and PostgreSQL, through the real collector."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from omninode_bridge.agents.metrics import MetricsCollector
from omninode_bridge.errors import PersistenceError
from omninode_bridge.metrics.sinks import DatabaseMetricSink
from omninode_bridge.persistence import OmniNodePersistence


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def metrics_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'metrics.db'}"
        return
    base: str = request.getfixturevalue("postgres_url")
    schema = f"m_{uuid.uuid4().hex[:12]}"
    yield f"{base}?schema={schema}"
    store = OmniNodePersistence(base, migrate=False)
    await store.initialize()
    async with store.engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await store.close()


async def _count(url: str) -> dict[str, int]:
    async with OmniNodePersistence(url) as store:
        return {r["category"]: r["count"] for r in await store.get_metric_counts()}


async def test_collector_start_with_database_url_stores_every_metric(metrics_url: str) -> None:
    collector = MetricsCollector(batch_size=50, flush_interval_ms=60_000)
    await collector.start(postgres_url=metrics_url)
    for i in range(120):
        collector.record_timing("workflow_stage_ms", float(i), {"stage": "models"})
    for i in range(30):
        collector.record_gauge("quorum_consensus_score", i / 30)
    collector.record_counter("validation_runs")
    await collector.stop()
    assert await _count(metrics_url) == {"workflow": 120, "quorum": 30, "routing": 1}


async def test_rewriting_a_batch_stores_it_once(metrics_url: str) -> None:
    collector = MetricsCollector()
    batch = [collector.record_counter("state_ops", 1) for _ in range(5)]
    sink = DatabaseMetricSink(metrics_url)
    await sink.write(batch)
    await sink.write(batch)
    await sink.close()
    assert await _count(metrics_url) == {"state": 5}


class FlakyStore:
    """A store that fails its first ``failures`` writes, then writes through."""

    def __init__(self, inner: OmniNodePersistence, failures: int) -> None:
        self.inner = inner
        self.failures = failures

    async def insert_metric_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        if self.failures:
            self.failures -= 1
            raise PersistenceError("database is down")
        await self.inner.insert_metric_rows(rows)


async def test_database_outage_loses_no_buffered_metric(metrics_url: str) -> None:
    async with OmniNodePersistence(metrics_url) as inner:
        sink = DatabaseMetricSink(store=FlakyStore(inner, failures=3))  # type: ignore[arg-type]
        collector = MetricsCollector(batch_size=40, flush_interval_ms=60_000)
        collector.add_sink(sink)
        for i in range(100):
            collector.record_timing("coordination_ms", float(i))
        for _ in range(3):
            await collector.flush()
        assert collector.pending_for(sink) == 100
        await collector.stop()
        assert collector.get_stats().flush_failures == 3
        counts = {r["metric_name"]: r["count"] for r in await inner.get_metric_counts()}
    assert counts == {"coordination_ms": 100}
