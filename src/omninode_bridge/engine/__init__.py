"""The engine: DAG, scheduler, staged parallel executor, signals, retry and recovery.

It runs :class:`WorkflowStep` callables it knows nothing about: code generation
lives in :mod:`omninode_bridge.codegen` and hands its stages to the engine.
Profiling and the optimiser (:mod:`.profiling`) measure the engine itself.

The names below are imported from their submodules on first use, so importing
one submodule (the CLI starts its worker processes from :mod:`.backends`)
does not load the executor, the profiler and the recovery code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Exported name -> the module defining it (imported on first use).
_EXPORTS: dict[str, str] = {
    "DependencyGraph": "omninode_bridge.engine.dag",
    "StagedParallelExecutor": "omninode_bridge.engine.executor",
    "EnumStageStatus": "omninode_bridge.engine.models",
    "EnumStepStatus": "omninode_bridge.engine.models",
    "EnumStepType": "omninode_bridge.engine.models",
    "ExecutorStatistics": "omninode_bridge.engine.models",
    "StageResult": "omninode_bridge.engine.models",
    "StepResult": "omninode_bridge.engine.models",
    "WorkflowConfig": "omninode_bridge.engine.models",
    "WorkflowResult": "omninode_bridge.engine.models",
    "WorkflowStage": "omninode_bridge.engine.models",
    "WorkflowStep": "omninode_bridge.engine.models",
    "HotPath": "omninode_bridge.engine.profiling",
    "OptimizationArea": "omninode_bridge.engine.profiling",
    "OptimizationPriority": "omninode_bridge.engine.profiling",
    "OptimizationRecommendation": "omninode_bridge.engine.profiling",
    "PerformanceOptimizer": "omninode_bridge.engine.profiling",
    "PerformanceProfiler": "omninode_bridge.engine.profiling",
    "PerformanceReport": "omninode_bridge.engine.profiling",
    "ProfileResult": "omninode_bridge.engine.profiling",
    "TimingStats": "omninode_bridge.engine.profiling",
    "ErrorPattern": "omninode_bridge.engine.recovery",
    "ErrorRecoveryOrchestrator": "omninode_bridge.engine.recovery",
    "ErrorType": "omninode_bridge.engine.recovery",
    "RecoveryContext": "omninode_bridge.engine.recovery",
    "RecoveryResult": "omninode_bridge.engine.recovery",
    "RecoveryStatistics": "omninode_bridge.engine.recovery",
    "RecoveryStrategy": "omninode_bridge.engine.recovery",
    "RetryAttempt": "omninode_bridge.engine.retry",
    "RetryPolicy": "omninode_bridge.engine.retry",
    "SleepFunc": "omninode_bridge.engine.retry",
    "call_with_retry": "omninode_bridge.engine.retry",
    "DependencyAwareScheduler": "omninode_bridge.engine.scheduler",
    "ExecutionResult": "omninode_bridge.engine.scheduler",
    "ScheduledTask": "omninode_bridge.engine.scheduler",
    "TaskContext": "omninode_bridge.engine.scheduler",
    "TaskOutcome": "omninode_bridge.engine.scheduler",
    "TaskStatus": "omninode_bridge.engine.scheduler",
    "Wave": "omninode_bridge.engine.scheduler",
    "WaveSummary": "omninode_bridge.engine.scheduler",
    "Signal": "omninode_bridge.engine.signals",
    "SignalCallback": "omninode_bridge.engine.signals",
    "SignalCoordinator": "omninode_bridge.engine.signals",
    "SignalMetrics": "omninode_bridge.engine.signals",
    "SignalType": "omninode_bridge.engine.signals",
    "Subscription": "omninode_bridge.engine.signals",
    "MetricsRecorder": "omninode_bridge.ports",
}

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


def __getattr__(name: str) -> Any:
    """The exported name ``name``, importing its module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
