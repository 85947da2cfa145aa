"""ONEX mixins: the catalog and the mixin classes generated nodes inherit.

Every class here derives from :class:`~omninode_bridge.onex.node.NodeBase` and
extends it through cooperative hooks, so any valid combination composes::

    class NodeCacheCompute(NodeCompute, MixinCaching, MixinMetrics): ...

Use :func:`resolve_mixins` to check a contract's mixin list and get the base
classes in a valid order.
"""

from __future__ import annotations

from omninode_bridge.onex.mixins.caching import MixinCaching, ModelCacheStats, TTLCache
from omninode_bridge.onex.mixins.catalog import (
    MIXIN_CATALOG,
    MixinDeclarationLike,
    MixinDefinition,
    MixinRequirement,
    ResolvedMixin,
    get_mixin_spec,
    resolve_mixins,
)
from omninode_bridge.onex.mixins.config import MixinConfig
from omninode_bridge.onex.mixins.event_bus import (
    NODE_STARTED,
    NODE_STOPPED,
    MixinEventBus,
    MixinEventDrivenNode,
    MixinEventHandler,
    MixinIntrospectionPublisher,
    MixinNodeLifecycle,
    ModelEventStats,
)
from omninode_bridge.onex.mixins.hashing import MixinHashComputation
from omninode_bridge.onex.mixins.health_check import (
    HealthCheckFunction,
    HealthCheckResult,
    MixinHealthCheck,
)
from omninode_bridge.onex.mixins.introspection import (
    MixinNodeIntrospection,
    MixinRequestResponseIntrospection,
    ModelNodeIntrospection,
    ModelOperationRecord,
)
from omninode_bridge.onex.mixins.log_data import REDACTED, MixinLogData
from omninode_bridge.onex.mixins.metrics import (
    MixinMetrics,
    ModelMetricsSnapshot,
    ModelTimingSummary,
)
from omninode_bridge.onex.mixins.serialization import (
    MixinCanonicalYAMLSerializer,
    to_canonical_yaml,
)
from omninode_bridge.onex.mixins.service_registry import (
    SERVICE_REGISTRY,
    InMemoryServiceRegistry,
    MixinServiceRegistry,
    ModelServiceRegistration,
    ProtocolServiceRegistry,
)

__all__ = [
    "MIXIN_CATALOG",
    "NODE_STARTED",
    "NODE_STOPPED",
    "REDACTED",
    "SERVICE_REGISTRY",
    "HealthCheckFunction",
    "HealthCheckResult",
    "InMemoryServiceRegistry",
    "MixinCaching",
    "MixinCanonicalYAMLSerializer",
    "MixinConfig",
    "MixinDeclarationLike",
    "MixinDefinition",
    "MixinEventBus",
    "MixinEventDrivenNode",
    "MixinEventHandler",
    "MixinHashComputation",
    "MixinHealthCheck",
    "MixinIntrospectionPublisher",
    "MixinLogData",
    "MixinMetrics",
    "MixinNodeIntrospection",
    "MixinNodeLifecycle",
    "MixinRequestResponseIntrospection",
    "MixinRequirement",
    "MixinServiceRegistry",
    "ModelCacheStats",
    "ModelEventStats",
    "ModelMetricsSnapshot",
    "ModelNodeIntrospection",
    "ModelOperationRecord",
    "ModelServiceRegistration",
    "ModelTimingSummary",
    "ProtocolServiceRegistry",
    "ResolvedMixin",
    "TTLCache",
    "get_mixin_spec",
    "resolve_mixins",
    "to_canonical_yaml",
]
