"""Coordination: typed lifecycle signals between the executor and its observers."""

from omninode_bridge.agents.coordination.signals import (
    Signal,
    SignalCallback,
    SignalCoordinator,
    SignalMetrics,
    SignalType,
    Subscription,
)

__all__ = [
    "Signal",
    "SignalCallback",
    "SignalCoordinator",
    "SignalMetrics",
    "SignalType",
    "Subscription",
]
