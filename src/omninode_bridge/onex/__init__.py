"""The ONEX runtime: the only part of omninode-bridge that generated node packages import.

It imports nothing of the engine (agents, codegen, persistence...): generated
packages depend on this subpackage, pydantic and the standard library alone.
See ``docs/onex-runtime.md`` for the API a generated node uses.
"""

from __future__ import annotations

from omninode_bridge.onex.container import CLOCK, ModelONEXContainer, ServiceKey
from omninode_bridge.onex.contract import (
    LIFECYCLE_OPERATIONS,
    EventPattern,
    MixinDeclaration,
    NodeContract,
)
from omninode_bridge.onex.enums import (
    EnumCoreErrorCode,
    EnumHealthStatus,
    EnumLogLevel,
    EnumNodeType,
)
from omninode_bridge.onex.errors import ModelOnexError
from omninode_bridge.onex.events import (
    EVENT_BUS,
    EventHandler,
    InMemoryEventBus,
    ModelEventEnvelope,
    ProtocolEventBus,
    ProtocolSubscription,
)
from omninode_bridge.onex.log_events import (
    LogSink,
    ModelLogEvent,
    add_log_sink,
    capture_log_events,
    emit_log_event,
    remove_log_sink,
)
from omninode_bridge.onex.node import (
    ModelComponentHealth,
    ModelHealthRecord,
    NodeBase,
    NodeCompute,
    NodeEffect,
    NodeOrchestrator,
    NodeReducer,
    OperationCall,
    OperationHandler,
    OperationOutcome,
    OperationRouter,
    aggregate_health,
)

__all__ = [
    "CLOCK",
    "EVENT_BUS",
    "LIFECYCLE_OPERATIONS",
    "EnumCoreErrorCode",
    "EnumHealthStatus",
    "EnumLogLevel",
    "EnumNodeType",
    "EventHandler",
    "EventPattern",
    "InMemoryEventBus",
    "LogSink",
    "MixinDeclaration",
    "ModelComponentHealth",
    "ModelEventEnvelope",
    "ModelHealthRecord",
    "ModelLogEvent",
    "ModelONEXContainer",
    "ModelOnexError",
    "NodeBase",
    "NodeCompute",
    "NodeContract",
    "NodeEffect",
    "NodeOrchestrator",
    "NodeReducer",
    "OperationCall",
    "OperationHandler",
    "OperationOutcome",
    "OperationRouter",
    "ProtocolEventBus",
    "ProtocolSubscription",
    "ServiceKey",
    "add_log_sink",
    "aggregate_health",
    "capture_log_events",
    "emit_log_event",
    "remove_log_sink",
]
