"""Dashboards: the Prometheus text, a JSON status document and a Grafana dashboard.

``generate_dashboard(format="prometheus")`` is what ``/metrics`` serves;
``generate_dashboard(format="json")`` is a status document (health, active
alerts, metrics by component, recent runs) from in-memory state.
:func:`grafana_dashboard` builds the Grafana dashboard shipped as
``deploy/grafana-dashboard.json``; a test keeps the two identical.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from omninode_bridge.atomic import atomic_write_text
from omninode_bridge.errors import ObservabilityError
from omninode_bridge.observability.alerts import AlertManager
from omninode_bridge.observability.health import HealthChecker, derive_overall_status
from omninode_bridge.observability.monitoring import MonitoringSystem, get_monitoring_system
from omninode_bridge.observability.prometheus import render_metrics

if TYPE_CHECKING:
    from omninode_bridge.observability.prometheus import PrometheusSignalExporter

__all__ = ["dashboard_data", "generate_dashboard", "grafana_dashboard", "write_grafana_dashboard"]


def dashboard_data(
    *,
    monitoring: MonitoringSystem | None = None,
    health_checker: HealthChecker | None = None,
    exporter: PrometheusSignalExporter | None = None,
    time_window_minutes: float = 60,
    runs_limit: int = 20,
) -> dict[str, Any]:
    """The JSON dashboard as a dict (see :func:`generate_dashboard`)."""
    from omninode_bridge.observability.health import get_health_checker

    system = monitoring or get_monitoring_system()
    checker = health_checker or get_health_checker()
    manager: AlertManager = system.alert_manager
    last = checker.last_results()
    return {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "health": {
            "status": derive_overall_status(last).value,
            "components": {name: result.to_dict() for name, result in last.items()},
        },
        "alerts": {
            "active": [alert.to_dict() for alert in manager.get_active_alerts()],
            "statistics": manager.get_statistics(),
        },
        "metrics": system.snapshot(time_window_minutes),
        "runs": [run.to_dict() for run in exporter.recent_runs(runs_limit)] if exporter else [],
    }


def generate_dashboard(
    format: Literal["prometheus", "json"] = "json",
    *,
    monitoring: MonitoringSystem | None = None,
    health_checker: HealthChecker | None = None,
    exporter: PrometheusSignalExporter | None = None,
) -> str:
    """Render the dashboard.

    Args:
        format: ``prometheus`` for the text exposition of the package registry
            (workflow histograms, counters, gauges and recorded metrics), or
            ``json`` for the status document.
        monitoring: Defaults to the process-wide monitoring system.
        health_checker: Defaults to the process-wide checker (latest results).
        exporter: Supplies recent runs for the JSON document.

    Raises:
        ObservabilityError: Unknown format.
    """
    system = monitoring or get_monitoring_system()
    if format == "prometheus":
        return render_metrics(system.registry).decode("utf-8")
    if format == "json":
        data = dashboard_data(monitoring=system, health_checker=health_checker, exporter=exporter)
        return json.dumps(data, indent=2, default=str)
    raise ObservabilityError(f"unknown dashboard format {format!r}; use 'prometheus' or 'json'")


def _panel(
    panel_id: int,
    title: str,
    exprs: list[tuple[str, str]],
    *,
    x: int,
    y: int,
    unit: str = "short",
    kind: str = "timeseries",
) -> dict[str, Any]:
    return {
        "id": panel_id,
        "type": kind,
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(exprs)
        ],
    }


def grafana_dashboard() -> dict[str, Any]:
    """A Grafana dashboard over the ``omninode_*`` metrics (import as JSON)."""

    def p95(metric: str, by: str) -> str:
        return f"histogram_quantile(0.95, sum by (le, {by}) (rate({metric}_bucket[5m])))"

    specs: list[tuple[str, list[tuple[str, str]], str]] = [
        (
            "Workflow duration p50 / p95",
            [
                (
                    "histogram_quantile(0.5, sum by (le) "
                    "(rate(omninode_workflow_duration_seconds_bucket[5m])))",
                    "p50",
                ),
                (p95("omninode_workflow_duration_seconds", "status"), "p95 {{status}}"),
            ],
            "s",
        ),
        (
            "Workflow runs per second",
            [("sum by (status) (rate(omninode_workflows_total[5m]))", "{{status}}")],
            "ops",
        ),
        (
            "Stage duration p95",
            [(p95("omninode_stage_duration_seconds", "stage_id"), "{{stage_id}}")],
            "s",
        ),
        (
            "Step duration p95",
            [(p95("omninode_step_duration_seconds", "stage_id"), "{{stage_id}}")],
            "s",
        ),
        (
            "Step failures and retries per second",
            [
                ("sum(rate(omninode_step_failures_total[5m]))", "failures"),
                ("sum(rate(omninode_step_retries_total[5m]))", "retries"),
            ],
            "ops",
        ),
        (
            "Work in flight",
            [
                ("omninode_workflows_in_flight", "workflows"),
                ("omninode_stages_in_flight", "stages"),
                ("omninode_steps_in_flight", "steps"),
            ],
            "short",
        ),
        (
            "Template Cache Hit Rate",
            [
                ("omninode_template_cache_hit_rate", "lookups"),
                ('omninode_cache_hit_rate{component="template_cache"}', "recorded"),
            ],
            "percentunit",
        ),
        (
            "Validation findings per second",
            [
                (
                    "sum by (severity) (rate(omninode_validation_findings_total[5m]))",
                    "{{severity}}",
                )
            ],
            "ops",
        ),
        (
            "Parallel Generation Speedup",
            [('omninode_parallel_speedup{component="parallel_generation"}', "speedup")],
            "short",
        ),
        (
            "Mixin Learning Accuracy",
            [('omninode_mixin_accuracy{component="mixin_learning"}', "accuracy")],
            "percentunit",
        ),
    ]
    panels = [
        _panel(i + 1, title, exprs, x=(i % 2) * 12, y=(i // 2) * 8, unit=unit)
        for i, (title, exprs, unit) in enumerate(specs)
    ]
    return {
        "title": "omninode-bridge",
        "uid": "omninode-bridge",
        "tags": ["omninode"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "type": "datasource",
                    "query": "prometheus",
                    "label": "Prometheus",
                }
            ]
        },
        "panels": panels,
    }


def write_grafana_dashboard(path: Path) -> None:
    """Write :func:`grafana_dashboard` as JSON to ``path`` (atomically)."""
    text = json.dumps(grafana_dashboard(), indent=2) + "\n"
    atomic_write_text(path, text, mode=0o644)
