"""Observability: structured logs, monitoring, alerts, health and Prometheus.

Every name below is importable from here; submodules load on first use so that
importing ``omninode_bridge.logs`` (which every module does)
stays cheap and free of import cycles.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omninode_bridge.logs import (
        ContextThreadPoolExecutor,
        LogContext,
        RotationConfig,
        async_log_context,
        configure_logging,
        get_correlation_id,
        get_logger,
        log_context,
        run_in_executor_with_context,
        set_global_correlation_id,
        with_log_context,
    )
    from omninode_bridge.observability.alerts import (
        Alert,
        AlertChannel,
        AlertManager,
        AlertRule,
        AlertSettings,
        AlertSeverity,
        AlertStatus,
        EscalationPolicy,
        EscalationStep,
        get_alert_manager,
        load_alert_config,
    )
    from omninode_bridge.observability.dashboard import (
        generate_dashboard,
        grafana_dashboard,
    )
    from omninode_bridge.observability.health import (
        HealthChecker,
        HealthCheckResult,
        HealthStatus,
        check_component_health,
        check_system_health,
        configure_health_checks,
        get_overall_health_status,
    )
    from omninode_bridge.observability.monitoring import (
        MetricType,
        MonitoringSystem,
        collect_all_metrics,
        export_prometheus_metrics,
        get_active_alerts,
        get_monitoring_summary,
        get_monitoring_system,
        initialize_monitoring_system,
        record_metric,
    )
    from omninode_bridge.observability.prometheus import (
        OmniNodeMetrics,
        PrometheusSignalExporter,
        RunSummary,
        get_prometheus_metrics,
    )

_EXPORTS: dict[str, str] = {
    "ContextThreadPoolExecutor": "omninode_bridge.logs",
    "LogContext": "omninode_bridge.logs",
    "RotationConfig": "omninode_bridge.logs",
    "async_log_context": "omninode_bridge.logs",
    "configure_logging": "omninode_bridge.logs",
    "get_correlation_id": "omninode_bridge.logs",
    "get_logger": "omninode_bridge.logs",
    "log_context": "omninode_bridge.logs",
    "run_in_executor_with_context": "omninode_bridge.logs",
    "set_global_correlation_id": "omninode_bridge.logs",
    "with_log_context": "omninode_bridge.logs",
    "MetricType": "monitoring",
    "MonitoringSystem": "monitoring",
    "collect_all_metrics": "monitoring",
    "export_prometheus_metrics": "monitoring",
    "get_active_alerts": "monitoring",
    "get_monitoring_summary": "monitoring",
    "get_monitoring_system": "monitoring",
    "initialize_monitoring_system": "monitoring",
    "record_metric": "monitoring",
    "Alert": "alerts",
    "AlertChannel": "alerts",
    "AlertManager": "alerts",
    "AlertRule": "alerts",
    "AlertSettings": "alerts",
    "AlertSeverity": "alerts",
    "AlertStatus": "alerts",
    "EscalationPolicy": "alerts",
    "EscalationStep": "alerts",
    "get_alert_manager": "alerts",
    "load_alert_config": "alerts",
    "HealthCheckResult": "health",
    "HealthChecker": "health",
    "HealthStatus": "health",
    "check_component_health": "health",
    "check_system_health": "health",
    "configure_health_checks": "health",
    "get_overall_health_status": "health",
    "OmniNodeMetrics": "prometheus",
    "PrometheusSignalExporter": "prometheus",
    "RunSummary": "prometheus",
    "get_prometheus_metrics": "prometheus",
    "generate_dashboard": "dashboard",
    "grafana_dashboard": "dashboard",
}

__all__ = [
    "Alert",
    "AlertChannel",
    "AlertManager",
    "AlertRule",
    "AlertSettings",
    "AlertSeverity",
    "AlertStatus",
    "ContextThreadPoolExecutor",
    "EscalationPolicy",
    "EscalationStep",
    "HealthCheckResult",
    "HealthChecker",
    "HealthStatus",
    "LogContext",
    "MetricType",
    "MonitoringSystem",
    "OmniNodeMetrics",
    "PrometheusSignalExporter",
    "RotationConfig",
    "RunSummary",
    "async_log_context",
    "check_component_health",
    "check_system_health",
    "collect_all_metrics",
    "configure_health_checks",
    "configure_logging",
    "export_prometheus_metrics",
    "generate_dashboard",
    "get_active_alerts",
    "get_alert_manager",
    "get_correlation_id",
    "get_logger",
    "get_monitoring_summary",
    "get_monitoring_system",
    "get_overall_health_status",
    "get_prometheus_metrics",
    "grafana_dashboard",
    "initialize_monitoring_system",
    "load_alert_config",
    "log_context",
    "record_metric",
    "run_in_executor_with_context",
    "set_global_correlation_id",
    "with_log_context",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(
        importlib.import_module(module if "." in module else f"{__name__}.{module}"), name
    )
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
