"""The engine: DAG, scheduler, staged parallel executor, signals, retry and recovery.

It runs :class:`WorkflowStep` callables it knows nothing about: code generation
lives in :mod:`omninode_bridge.codegen` and hands its stages to the engine.
Profiling and the optimiser (:mod:`.profiling`) measure the engine itself.
"""

from omninode_bridge.engine.dag import DependencyGraph
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
from omninode_bridge.engine.retry import (
    RetryAttempt,
    RetryPolicy,
    SleepFunc,
    call_with_retry,
)
from omninode_bridge.engine.scheduler import (
    DependencyAwareScheduler,
    ExecutionResult,
    ScheduledTask,
    TaskContext,
    TaskOutcome,
    TaskStatus,
    Wave,
    WaveSummary,
)
from omninode_bridge.engine.signals import (
    Signal,
    SignalCallback,
    SignalCoordinator,
    SignalMetrics,
    SignalType,
    Subscription,
)
from omninode_bridge.ports import MetricsRecorder

__all__ = [
    "DependencyAwareScheduler",
    "DependencyGraph",
    "EnumStageStatus",
    "EnumStepStatus",
    "EnumStepType",
    "ErrorPattern",
    "ErrorRecoveryOrchestrator",
    "ErrorType",
    "ExecutionResult",
    "ExecutorStatistics",
    "HotPath",
    "MetricsRecorder",
    "OptimizationArea",
    "OptimizationPriority",
    "OptimizationRecommendation",
    "PerformanceOptimizer",
    "PerformanceProfiler",
    "PerformanceReport",
    "ProfileResult",
    "RecoveryContext",
    "RecoveryResult",
    "RecoveryStatistics",
    "RecoveryStrategy",
    "RetryAttempt",
    "RetryPolicy",
    "ScheduledTask",
    "Signal",
    "SignalCallback",
    "SignalCoordinator",
    "SignalMetrics",
    "SignalType",
    "SleepFunc",
    "StageResult",
    "StagedParallelExecutor",
    "StepResult",
    "Subscription",
    "TaskContext",
    "TaskOutcome",
    "TaskStatus",
    "TimingStats",
    "Wave",
    "WaveSummary",
    "WorkflowConfig",
    "WorkflowResult",
    "WorkflowStage",
    "WorkflowStep",
    "call_with_retry",
]
