"""A writer killed with SIGKILL leaves a consistent store.

The child process writes runs (stages, steps, completion) and pushes metrics
through the collector's database sink in a tight loop, printing a line after
each commit. The parent kills it mid-stream, reopens the store and checks:
every reported commit is there, no run is completed that the child had not
started to complete, and the interrupted run can be marked as such.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from sqlalchemy import text

from omninode_bridge.persistence import OmniNodePersistence

CHILD = r"""
import asyncio, sys
from omninode_bridge.agents.metrics import MetricsCollector
from omninode_bridge.metrics.sinks import DatabaseMetricSink
from omninode_bridge.persistence import OmniNodePersistence

def say(*parts):
    print(*parts, flush=True)

async def main(url):
    store = OmniNodePersistence(url)
    sink = DatabaseMetricSink(store=store)
    collector = MetricsCollector(batch_size=25, flush_interval_ms=600_000)
    collector.add_sink(sink)
    i = 0
    while True:
        run = f"run-{i}"
        await store.record_run_started(run, "codegen")
        say("started", run)
        for stage in ("parse", "models", "package"):
            await store.record_step_started(run, stage, f"{stage}-step")
            for n in range(20):
                collector.record_timing("workflow_step_ms", float(n), {"run": run})
            await store.record_step_finished(run, stage, f"{stage}-step", success=True)
            await store.record_stage_finished(run, stage, success=True)
            await collector.flush(drain=True)
            say("metrics", sink.written)
        say("finishing", run)
        await store.record_run_finished(run, success=True)
        say("completed", run)
        i += 1

asyncio.run(main(sys.argv[1]))
"""


def _parse(raw: bytes) -> list[tuple[str, str]]:
    out = []
    for line in raw.decode().splitlines():
        kind, _, value = line.partition(" ")
        if value:
            out.append((kind, value))
    return out


async def _run_and_kill(database_url: str, completed_runs: int) -> list[tuple[str, str]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, database_url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    lines: list[tuple[str, str]] = []
    try:
        # Let it complete some runs and get into the middle of the next one.
        while (
            sum(kind == "completed" for kind, _ in lines) < completed_runs
            or len([k for k, _ in lines if k == "metrics"]) < 3 * completed_runs + 1
        ):
            raw = await asyncio.wait_for(proc.stdout.readline(), timeout=60)
            assert raw, (await proc.stderr.read()).decode()
            lines.extend(_parse(raw))
        os.kill(proc.pid, signal.SIGKILL)
        # Lines written to the pipe before the kill describe commits too.
        lines.extend(_parse(await proc.stdout.read()))
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
    return lines


async def test_sigkill_mid_write_leaves_a_consistent_store(database_url: str) -> None:
    lines = await _run_and_kill(database_url, completed_runs=3)
    reported_completed = {v for k, v in lines if k == "completed"}
    reported_finishing = {v for k, v in lines if k == "finishing"}
    reported_started = {v for k, v in lines if k == "started"}
    reported_metrics = max(int(v) for k, v in lines if k == "metrics")

    async with OmniNodePersistence(database_url) as store:
        if store.dialect == "sqlite":
            async with store.engine.connect() as conn:
                check = (await conn.execute(text("PRAGMA integrity_check"))).scalar_one()
            assert check == "ok"
        runs = {r.run_id: r for r in await store.list_runs(limit=1000)}
        completed = {run_id for run_id, r in runs.items() if r.status == "completed"}

        assert reported_started <= set(runs)
        assert len(set(runs) - reported_started) <= 1  # at most the run being started
        assert reported_completed <= completed  # committed rows are present
        assert completed <= reported_finishing  # nothing completed that did not complete
        for run_id in completed:
            detail = await store.get_run(run_id)
            assert detail is not None
            assert detail.run.completed_at is not None
            assert [s.status for s in detail.stages] == ["completed"] * 3

        stored = sum(r["count"] for r in await store.get_metric_counts())
        assert stored >= reported_metrics

        in_flight = set(runs) - completed
        assert len(in_flight) <= 1
        assert await store.mark_interrupted_runs() == len(in_flight)
        for run_id in in_flight:
            detail = await store.get_run(run_id)
            assert detail is not None
            assert detail.run.status == "interrupted"
