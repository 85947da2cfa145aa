"""MonitoringSystem: recording, alert evaluation, per-component collection, export."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from omninode_bridge.observability.alerts import AlertManager, AlertRule, AlertSeverity
from omninode_bridge.observability.monitoring import (
    MetricType,
    MonitoringSystem,
    component_for,
)
from omninode_bridge.persistence import OmniNodePersistence


def _system(clock: Any, **kwargs: Any) -> MonitoringSystem:
    kwargs.setdefault("alert_manager", AlertManager(clock=clock))
    return MonitoringSystem(registry=CollectorRegistry(), clock=clock, **kwargs)


def _families(system: MonitoringSystem) -> dict[str, Any]:
    text = system.export_prometheus_metrics()
    return {f.name: f for f in text_string_to_metric_families(text)}


@pytest.mark.parametrize(
    ("name", "labels", "component"),
    [
        ("cache_hit_rate", None, "template_cache"),
        ("template_load_duration_ms", None, "template_cache"),
        ("parallel_speedup", None, "parallel_generation"),
        ("mixin_accuracy", None, "mixin_learning"),
        ("false_positive_rate", None, "pattern_matching"),
        ("event_latency_p95_ms", None, "event_processing"),
        ("validation_pass_rate", None, "quality_validation"),
        ("test_metric", None, "custom"),
        ("test_metric", {"component": "my_component"}, "my_component"),
    ],
)
def test_component_for(name: str, labels: dict[str, str] | None, component: str) -> None:
    assert component_for(name, labels) == component


def test_keeps_the_last_points_per_metric(clock: Any) -> None:
    system = _system(clock, max_points_per_metric=1000)
    for i in range(1005):
        system.record("queue_depth", i)
    points = system.get_metrics("queue_depth")
    assert len(points) == 1000
    assert points[0].value == 5
    assert system.latest("queue_depth") == 1004


async def test_record_metric_evaluates_alert_rules(clock: Any) -> None:
    manager = AlertManager(
        rules=[AlertRule("slow", "op_ms", 100, AlertSeverity.WARNING, duration_seconds=0)],
        clock=clock,
    )
    system = _system(clock, alert_manager=manager)
    await system.record_metric("op_ms", 50)
    assert manager.get_active_alerts() == []
    await system.record_metric("op_ms", 150, MetricType.GAUGE, {"node": "x"})
    [alert] = manager.get_active_alerts()
    assert alert.labels == {"node": "x"}


async def test_collect_all_metrics_organises_by_component(clock: Any) -> None:
    system = _system(clock)
    system.record("cache_hit_rate", 0.75)
    system.record("cache_hit_rate", 0.85)
    system.record("parallel_speedup", 2.0)
    system.record("parallel_speedup", 4.0)
    system.record("test_metric", 100.0)
    system.record("op_ms", 5.0, labels={"component": "my_component"})
    for value in range(1, 101):
        system.record("generation_duration_ms", float(value), MetricType.HISTOGRAM)
    metrics = await system.collect_all_metrics(time_window_minutes=60)
    assert metrics["template_cache"]["overall_hit_rate"] == 0.85
    assert metrics["parallel_generation"]["avg_speedup"] == 3.0
    generation = metrics["parallel_generation"]["metrics"]["generation_duration_ms"]
    assert generation["count"] == 100
    assert generation["p50"] == pytest.approx(50.5)
    assert generation["p99"] == pytest.approx(99.01)
    assert [m["name"] for m in metrics["custom"]] == ["test_metric"]
    assert metrics["my_component"]["metrics"]["op_ms"]["latest"] == 5.0
    assert metrics["mixin_learning"] == {"metrics": {}}
    assert metrics["meta"]["samples"] == 106


async def test_collect_all_metrics_honours_the_window(clock: Any) -> None:
    system = _system(clock)
    system.record("test_metric", 1.0)
    clock.advance(61 * 60)
    system.record("test_metric", 2.0)
    [metric] = (await system.collect_all_metrics(time_window_minutes=60))["custom"]
    assert (metric["count"], metric["value"]) == (1, 2.0)


async def test_collect_all_metrics_reads_persistence_analytics(clock: Any, tmp_path: Path) -> None:
    store = OmniNodePersistence(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    await store.initialize()
    try:
        await store.insert_performance_metric("s1", "EFFECT", "total", 120.0)
        await store.insert_performance_metric(
            "s1", "EFFECT", "code_gen", 80.0, parallel_execution=True, worker_count=4
        )
        await store.upsert_template_cache_metadata(
            "effect", "node", "k1", "effect.j2", "0" * 64, 2048
        )
        for hit in (True, True, True, False):
            await store.update_cache_metrics("effect", hit)
        await store.update_mixin_compatibility("EFFECT", ["A", "B"], success=True)
        await store.update_mixin_compatibility("EFFECT", ["A", "B"], success=False)
        await store.update_mixin_compatibility("EFFECT", ["A", "C"], success=True)
        await store.record_pattern_feedback("unused_import", "correct", 0.9)
        await store.record_pattern_feedback("unused_import", "incorrect", 0.7)
        await store.insert_event_processing_metric("code_generated", 40.0, success=True)
        await store.insert_event_processing_metric("code_generated", 60.0, success=False)
        system = _system(clock, analytics=store)
        metrics = await system.collect_all_metrics(time_window_minutes=60)
    finally:
        await store.close()
    assert metrics["meta"]["analytics_errors"] == {}
    assert metrics["template_cache"]["overall_hit_rate"] == 0.75
    assert metrics["template_cache"]["by_template_type"][0]["template_type"] == "node"
    parallel = metrics["parallel_generation"]
    assert (parallel["total_executions"], parallel["parallel_executions"]) == (2, 1)
    assert metrics["mixin_learning"]["success_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert "accuracy" not in metrics["mixin_learning"]  # no prediction was scored
    assert metrics["pattern_matching"]["precision"] == 0.5
    assert metrics["event_processing"]["success_rate"] == 0.5
    assert metrics["event_processing"]["total_events"] == 2


async def test_recorded_values_win_over_analytics_and_failures_are_reported(
    clock: Any,
) -> None:
    class HalfBroken:
        async def get_template_cache_efficiency(self) -> list[dict[str, Any]]:
            return [{"template_count": 1, "avg_cache_hits": 1.0, "avg_cache_misses": 1.0}]

        async def get_performance_metrics_summary(
            self, time_window_minutes: float | None = None
        ) -> list[dict[str, Any]]:
            raise RuntimeError("database is gone")

        async def get_mixin_compatibility_by_node_type(self) -> list[dict[str, Any]]:
            return []

        async def get_pattern_feedback_analysis(
            self, pattern_name: str | None = None, *, time_window_minutes: float | None = None
        ) -> list[dict[str, Any]]:
            return []

        async def get_event_processing_health(
            self, time_window_minutes: float | None = None
        ) -> dict[str, Any]:
            return {"success_rate": None, "total_events": 0}

    system = _system(clock, analytics=HalfBroken())
    system.record("cache_hit_rate", 0.9)
    metrics = await system.collect_all_metrics()
    assert metrics["template_cache"]["overall_hit_rate"] == 0.9
    assert metrics["meta"]["analytics_errors"] == {
        "parallel_generation": "RuntimeError: database is gone"
    }


def test_recorded_metrics_are_exported_with_omninode_names(clock: Any) -> None:
    system = _system(clock)
    system.record("cache_hit_rate", 0.8, help_text="Hit rate of the template cache")
    system.record("operation_errors_total", 1, MetricType.COUNTER, {"error": "X"})
    system.record("operation_errors_total", 2, MetricType.COUNTER, {"error": "X"})
    for value in (10.0, 20.0, 30.0):
        system.record("step.latency ms", value, MetricType.HISTOGRAM)
    families = _families(system)
    gauge = families["omninode_cache_hit_rate"]
    assert gauge.type == "gauge"
    assert gauge.documentation == "Hit rate of the template cache"
    [sample] = gauge.samples
    assert sample.value == 0.8
    assert sample.labels == {"component": "template_cache"}
    [counter] = families["omninode_operation_errors"].samples
    assert counter.name == "omninode_operation_errors_total"
    assert counter.value == 3
    summary = families["omninode_step_latency_ms"]
    values = {(s.name, s.labels.get("quantile")): s.value for s in summary.samples}
    assert values[("omninode_step_latency_ms", "0.5")] == 20.0
    assert values[("omninode_step_latency_ms_count", None)] == 3
    assert values[("omninode_step_latency_ms_sum", None)] == 60.0


def test_names_owned_by_the_workflow_metrics_are_not_exported_twice(clock: Any) -> None:
    system = _system(clock)
    system.record("workflow_duration_seconds", 1.0)
    assert "omninode_workflow_duration_seconds" not in _families(system)


def test_close_detaches_from_the_registry(clock: Any) -> None:
    system = _system(clock)
    system.record("cache_hit_rate", 0.8)
    system.close()
    assert "omninode_cache_hit_rate" not in _families(system)


# --- the guide's monitoring examples, as written (imports adapted) ----------------------


async def test_guide_component_metrics_example(fresh_monitoring: MonitoringSystem) -> None:
    from omninode_bridge.observability.monitoring import MetricType, record_metric

    async def perform_work() -> str:
        return "ok"

    # Record metrics from any component
    async def my_operation() -> str:
        start_time = time.time()

        # Perform operation
        result = await perform_work()

        # Record metric
        duration_ms = (time.time() - start_time) * 1000
        await record_metric(
            name="my_operation_duration_ms",
            value=duration_ms,
            metric_type=MetricType.GAUGE,
            labels={"component": "my_component"},
            help_text="Duration of my operation in milliseconds",
        )

        return result

    assert await my_operation() == "ok"
    [point] = fresh_monitoring.get_metrics("my_operation_duration_ms")
    assert point.component == "my_component"


async def test_guide_dashboard_integration_example(fresh_monitoring: MonitoringSystem) -> None:
    from omninode_bridge.observability.monitoring import collect_all_metrics, record_metric

    await record_metric("cache_hit_rate", 0.82)
    await record_metric("parallel_speedup", 3.1)
    await record_metric("mixin_accuracy", 0.93)

    # Collect metrics for dashboard
    metrics = await collect_all_metrics(time_window_minutes=60)

    # Metrics organized by component
    template_cache_metrics = metrics.get("template_cache", {})
    parallel_gen_metrics = metrics.get("parallel_generation", {})
    mixin_learning_metrics = metrics.get("mixin_learning", {})

    # Display in dashboard
    dashboard_data = {
        "cache_hit_rate": template_cache_metrics.get("overall_hit_rate", 0),
        "parallel_speedup": parallel_gen_metrics.get("avg_speedup", 0),
        "mixin_accuracy": mixin_learning_metrics.get("accuracy", 0),
    }
    assert dashboard_data == {
        "cache_hit_rate": 0.82,
        "parallel_speedup": 3.1,
        "mixin_accuracy": 0.93,
    }


async def test_guide_monitoring_integration_test(fresh_monitoring: MonitoringSystem) -> None:
    from omninode_bridge.observability.monitoring import (
        MetricType,
        collect_all_metrics,
        record_metric,
    )

    # Record metric
    await record_metric("test_metric", 100.0, MetricType.GAUGE)

    # Verify collection
    metrics = await collect_all_metrics(time_window_minutes=1)
    assert any(m["name"] == "test_metric" for m in metrics.get("custom", []))


async def test_guide_logs_feed_monitoring_example(
    fresh_monitoring: MonitoringSystem, log_capture: Any
) -> None:
    from omninode_bridge.logs import get_logger
    from omninode_bridge.observability.monitoring import MetricType, record_metric

    logger = get_logger(__name__)
    calls = {"n": 0}

    async def perform_work() -> int:
        calls["n"] += 1
        if calls["n"] > 1:
            raise ValueError("second call fails")
        return 7

    async def operation() -> int:
        start = time.time()

        try:
            result = await perform_work()
            duration_ms = (time.time() - start) * 1000

            # Log with structured metadata
            logger.info(
                "Operation succeeded", metadata={"duration_ms": duration_ms, "result": result}
            )

            # Also record metric
            await record_metric("operation_duration_ms", duration_ms, MetricType.GAUGE)

            return result

        except Exception as e:
            logger.error("Operation failed", metadata={"error": str(e)})
            await record_metric("operation_errors_total", 1, MetricType.COUNTER)
            raise

    assert await operation() == 7
    with pytest.raises(ValueError, match="second call fails"):
        await operation()
    assert fresh_monitoring.latest("operation_errors_total") == 1
    assert [r["event"] for r in log_capture.records()] == [
        "Operation succeeded",
        "Operation failed",
    ]


async def test_guide_monitoring_setup_example(tmp_path: Path) -> None:
    from omninode_bridge.observability.alerts import (
        load_alert_config,
        read_alert_config,
        set_alert_manager,
    )
    from omninode_bridge.observability.monitoring import (
        get_monitoring_system,
        initialize_monitoring_system,
        set_monitoring_system,
    )

    config = tmp_path / "alert_config.yaml"
    config.write_text(
        "rules:\n  - name: r\n    metric_name: m\n    threshold: 1\n", encoding="utf-8"
    )
    set_alert_manager(AlertManager(rules=read_alert_config().rules))
    try:
        # At application startup
        system = await initialize_monitoring_system(registry=CollectorRegistry())
        load_alert_config(config)
        assert get_monitoring_system() is system
        assert [r.name for r in system.alert_manager.get_rules()] == ["r"]
    finally:
        get_monitoring_system().close()
        set_monitoring_system(None)
        set_alert_manager(None)


async def test_metrics_collector_sink_feeds_monitoring(clock: Any) -> None:
    from omninode_bridge.agents.metrics import MetricsCollector
    from omninode_bridge.observability.monitoring import MonitoringSink

    system = _system(clock)
    collector = MetricsCollector()
    collector.add_sink(MonitoringSink(system))
    collector.record_timing("workflow_execution_time_ms", 12.5, {"workflow_id": "w"})
    collector.record_timing("workflow_execution_time_ms", 7.5, {"workflow_id": "w"})
    collector.record_counter("workflow_steps_total", 6, {"workflow_id": "w"})
    await collector.flush()
    [timing_family] = [
        f for name, f in _families(system).items() if name == "omninode_workflow_execution_time_ms"
    ]
    assert timing_family.type == "summary"
    count = next(s for s in timing_family.samples if s.name.endswith("_count"))
    assert (count.value, count.labels["workflow_id"]) == (2, "w")
    assert system.latest("workflow_steps_total") == 6
