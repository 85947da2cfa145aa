"""The run's template cache rows count what the workers reported as well as this process."""

from __future__ import annotations

from datetime import UTC, datetime

from omninode_bridge.codegen.results import CodegenWorkflowResult
from omninode_bridge.codegen.telemetry import collect_run_telemetry, run_gauges
from omninode_bridge.codegen.template_activity import TemplateActivity
from omninode_bridge.codegen.template_manager import TemplateManager, TemplateType
from omninode_bridge.metrics import MetricsCollector


def _result() -> CodegenWorkflowResult:
    return CodegenWorkflowResult(
        success=True,
        packages=(),
        workflow=None,
        errors=(),
        session_id="run1",
        correlation_id="corr1",
        dry_run=False,
        check=False,
        duration_ms=1.0,
        completed_at=datetime.now(UTC),
    )


async def test_template_rows_add_the_merged_worker_counts_to_this_process() -> None:
    metrics = MetricsCollector()
    manager = TemplateManager(None, metrics_collector=metrics)
    await manager.start()
    await manager.load_template("model_v1", TemplateType.MODEL)  # a miss here
    await manager.load_template("model_v1", TemplateType.MODEL)  # a hit here
    manager.merge_activity(
        TemplateActivity(hits=(("model_v1", 6), ("enum_v1", 2)), misses=(("enum_v1", 1),))
    )

    telemetry = await collect_run_telemetry(_result(), manager, metrics, workers=2)

    rows = {row.template_name: (row.hits, row.misses) for row in telemetry.templates}
    assert rows["model_v1"] == (7, 1)
    assert rows["enum_v1"] == (2, 1)
    assert run_gauges(telemetry)["template_cache_hit_rate"] == 9 / 11
