"""Every name the seed documents import is importable from our package.

The integration guide and the Workflows API reference import from
``omninode_bridge.agents.*`` exactly; the Phase 7 guide's ``agents.lib.*``
names live under ``omninode_bridge.*`` by domain (docs/api-map.md has the table).
"""

from __future__ import annotations

import importlib

import pytest

SEED_IMPORTS: dict[str, list[str]] = {
    "omninode_bridge.agents.scheduler": ["DependencyAwareScheduler"],
    "omninode_bridge.agents.metrics": ["MetricsCollector"],
    "omninode_bridge.agents.coordination": ["SignalCoordinator"],
    "omninode_bridge.agents.workflows": [
        # Staged parallel execution
        "StagedParallelExecutor",
        "WorkflowStage",
        "WorkflowStep",
        "WorkflowConfig",
        "WorkflowResult",
        "StageResult",
        "EnumStageStatus",
        "EnumStepType",
        "StageTimeoutError",
        "WorkflowException",
        # Template management
        "TemplateManager",
        "TemplateLRUCache",
        "Template",
        "TemplateType",
        "TemplateMetadata",
        "TemplateRenderContext",
        "TemplateCacheStats",
        # Validation pipeline
        "ValidationPipeline",
        "ValidationResult",
        "ValidationContext",
        "ValidationSummary",
        "CompletenessValidator",
        "QualityValidator",
        "ONEXComplianceValidator",
        "ValidationException",
        # AI quorum
        "AIQuorum",
        "LLMClient",
        "GeminiClient",
        "GLMClient",
        "CodestralClient",
        "ModelConfig",
        "QuorumVote",
        "QuorumResult",
        "DEFAULT_QUORUM_MODELS",
        "QuorumException",
        "InsufficientParticipationError",
        # Error recovery and performance
        "ErrorRecoveryOrchestrator",
        "RecoveryContext",
        "RecoveryResult",
        "ErrorPattern",
        "ErrorType",
        "RecoveryStrategy",
        "PerformanceOptimizer",
        "PerformanceProfiler",
        "PerformanceReport",
        "OptimizationRecommendation",
        # The code generation workflow
        "CodegenWorkflow",
        "OmniNodeTemplateEngine",
        "ParallelCodeGenerator",
        "TemplateCache",
    ],
    # Phase 7 guide names, placed by domain.
    "omninode_bridge.persistence": [
        "OmniNodePersistence",
        "initialize_db_pool",
        "get_db_pool",
        "close_db_pool",
    ],
    "omninode_bridge.intelligence.mixin_learning": ["MixinLearningModel"],
    "omninode_bridge.intelligence.patterns": ["PatternMatcher", "FeedbackType"],
    "omninode_bridge.events": ["EventProcessor", "ModelEvent"],
    "omninode_bridge.observability": [
        "record_metric",
        "MetricType",
        "collect_all_metrics",
        "initialize_monitoring_system",
        "get_monitoring_system",
        "get_alert_manager",
        "AlertRule",
        "AlertSeverity",
        "load_alert_config",
        "check_system_health",
        "get_overall_health_status",
        "get_logger",
        "async_log_context",
        "with_log_context",
        "generate_dashboard",
    ],
}


@pytest.mark.parametrize(
    ("module", "name"),
    [(m, n) for m, names in SEED_IMPORTS.items() for n in names],
    ids=lambda v: str(v).rsplit(".", 1)[-1],
)
def test_seed_name_is_exported(module: str, name: str) -> None:
    mod = importlib.import_module(module)
    assert hasattr(mod, name), f"{module} does not export {name}"
    assert name in mod.__all__, f"{name} missing from {module}.__all__"


@pytest.mark.parametrize("module", sorted(SEED_IMPORTS))
def test_all_names_resolve(module: str) -> None:
    mod = importlib.import_module(module)
    for name in mod.__all__:
        assert hasattr(mod, name), name
