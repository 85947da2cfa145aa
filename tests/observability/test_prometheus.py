"""Prometheus metrics fed by the executor's lifecycle signals."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from omninode_bridge.agents.coordination import Signal, SignalCoordinator, SignalType
from omninode_bridge.agents.scheduler import DependencyAwareScheduler
from omninode_bridge.agents.workflows import (
    EnumStepType,
    StagedParallelExecutor,
    WorkflowStage,
    WorkflowStep,
)
from omninode_bridge.errors import StageTimeoutError, WorkflowFailedError
from omninode_bridge.observability.prometheus import (
    OmniNodeMetrics,
    PrometheusSignalExporter,
    reserved_metric_names,
)


async def finished(executor: Any, *args: Any, **kwargs: Any) -> Any:
    """The run's WorkflowResult, returned or carried by the error execute_workflow raises."""
    try:
        return await executor.execute_workflow(*args, **kwargs)
    except (WorkflowFailedError, StageTimeoutError) as stopped:
        return stopped.result


def _samples(metrics: OmniNodeMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.render().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _value(metrics: OmniNodeMetrics, name: str, **labels: str) -> float:
    return _samples(metrics).get((name, tuple(sorted(labels.items()))), 0.0)


async def _ok(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True}


async def _boom(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("boom")


def _flaky() -> Any:
    calls = {"n": 0}

    async def handler(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("first attempt fails")
        return {"attempts": calls["n"]}

    return handler


async def _no_sleep(_: float) -> None:
    return None


def _stages(*, fail: bool) -> list[WorkflowStage]:
    return [
        WorkflowStage(
            "build",
            1,
            [
                WorkflowStep("a", EnumStepType.PARALLEL, _ok),
                WorkflowStep("b", EnumStepType.PARALLEL, _ok),
                WorkflowStep("flaky", EnumStepType.PARALLEL, _flaky(), retry_count=1),
            ],
        ),
        WorkflowStage(
            "check",
            2,
            [WorkflowStep("c", EnumStepType.SEQUENTIAL, _boom if fail else _ok)],
            dependencies=["build"],
        ),
    ]


async def _run(exporter: PrometheusSignalExporter, *, runs: int, fail: bool = False) -> None:
    coordinator = SignalCoordinator()
    exporter.attach(coordinator)
    executor = StagedParallelExecutor(
        DependencyAwareScheduler(sleep=_no_sleep), signal_coordinator=coordinator
    )
    for i in range(runs):
        await finished(executor, f"wf-{i}", _stages(fail=fail))
    await coordinator.close()


async def test_workflow_stage_and_step_histograms_count_every_run() -> None:
    metrics = OmniNodeMetrics()
    exporter = PrometheusSignalExporter(metrics)
    await _run(exporter, runs=3)
    assert _value(metrics, "omninode_workflow_duration_seconds_count", status="completed") == 3
    assert _value(metrics, "omninode_workflows_total", status="completed") == 3
    stage = "omninode_stage_duration_seconds_count"
    assert _value(metrics, stage, stage_id="build", status="completed") == 3
    assert _value(metrics, stage, stage_id="check", status="completed") == 3
    step = "omninode_step_duration_seconds_count"
    assert _value(metrics, step, stage_id="build", status="completed") == 9
    assert _value(metrics, "omninode_steps_total", stage_id="check", status="completed") == 3
    assert _value(metrics, "omninode_step_retries_total", stage_id="build") == 3
    inf = _value(
        metrics, "omninode_workflow_duration_seconds_bucket", status="completed", le="+Inf"
    )
    assert inf == 3


async def test_failures_are_counted_and_in_flight_returns_to_zero() -> None:
    metrics = OmniNodeMetrics()
    exporter = PrometheusSignalExporter(metrics)
    await _run(exporter, runs=2, fail=True)
    assert _value(metrics, "omninode_workflows_total", status="failed") == 2
    assert _value(metrics, "omninode_step_failures_total", stage_id="check") == 2
    assert _value(metrics, "omninode_steps_total", stage_id="check", status="failed") == 2
    assert _value(metrics, "omninode_stages_total", stage_id="check", status="failed") == 2
    for gauge in (
        "omninode_workflows_in_flight",
        "omninode_stages_in_flight",
        "omninode_steps_in_flight",
    ):
        assert _value(metrics, gauge) == 0


async def test_recent_runs_summarise_each_run() -> None:
    exporter = PrometheusSignalExporter(OmniNodeMetrics())
    await _run(exporter, runs=2, fail=True)
    latest, first = exporter.recent_runs()
    assert (latest.workflow_id, first.workflow_id) == ("wf-1", "wf-0")
    assert latest.status == "failed"
    assert (latest.steps_completed, latest.steps_failed, latest.retries) == (3, 1, 1)
    assert latest.duration_ms is not None and latest.duration_ms > 0
    assert latest.error is not None and "boom" in latest.error
    assert exporter.recent_runs(limit=1) == [latest]


def test_in_flight_gauge_follows_started_signals() -> None:
    metrics = OmniNodeMetrics()
    exporter = PrometheusSignalExporter(metrics)
    exporter(Signal(SignalType.WORKFLOW_STARTED, "wf", correlation_id="c"))
    exporter(Signal(SignalType.STEP_STARTED, "wf", "s", "x", correlation_id="c"))
    assert _value(metrics, "omninode_workflows_in_flight") == 1
    assert _value(metrics, "omninode_steps_in_flight") == 1
    exporter(Signal(SignalType.STAGE_SKIPPED, "wf", "later", correlation_id="c"))
    assert _value(metrics, "omninode_stages_total", stage_id="later", status="skipped") == 1


def test_cache_counters_combine_recorded_accesses_and_sources() -> None:
    metrics = OmniNodeMetrics()
    metrics.record_cache_access(hit=True, count=3)
    metrics.record_cache_access(hit=False)
    stats = {"hits": 6, "misses": 0}
    metrics.add_cache_stats_source(lambda: stats)
    assert _value(metrics, "omninode_template_cache_hits_total") == 9
    assert _value(metrics, "omninode_template_cache_misses_total") == 1
    assert _value(metrics, "omninode_template_cache_hit_rate") == pytest.approx(0.9)
    stats["misses"] = 10
    assert _value(metrics, "omninode_template_cache_misses_total") == 11


def test_a_failing_cache_source_does_not_break_the_scrape() -> None:
    metrics = OmniNodeMetrics()

    def broken() -> dict[str, int]:
        raise RuntimeError("gone")

    metrics.add_cache_stats_source(broken)
    metrics.record_cache_access(hit=True)
    assert _value(metrics, "omninode_template_cache_hits_total") == 1


def test_validation_findings_are_counted_by_validator_and_severity() -> None:
    metrics = OmniNodeMetrics()
    metrics.record_validation_findings("ast", "error", 2)
    metrics.record_validation_findings("ast", "error", 0)
    metrics.record_validation_findings("patterns", "warning")
    name = "omninode_validation_findings_total"
    assert _value(metrics, name, validator="ast", severity="error") == 2
    assert _value(metrics, name, validator="patterns", severity="warning") == 1


def test_every_metric_has_the_omninode_prefix_and_is_reserved() -> None:
    metrics = OmniNodeMetrics()
    metrics.record_validation_findings("ast", "error")
    text = metrics.render().decode()
    families = list(text_string_to_metric_families(text))
    assert families
    assert all(f.name.startswith("omninode_") for f in families)
    assert {f.name for f in families} <= reserved_metric_names()


async def test_template_manager_cache_stats_reach_metrics_and_health(tmp_path: Any) -> None:
    from omninode_bridge.codegen.template_manager import TemplateManager, TemplateType
    from omninode_bridge.observability.health import HealthStatus, template_cache_check

    (tmp_path / "greeting.j2").write_text("hello {{ name }}", encoding="utf-8")
    manager = TemplateManager(tmp_path, builtin_dir=None)
    metrics = OmniNodeMetrics()
    metrics.add_cache_stats_source(manager.get_cache_stats)
    for _ in range(4):
        await manager.load_template("greeting", TemplateType.MODEL)
    stats = manager.get_cache_stats()
    assert (stats.hits, stats.misses) == (3, 1)
    assert _value(metrics, "omninode_template_cache_hits_total") == 3
    assert _value(metrics, "omninode_template_cache_misses_total") == 1
    result = await template_cache_check(manager.get_cache_stats)()
    assert result.status is HealthStatus.HEALTHY
    assert result.metadata["hit_rate"] == 0.75
