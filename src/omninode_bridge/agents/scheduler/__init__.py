"""Scheduling: dependency graphs, waves, concurrency limits and retries."""

from omninode_bridge.agents.scheduler.dag import DependencyGraph
from omninode_bridge.agents.scheduler.retry import (
    RetryAttempt,
    RetryPolicy,
    SleepFunc,
    call_with_retry,
)
from omninode_bridge.agents.scheduler.scheduler import (
    DependencyAwareScheduler,
    ExecutionResult,
    ScheduledTask,
    TaskContext,
    TaskOutcome,
    TaskStatus,
    Wave,
    WaveSummary,
)

__all__ = [
    "DependencyAwareScheduler",
    "DependencyGraph",
    "ExecutionResult",
    "RetryAttempt",
    "RetryPolicy",
    "ScheduledTask",
    "SleepFunc",
    "TaskContext",
    "TaskOutcome",
    "TaskStatus",
    "Wave",
    "WaveSummary",
    "call_with_retry",
]
