"""The ONEX runtime: the only part of omninode-bridge that generated node packages import."""

from __future__ import annotations

from omninode_bridge.onex.enums import (
    EnumCoreErrorCode,
    EnumHealthStatus,
    EnumLogLevel,
    EnumNodeType,
)

__all__ = ["EnumCoreErrorCode", "EnumHealthStatus", "EnumLogLevel", "EnumNodeType"]
