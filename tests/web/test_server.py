"""ObservabilityServer in-process: scrape /metrics after real workflow runs, /health, API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from omninode_bridge.agents.coordination import SignalCoordinator
from omninode_bridge.agents.workflows import StagedParallelExecutor
from omninode_bridge.engine.example import EXAMPLE_STAGE_NAMES, build_example_stages
from omninode_bridge.observability.alerts import AlertRule, AlertSeverity
from omninode_bridge.observability.health import HealthChecker, HealthCheckResult, HealthStatus
from omninode_bridge.observability.monitoring import MonitoringSystem
from omninode_bridge.observability.prometheus import (
    PrometheusSignalExporter,
    get_prometheus_metrics,
)
from omninode_bridge.persistence import OmniNodePersistence
from omninode_bridge.persistence.recorder import RunRecorder
from omninode_bridge.web import ObservabilityServer

ITEMS = ["alpha", "beta"]


async def _run_workflows(exporter: PrometheusSignalExporter, runs: int, store: Any = None) -> None:
    coordinator = SignalCoordinator()
    exporter.attach(coordinator)
    if store is not None:
        RunRecorder(store).attach(coordinator)
    executor = StagedParallelExecutor(signal_coordinator=coordinator)
    for i in range(runs):
        result = await executor.execute_workflow(
            f"run-{i}", build_example_stages(ITEMS, work_seconds=0)
        )
        assert result.success, result.errors
    await coordinator.close()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[OmniNodePersistence]:
    persistence = OmniNodePersistence(f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}")
    await persistence.initialize()
    yield persistence
    await persistence.close()


async def test_metrics_endpoint_serves_the_workflow_histograms(
    fresh_monitoring: MonitoringSystem, store: OmniNodePersistence
) -> None:
    exporter = PrometheusSignalExporter(get_prometheus_metrics())
    await _run_workflows(exporter, runs=3, store=store)

    async def history(limit: int) -> list[Any]:
        return list(await store.list_runs(limit=limit))

    server = ObservabilityServer(
        monitoring=fresh_monitoring,
        exporter=exporter,
        run_history=history,
        loop=asyncio.get_running_loop(),
    )
    with server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            response = await client.get("/metrics")
            runs = (await client.get("/api/runs", params={"limit": 2})).json()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}

    def counts(name: str) -> dict[tuple[str | None, str | None], float]:
        return {
            (s.labels.get("stage_id"), s.labels.get("status")): s.value
            for s in families[name].samples
            if s.name == f"{name}_count"
        }

    assert counts("omninode_workflow_duration_seconds") == {(None, "completed"): 3}
    stages = counts("omninode_stage_duration_seconds")
    steps = counts("omninode_step_duration_seconds")
    assert stages == {(stage, "completed"): 3 for stage in EXAMPLE_STAGE_NAMES}
    assert steps == {(stage, "completed"): 3 * len(ITEMS) for stage in EXAMPLE_STAGE_NAMES}
    assert [r["workflow_id"] for r in runs["recent"]] == ["run-2", "run-1"]
    assert {r["workflow_id"] for r in runs["persisted"]} == {"run-2", "run-1"}
    assert all(r["status"] == "completed" for r in runs["persisted"])


async def test_health_endpoint_reports_checks_and_503_when_critical(
    fresh_monitoring: MonitoringSystem,
) -> None:
    checker = HealthChecker()
    state = {"status": HealthStatus.HEALTHY}

    async def db() -> HealthCheckResult:
        return HealthCheckResult("database", state["status"], "probe")

    checker.register("database", db)
    server = ObservabilityServer(
        monitoring=fresh_monitoring, health_checker=checker, loop=asyncio.get_running_loop()
    )
    with server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            healthy = await client.get("/health")
            state["status"] = HealthStatus.CRITICAL
            critical = await client.get("/health")
    assert healthy.status_code == 200
    assert healthy.json()["status"] == "healthy"
    assert healthy.json()["components"]["database"]["message"] == "probe"
    assert critical.status_code == 503
    assert critical.json()["status"] == "critical"


def test_api_alerts_metrics_and_unknown_paths_without_a_loop(
    fresh_monitoring: MonitoringSystem,
) -> None:
    fresh_monitoring.alert_manager.add_rule(
        AlertRule("queue_full", "queue_depth", 10, AlertSeverity.WARNING, duration_seconds=0)
    )
    fresh_monitoring.record("queue_depth", 50)
    with (
        ObservabilityServer(monitoring=fresh_monitoring) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        alerts = client.get("/api/alerts").json()
        metrics = client.get("/api/metrics", params={"window": 5}).json()
        dashboard = client.get("/api/dashboard").json()
        health = client.get("/health")
        missing = client.get("/nope")
        index = client.get("/api").json()
    [alert] = alerts["active"]
    assert alert["alert_name"] == "queue_full"
    assert alerts["statistics"]["fired"] == 1
    assert metrics["custom"][0]["name"] == "queue_depth"
    assert metrics["meta"]["time_window_minutes"] == 5
    assert dashboard["alerts"]["active"][0]["alert_name"] == "queue_full"
    assert health.status_code == 200
    assert missing.status_code == 404
    assert "/metrics" in index["endpoints"]


def test_server_binds_a_free_port_and_releases_it(fresh_monitoring: MonitoringSystem) -> None:
    server = ObservabilityServer(monitoring=fresh_monitoring).start()
    port = server.port
    assert port > 0
    assert server.url == f"http://127.0.0.1:{port}"
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/metrics", timeout=2)
