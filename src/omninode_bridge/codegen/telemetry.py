"""What a generation run records in the analytics tables, built from its result.

:func:`collect_run_telemetry` turns a :class:`CodegenWorkflowResult`, the
run's template manager and its metrics collector into one
:class:`~omninode_bridge.persistence.run_telemetry.RunTelemetry`, which
:func:`~omninode_bridge.persistence.run_telemetry.record_run_telemetry`
writes in one transaction:

- performance: one row per stage (phase by stage, see ``STAGE_PHASES``) and
  one ``total`` row with the workers and the parallelism (summed step time
  over wall time);
- template cache: per template, its file, hash, size, load time and this
  run's cache hits and misses (from the ``template_cache_hit`` /
  ``template_cache_miss`` / ``template_load_ms`` metrics, which count the
  worker processes' renders too: see ``TemplateManager.merge_activity``);
- validations: every validator's verdict on every generated module;
- mixins: per regenerated contract, the enabled mixins it combined and
  whether its package passed its checks;
- pattern feedback (automated, weight 0.5): each anti-pattern finding is a
  ``true_positive`` when its package failed its checks and a
  ``false_positive`` when the package passed them anyway; each pattern that
  stayed silent on a run whose modules all passed is one ``true_negative``.

:func:`run_gauges` sums the run up in the gauges the built-in alert rules
watch (``observability/alert_config.yaml``); the CLI records them in the
run's metrics collector, so they land in ``agent_metrics`` with the rest.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from omninode_bridge.codegen.render import TEMPLATE_IDS
from omninode_bridge.codegen.results import CodegenWorkflowResult
from omninode_bridge.codegen.template_models import TemplateType
from omninode_bridge.intelligence.mixin_learning import predicted_set_score
from omninode_bridge.persistence.run_telemetry import (
    FeedbackRow,
    MixinOutcomeRow,
    PerformanceRow,
    RunTelemetry,
    TemplateUseRow,
    ValidationRow,
)
from omninode_bridge.validation.pattern_scan import PATTERN_RULES

if TYPE_CHECKING:
    from omninode_bridge.codegen.template_manager import TemplateManager
    from omninode_bridge.metrics import MetricsCollector

__all__ = ["RUN_GAUGES", "STAGE_PHASES", "collect_run_telemetry", "run_gauges"]

#: Performance phase recorded for each stage of the pipeline.
STAGE_PHASES: dict[str, str] = {
    "parse": "prd_analysis",
    "models": "code_gen",
    "validators": "code_gen",
    "tests": "code_gen",
    "quality": "validation",
    "package": "persistence",
}

#: The run gauges :func:`run_gauges` computes, each with its unit.
RUN_GAUGES: dict[str, str] = {
    "template_cache_hit_rate": "ratio",
    "validation_pass_rate": "ratio",
    "quality_score": "score",
    "mixin_compatibility_score": "score",
    "mixin_prediction_accuracy": "ratio",
    "pattern_accuracy": "ratio",
    "pattern_false_positive_rate": "ratio",
}

_RULE_PATTERNS = {rule: name for name, rule in PATTERN_RULES.items()}
_MAX_ISSUES = 50


def _template_kind(template_id: str) -> str:
    if template_id.startswith("test_"):
        return "test"
    if template_id.startswith("contract"):
        return "contract"
    return "node"


async def collect_run_telemetry(
    result: CodegenWorkflowResult,
    templates: TemplateManager,
    metrics: MetricsCollector | None,
    *,
    workers: int,
) -> RunTelemetry:
    """The analytics rows of one finished run (nothing for a dry run or check)."""
    telemetry = RunTelemetry(run_id=result.correlation_id)
    if result.dry_run or result.check:
        return telemetry
    _performance(telemetry, result, workers)
    await _templates(telemetry, templates, metrics)
    _outcomes(telemetry, result)
    return telemetry


def _performance(telemetry: RunTelemetry, result: CodegenWorkflowResult, workers: int) -> None:
    workflow = result.workflow
    contracts = max(len(result.outcomes), 1)
    if workflow is not None:
        for stage in workflow.stage_results:
            telemetry.performance.append(
                PerformanceRow(
                    phase=STAGE_PHASES.get(stage.stage_id, "generation"),
                    node_type="workflow",
                    duration_ms=max(stage.duration_ms, 0.0),
                    worker_count=min(workers, contracts),
                    parallel_execution=contracts > 1 and workers > 1,
                    metadata={
                        "stage": stage.stage_id,
                        "parallelism": round(stage.parallelism, 3),
                    },
                )
            )
    telemetry.performance.append(
        PerformanceRow(
            phase="total",
            node_type="workflow",
            duration_ms=max(result.duration_ms, 0.0),
            worker_count=min(workers, contracts),
            parallel_execution=contracts > 1 and workers > 1,
            cache_hit=all(o.fresh for o in result.outcomes) and bool(result.outcomes),
            metadata={
                "contracts": len(result.outcomes),
                "speedup": None if result.speedup is None else round(result.speedup, 3),
                "parallelism": round(result.parallelism, 3),
                "success": result.success,
            },
        )
    )


async def _templates(
    telemetry: RunTelemetry, manager: TemplateManager, metrics: MetricsCollector | None
) -> None:
    hits: Counter[str] = Counter()
    misses: Counter[str] = Counter()
    load_ms: dict[str, float] = {}
    if metrics is not None:
        # a counter's value is its increment: one per lookup in this process, the
        # count per template in what the workers reported (TemplateManager.merge_activity)
        for metric in metrics.get_metrics("template_cache_hit"):
            hits[metric.tags.get("template_id", "")] += int(metric.value)
        for metric in metrics.get_metrics("template_cache_miss"):
            misses[metric.tags.get("template_id", "")] += int(metric.value)
        for metric in metrics.get_metrics("template_load_ms"):
            load_ms[metric.tags.get("template_id", "")] = metric.value
    for template_id in TEMPLATE_IDS:
        # peeked: reading the records is not a lookup of the run (the cache's hit rate stays
        # the run's own); loaded only when the cache no longer holds the template
        entry = manager.cache.peek(template_id)
        template = (
            entry.template
            if entry is not None
            else await manager.load_template(template_id, TemplateType.infer(template_id))
        )
        meta = template.metadata
        telemetry.templates.append(
            TemplateUseRow(
                template_name=template_id,
                template_type=_template_kind(template_id),
                file_path=str(meta.source_path) if meta else "",
                file_hash=meta.sha256 if meta else "",
                size_bytes=template.size_bytes,
                load_time_ms=round(load_ms.get(template_id, 0.0), 3),
                hits=hits[template_id],
                misses=misses[template_id],
            )
        )


def _outcomes(telemetry: RunTelemetry, result: CodegenWorkflowResult) -> None:
    silent = set(PATTERN_RULES)
    checked_all_passed = True
    for outcome in result.outcomes:
        if outcome.fresh or not outcome.node_type:
            continue
        if outcome.mixins:
            telemetry.mixins.append(
                MixinOutcomeRow(
                    node_type=outcome.node_type,
                    mixins=outcome.mixins,
                    success=outcome.passed,
                    contract=outcome.contract,
                )
            )
        checked_all_passed = checked_all_passed and outcome.passed
        for target, validation in outcome.validations:
            for report in validation.reports:
                telemetry.validations.append(
                    ValidationRow(
                        target=target,
                        validator=report.validator,
                        passed=report.passed,
                        score=report.score,
                        issues=tuple(
                            f"{f.line}: {f.rule_id} {f.message}"
                            for f in report.findings[:_MAX_ISSUES]
                        ),
                    )
                )
            for finding in validation.findings:
                pattern = _RULE_PATTERNS.get(finding.rule_id)
                if pattern is None:
                    continue
                silent.discard(pattern)
                telemetry.feedback.append(
                    FeedbackRow(
                        pattern_name=pattern,
                        feedback_type="false_positive" if outcome.passed else "true_positive",
                        confidence=min(max(finding.confidence, 0.0), 1.0),
                        metadata={"target": target, "line": finding.line, "rule": finding.rule_id},
                    )
                )
    if checked_all_passed and telemetry.validations:
        for pattern in sorted(silent):
            telemetry.feedback.append(
                FeedbackRow(
                    pattern_name=pattern,
                    feedback_type="true_negative",
                    confidence=1.0,
                    metadata={"modules": len({v.target for v in telemetry.validations})},
                )
            )


def run_gauges(telemetry: RunTelemetry) -> dict[str, float]:
    """The run's summary gauges (a gauge without data in this run is left out).

    - ``template_cache_hit_rate``: hits / (hits + misses) of the run's template loads;
    - ``validation_pass_rate``: verdicts that passed / all verdicts on generated files;
    - ``quality_score``: mean score of the ``quality`` validator;
    - ``mixin_compatibility_score``: lowest predicted compatibility of a
      contract's mixin set (catalogue rules, see ``intelligence.mixin_learning``);
    - ``mixin_prediction_accuracy``: contracts whose prediction (score >= 0.5
      means "works") matched the outcome (package passed its checks) / contracts
      with mixins; a prediction of failure that fails counts as right;
    - ``pattern_accuracy``: (true positives + true negatives) / feedback rows;
    - ``pattern_false_positive_rate``: false positives / feedback rows.
    """
    gauges: dict[str, float] = {}
    hits = sum(t.hits for t in telemetry.templates)
    loads = hits + sum(t.misses for t in telemetry.templates)
    if loads:
        gauges["template_cache_hit_rate"] = hits / loads
    if telemetry.validations:
        passed = sum(v.passed for v in telemetry.validations)
        gauges["validation_pass_rate"] = passed / len(telemetry.validations)
    quality = [
        v.score for v in telemetry.validations if v.validator == "quality" and v.score is not None
    ]
    if quality:
        gauges["quality_score"] = sum(quality) / len(quality)
    if telemetry.mixins:
        scores = [predicted_set_score(m.node_type, m.mixins) for m in telemetry.mixins]
        gauges["mixin_compatibility_score"] = min(scores)
        right = sum(
            (score >= 0.5) == m.success for score, m in zip(scores, telemetry.mixins, strict=True)
        )
        gauges["mixin_prediction_accuracy"] = right / len(telemetry.mixins)
    if telemetry.feedback:
        kinds = Counter(f.feedback_type for f in telemetry.feedback)
        total = len(telemetry.feedback)
        gauges["pattern_accuracy"] = (kinds["true_positive"] + kinds["true_negative"]) / total
        gauges["pattern_false_positive_rate"] = kinds["false_positive"] / total
    return gauges
