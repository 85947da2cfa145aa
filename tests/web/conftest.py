"""Fixtures for the web tests: a real SQLite store with recorded runs, a fresh monitoring system."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from omninode_bridge.observability import (
    AlertManager,
    HealthChecker,
    HealthCheckResult,
    HealthStatus,
    MonitoringSystem,
    alerts,
    health,
    prometheus,
)
from omninode_bridge.observability import monitoring as monitoring_module
from omninode_bridge.persistence import OmniNodePersistence

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def at(ms: float) -> datetime:
    """``T0`` plus ``ms`` milliseconds."""
    return T0 + timedelta(milliseconds=ms)


async def record_run(
    store: OmniNodePersistence,
    run_id: str,
    *,
    start_ms: float = 0.0,
    workflow_id: str = "codegen",
    finished: bool = True,
    metadata: dict[str, object] | None = None,
) -> None:
    """A run of two stages: ``parse`` (two overlapping steps) then ``models`` (one step)."""
    await store.record_run_started(
        run_id, workflow_id, started_at=at(start_ms), metadata=metadata or {}
    )
    await store.record_stage_started(run_id, "parse", started_at=at(start_ms), stage_number=1)
    for step, begin, end in (("parse_a", 0, 40), ("parse_b", 10, 50)):
        await store.record_step_started(run_id, "parse", step, started_at=at(start_ms + begin))
        await store.record_step_finished(
            run_id,
            "parse",
            step,
            success=True,
            completed_at=at(start_ms + end),
            duration_ms=end - begin,
        )
    await store.record_stage_finished(
        run_id, "parse", success=True, completed_at=at(start_ms + 50), duration_ms=50
    )
    if not finished:
        return
    await store.record_stage_started(run_id, "models", started_at=at(start_ms + 50))
    await store.record_step_started(run_id, "models", "models_a", started_at=at(start_ms + 50))
    await store.record_step_finished(
        run_id, "models", "models_a", success=True, completed_at=at(start_ms + 100), duration_ms=50
    )
    await store.record_stage_finished(
        run_id, "models", success=True, completed_at=at(start_ms + 100), duration_ms=50
    )
    await store.record_run_finished(
        run_id, success=True, completed_at=at(start_ms + 100), duration_ms=100
    )


RecordRun = Callable[..., Awaitable[None]]


@pytest.fixture
def run_writer() -> RecordRun:
    """:func:`record_run`, for test modules (conftest is not importable under importlib)."""
    return record_run


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[OmniNodePersistence]:
    """An empty, migrated SQLite store."""
    persistence = OmniNodePersistence(f"sqlite+aiosqlite:///{tmp_path / 'web.db'}")
    await persistence.initialize()
    yield persistence
    await persistence.close()


@pytest.fixture
def monitoring() -> Iterator[MonitoringSystem]:
    """A monitoring system with no alert rules and its own registry."""
    manager = AlertManager(rules=[])
    system = MonitoringSystem(alert_manager=manager, registry=CollectorRegistry())
    yield system
    system.close()
    manager.close()
    alerts.set_alert_manager(None)
    prometheus.set_prometheus_metrics(None)
    monitoring_module.set_monitoring_system(None)
    health.set_health_checker(None)


@pytest.fixture
def health_checker() -> HealthChecker:
    """A health checker with one check that is always healthy."""
    checker = HealthChecker()

    async def probe() -> HealthCheckResult:
        return HealthCheckResult("probe", HealthStatus.HEALTHY, "ok")

    checker.register("probe", probe)
    return checker


@pytest.fixture
async def fresh_monitoring() -> AsyncIterator[MonitoringSystem]:
    """Process-wide monitoring, alerting, Prometheus metrics and health state, fresh per test."""
    manager = AlertManager(rules=alerts.read_alert_config().rules)
    alerts.set_alert_manager(manager)
    metrics = prometheus.OmniNodeMetrics(CollectorRegistry())
    prometheus.set_prometheus_metrics(metrics)
    system = await monitoring_module.initialize_monitoring_system(
        alert_manager=manager, registry=metrics.registry
    )
    health.set_health_checker(None)
    yield system
    system.close()
    manager.close()
    alerts.set_alert_manager(None)
    prometheus.set_prometheus_metrics(None)
    monitoring_module.set_monitoring_system(None)
    health.set_health_checker(None)
