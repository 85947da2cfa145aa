"""Seed import path ``omninode_bridge.agents.coordination``: re-exports only.

The code lives in :mod:`omninode_bridge.engine.signals`.
"""

from omninode_bridge.engine.signals import (
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
