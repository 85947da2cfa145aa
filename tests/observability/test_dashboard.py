"""Dashboards: Prometheus text, JSON status document, shipped Grafana/Prometheus files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from omninode_bridge.errors import ObservabilityError
from omninode_bridge.observability.dashboard import (
    generate_dashboard,
    grafana_dashboard,
    write_grafana_dashboard,
)
from omninode_bridge.observability.monitoring import MonitoringSystem

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


async def test_prometheus_dashboard_is_parseable_text(fresh_monitoring: MonitoringSystem) -> None:
    from omninode_bridge.observability.monitoring import record_metric

    await record_metric("cache_hit_rate", 0.9, labels={"component": "template_cache"})

    # Generate Prometheus format
    prometheus_metrics = generate_dashboard(format="prometheus")

    families = {f.name: f for f in text_string_to_metric_families(prometheus_metrics)}
    assert families["omninode_cache_hit_rate"].samples[0].value == 0.9
    assert "omninode_workflow_duration_seconds" in families


async def test_json_dashboard_holds_health_alerts_metrics_and_runs(
    fresh_monitoring: MonitoringSystem,
    clock: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from omninode_bridge.observability.alerts import AlertRule, AlertSeverity
    from omninode_bridge.observability.health import check_system_health

    monkeypatch.chdir(tmp_path)  # the embedded defaults: SQLite in ./.omninode/, no quorum key
    for name in list(os.environ):
        if name.endswith("_API_KEY") or name.startswith("OMNINODE_"):
            monkeypatch.delenv(name)

    fresh_monitoring.alert_manager.add_rule(
        AlertRule("hot", "temperature", 50, AlertSeverity.CRITICAL, duration_seconds=0)
    )
    fresh_monitoring.record("temperature", 80)
    await check_system_health()
    data = json.loads(generate_dashboard(format="json"))
    assert data["health"]["status"] == "healthy"
    assert set(data["health"]["components"]) == {"database", "template_cache", "event_bus"}
    [alert] = data["alerts"]["active"]
    assert (alert["alert_name"], alert["severity"]) == ("hot", "critical")
    assert data["metrics"]["custom"][0]["name"] == "temperature"
    assert data["runs"] == []


def test_unknown_format_is_an_error(fresh_monitoring: MonitoringSystem) -> None:
    with pytest.raises(ObservabilityError, match="unknown dashboard format 'html'"):
        generate_dashboard(format="html")  # type: ignore[arg-type]


def test_shipped_grafana_dashboard_matches_the_generator(tmp_path: Path) -> None:
    shipped = json.loads((DEPLOY / "grafana-dashboard.json").read_text(encoding="utf-8"))
    assert shipped == grafana_dashboard()
    write_grafana_dashboard(tmp_path / "d.json")
    assert json.loads((tmp_path / "d.json").read_text(encoding="utf-8")) == shipped


def test_grafana_panels_query_omninode_metrics() -> None:
    dashboard = grafana_dashboard()
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert all("omninode_" in expr for expr in exprs)
    assert 'omninode_cache_hit_rate{component="template_cache"}' in exprs
    assert any("omninode_workflow_duration_seconds_bucket" in e for e in exprs)
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_prometheus_scrape_config_targets_serve() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text(encoding="utf-8"))
    [job] = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"][0]["targets"] == ["127.0.0.1:9464"]
