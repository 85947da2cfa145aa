"""Seed import path ``omninode_bridge.agents.workflows``: re-exports only.

The code lives where its concept lives: the staged parallel executor, its
records, recovery and profiling in :mod:`omninode_bridge.engine`; the code
generation workflow and the template manager in :mod:`omninode_bridge.codegen`;
the validation pipeline in :mod:`omninode_bridge.validation`; the AI quorum in
:mod:`omninode_bridge.quorum`; the exceptions in :mod:`omninode_bridge.errors`.
"""

from omninode_bridge.codegen.parallel import ParallelCodeGenerator
from omninode_bridge.codegen.template_engine import OmniNodeTemplateEngine
from omninode_bridge.codegen.template_manager import (
    Template,
    TemplateCache,
    TemplateCacheStats,
    TemplateLRUCache,
    TemplateManager,
    TemplateMetadata,
    TemplateRenderContext,
    TemplateType,
)
from omninode_bridge.codegen.workflow import (
    CodegenWorkflow,
    CodegenWorkflowResult,
    PackageResult,
)
from omninode_bridge.engine.executor import StagedParallelExecutor
from omninode_bridge.engine.models import (
    EnumStageStatus,
    EnumStepStatus,
    EnumStepType,
    ExecutorStatistics,
    StageResult,
    StepResult,
    WorkflowConfig,
    WorkflowResult,
    WorkflowStage,
    WorkflowStep,
)
from omninode_bridge.engine.profiling import (
    HotPath,
    OptimizationArea,
    OptimizationPriority,
    OptimizationRecommendation,
    PerformanceOptimizer,
    PerformanceProfiler,
    PerformanceReport,
    ProfileResult,
    TimingStats,
)
from omninode_bridge.engine.recovery import (
    ErrorPattern,
    ErrorRecoveryOrchestrator,
    ErrorType,
    RecoveryContext,
    RecoveryResult,
    RecoveryStatistics,
    RecoveryStrategy,
)
from omninode_bridge.errors import (
    InsufficientParticipationError,
    QuorumException,
    StageTimeoutError,
    ValidationException,
    WorkflowException,
)
from omninode_bridge.quorum import (
    DEFAULT_QUORUM_MODELS,
    AIQuorum,
    CodestralClient,
    GeminiClient,
    GLMClient,
    LLMClient,
    ModelConfig,
    ModelExclusion,
    OpenAICompatibleClient,
    QuorumResult,
    QuorumVote,
)
from omninode_bridge.validation import (
    CompletenessValidator,
    ONEXComplianceValidator,
    QualityValidator,
    ValidationContext,
    ValidationPipeline,
    ValidationResult,
    ValidationSummary,
)

__all__ = [
    "DEFAULT_QUORUM_MODELS",
    "AIQuorum",
    "CodegenWorkflow",
    "CodegenWorkflowResult",
    "CodestralClient",
    "CompletenessValidator",
    "EnumStageStatus",
    "EnumStepStatus",
    "EnumStepType",
    "ErrorPattern",
    "ErrorRecoveryOrchestrator",
    "ErrorType",
    "ExecutorStatistics",
    "GLMClient",
    "GeminiClient",
    "HotPath",
    "InsufficientParticipationError",
    "LLMClient",
    "ModelConfig",
    "ModelExclusion",
    "ONEXComplianceValidator",
    "OmniNodeTemplateEngine",
    "OpenAICompatibleClient",
    "OptimizationArea",
    "OptimizationPriority",
    "OptimizationRecommendation",
    "PackageResult",
    "ParallelCodeGenerator",
    "PerformanceOptimizer",
    "PerformanceProfiler",
    "PerformanceReport",
    "ProfileResult",
    "QualityValidator",
    "QuorumException",
    "QuorumResult",
    "QuorumVote",
    "RecoveryContext",
    "RecoveryResult",
    "RecoveryStatistics",
    "RecoveryStrategy",
    "StageResult",
    "StageTimeoutError",
    "StagedParallelExecutor",
    "StepResult",
    "Template",
    "TemplateCache",
    "TemplateCacheStats",
    "TemplateLRUCache",
    "TemplateManager",
    "TemplateMetadata",
    "TemplateRenderContext",
    "TemplateType",
    "TimingStats",
    "ValidationContext",
    "ValidationException",
    "ValidationPipeline",
    "ValidationResult",
    "ValidationSummary",
    "WorkflowConfig",
    "WorkflowException",
    "WorkflowResult",
    "WorkflowStage",
    "WorkflowStep",
]
