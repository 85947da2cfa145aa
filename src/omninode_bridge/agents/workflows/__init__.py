"""Code generation workflow infrastructure: the seed API's public module.

Re-exports the staged parallel executor and its records, the template manager,
the validation pipeline and the AI quorum.
"""

from omninode_bridge.agents.workflows.executor import StagedParallelExecutor
from omninode_bridge.agents.workflows.models import (
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
from omninode_bridge.agents.workflows.template_manager import (
    Template,
    TemplateCache,
    TemplateCacheStats,
    TemplateLRUCache,
    TemplateManager,
    TemplateMetadata,
    TemplateRenderContext,
    TemplateType,
)
from omninode_bridge.agents.workflows.validation import (
    CompletenessValidator,
    ONEXComplianceValidator,
    QualityValidator,
    ValidationContext,
    ValidationPipeline,
    ValidationResult,
    ValidationSummary,
)
from omninode_bridge.errors import (
    InsufficientParticipationError,
    QuorumException,
    StageTimeoutError,
    ValidationException,
    WorkflowException,
)

__all__ = [
    "CompletenessValidator",
    "EnumStageStatus",
    "EnumStepStatus",
    "EnumStepType",
    "ExecutorStatistics",
    "InsufficientParticipationError",
    "ONEXComplianceValidator",
    "QualityValidator",
    "QuorumException",
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
