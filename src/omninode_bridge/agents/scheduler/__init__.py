"""Seed import path ``omninode_bridge.agents.scheduler``: re-exports only.

The code lives in :mod:`omninode_bridge.engine` (``dag.py``, ``scheduler.py``,
``retry.py``).
"""

from omninode_bridge.engine.dag import DependencyGraph
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
