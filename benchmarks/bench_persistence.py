"""Metrics into the store: rows per second on SQLite and PostgreSQL, hot-path cost.

Measured in one process and run:

* ``hot_path``: recording one metric with ``MetricsCollector.record_timing``
  (a database sink attached, so each metric is also buffered for the sink)
  next to the baseline, a bare ``list.append`` of a prebuilt tuple; median of
  several repetitions, nanoseconds per call.
* ``sqlite`` / ``postgresql``: N metrics (100,000; 5,000 with ``--quick``)
  recorded through the collector, then flushed to ``DatabaseMetricSink`` in
  batches of 1,000; rows per second of the flush and of record + flush, and
  the row count read back. PostgreSQL uses a throw-away schema in the
  ``test`` database (``OMNINODE_BENCH_POSTGRES_URL`` to change) and is skipped
  with a note when it is not reachable.

Run: ``python3 benchmarks/run.py --only persistence`` (or this file directly).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import socket
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from omninode_bridge.agents.metrics import MetricsCollector
from omninode_bridge.metrics.sinks import DatabaseMetricSink
from omninode_bridge.persistence import OmniNodePersistence

POSTGRES_URL = os.environ.get(
    "OMNINODE_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
BATCH_SIZE = 1_000
TAGS = {"stage_id": "models", "workflow_id": "bench"}


def _reachable(url: str) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 0.5):
            return True
    except OSError:
        return False


def _hot_path(n: int, repeats: int) -> dict[str, Any]:
    collector_ns: list[float] = []
    append_ns: list[float] = []
    item = ("workflow_step_execution_time_ms", 1.5, TAGS)
    for _ in range(repeats):
        collector = MetricsCollector(buffer_size=n, batch_size=n)
        collector.add_sink(DatabaseMetricSink("sqlite:///:memory:"))
        record = collector.record_timing
        gc.collect()
        start = time.perf_counter_ns()
        for _ in range(n):
            record("workflow_step_execution_time_ms", 1.5, TAGS)
        collector_ns.append((time.perf_counter_ns() - start) / n)

        sink: list[tuple[str, float, dict[str, str]]] = []
        append = sink.append
        gc.collect()
        start = time.perf_counter_ns()
        for _ in range(n):
            append(item)
        append_ns.append((time.perf_counter_ns() - start) / n)
    record_median = statistics.median(collector_ns)
    append_median = statistics.median(append_ns)
    return {
        "calls": n,
        "repeats": repeats,
        "record_timing_ns_per_call": round(record_median, 1),
        "baseline_list_append_ns_per_call": round(append_median, 1),
        "ratio_to_baseline": round(record_median / append_median, 1),
    }


async def _throughput(url: str, n: int) -> dict[str, Any]:
    sink = DatabaseMetricSink(url)
    await sink.store.initialize()
    collector = MetricsCollector(buffer_size=n, batch_size=BATCH_SIZE)
    collector.add_sink(sink)
    gc.collect()
    start = time.perf_counter()
    for i in range(n):
        collector.record_timing("workflow_step_execution_time_ms", float(i % 997), TAGS)
    recorded = time.perf_counter()
    await collector.flush(drain=True)
    flushed = time.perf_counter()
    stored = sum(r["count"] for r in await sink.store.get_metric_counts())
    await sink.close()
    flush_s = flushed - recorded
    return {
        "metrics": n,
        "batch_size": BATCH_SIZE,
        "rows_stored": stored,
        "record_seconds": round(recorded - start, 4),
        "flush_seconds": round(flush_s, 4),
        "flush_rows_per_second": round(n / flush_s),
        "end_to_end_rows_per_second": round(n / (flushed - start)),
    }


async def _postgres(n: int) -> dict[str, Any]:
    if not _reachable(POSTGRES_URL):
        return {"skipped": f"PostgreSQL not reachable at {make_url(POSTGRES_URL).host}"}
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        return await _throughput(f"{POSTGRES_URL}?schema={schema}", n)
    finally:
        admin = OmniNodePersistence(POSTGRES_URL, migrate=False)
        await admin.initialize()
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.close()


async def _run(quick: bool) -> dict[str, Any]:
    n = 5_000 if quick else 100_000
    results: dict[str, Any] = {"hot_path": _hot_path(n, 3 if quick else 7)}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = await _throughput(f"sqlite:///{Path(folder) / 'bench.db'}", n)
    results["postgresql"] = await _postgres(n)
    return results


def run(quick: bool = False) -> dict[str, Any]:
    """Measure hot-path cost and database throughput; see the module docstring."""
    return asyncio.run(_run(quick))


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
