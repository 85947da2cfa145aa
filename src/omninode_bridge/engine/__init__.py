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

#: The module defining each exported name (imported on first use).
_MODULES: dict[str, tuple[str, ...]] = {
    "omninode_bridge.engine.dag": ("DependencyGraph",),
    "omninode_bridge.engine.executor": ("StagedParallelExecutor",),
    "omninode_bridge.engine.models": (
        "EnumStageStatus",
        "EnumStepStatus",
        "EnumStepType",
        "ExecutorStatistics",
        "StageResult",
        "StepResult",
        "WorkflowConfig",
        "WorkflowResult",
        "WorkflowStage",
        "WorkflowStep",
    ),
    "omninode_bridge.engine.profiling": (
        "HotPath",
        "OptimizationArea",
        "OptimizationPriority",
        "OptimizationRecommendation",
        "PerformanceOptimizer",
        "PerformanceProfiler",
        "PerformanceReport",
        "ProfileResult",
        "TimingStats",
    ),
    "omninode_bridge.engine.recovery": (
        "ErrorPattern",
        "ErrorRecoveryOrchestrator",
        "ErrorType",
        "RecoveryContext",
        "RecoveryResult",
        "RecoveryStatistics",
        "RecoveryStrategy",
    ),
    "omninode_bridge.engine.retry": ("RetryAttempt", "RetryPolicy", "SleepFunc", "call_with_retry"),
    "omninode_bridge.engine.scheduler": (
        "DependencyAwareScheduler",
        "ExecutionResult",
        "ScheduledTask",
        "TaskContext",
        "TaskOutcome",
        "TaskStatus",
        "Wave",
        "WaveSummary",
    ),
    "omninode_bridge.engine.signals": (
        "Signal",
        "SignalCallback",
        "SignalCoordinator",
        "SignalMetrics",
        "SignalType",
        "Subscription",
    ),
    "omninode_bridge.ports": ("MetricsRecorder",),
}
_EXPORTS: dict[str, str] = {name: module for module, names in _MODULES.items() for name in names}

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
