"""Introspection mixins: describe the node, and record its recent operations."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from omninode_bridge.onex.enums import EnumLogLevel, EnumNodeType
from omninode_bridge.onex.errors import ModelOnexError
from omninode_bridge.onex.log_events import emit_log_event
from omninode_bridge.onex.mixins.catalog import MIXIN_CATALOG
from omninode_bridge.onex.mixins.config import MixinRequestResponseIntrospectionConfig
from omninode_bridge.onex.mixins.log_data import MixinLogData
from omninode_bridge.onex.node import NodeBase, OperationCall, OperationOutcome

__all__ = [
    "MixinNodeIntrospection",
    "MixinRequestResponseIntrospection",
    "ModelNodeIntrospection",
    "ModelOperationRecord",
    "to_jsonable",
]


def to_jsonable(value: object) -> object:
    """Pydantic models dumped in JSON mode; mappings and sequences converted recursively."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class ModelNodeIntrospection:
    """What a node is and offers.

    Attributes:
        node_name: Contract name.
        node_type: Node type.
        version: Contract version.
        description: Contract description.
        operations: Business operations.
        mixins: Catalog mixins the node class inherits, in MRO order.
        capabilities: Advertised capabilities.
        subscribes: Consumed topics.
        publishes: Produced topics.
    """

    node_name: str
    node_type: EnumNodeType
    version: str
    description: str
    operations: tuple[str, ...]
    mixins: tuple[str, ...]
    capabilities: tuple[str, ...] = ()
    subscribes: tuple[str, ...] = ()
    publishes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "node_name": self.node_name,
            "node_type": self.node_type.value,
            "version": self.version,
            "description": self.description,
            "operations": list(self.operations),
            "mixins": list(self.mixins),
            "capabilities": list(self.capabilities),
            "subscribes": list(self.subscribes),
            "publishes": list(self.publishes),
        }


class MixinNodeIntrospection(NodeBase):
    """Describes the node from its contract and class: :meth:`get_introspection`.

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinNodeIntrospectionConfig`.
    """

    def get_introspection(self) -> ModelNodeIntrospection:
        """The node's description."""
        contract = self.contract
        mixins = tuple(c.__name__ for c in type(self).__mro__ if c.__name__ in MIXIN_CATALOG)
        return ModelNodeIntrospection(
            node_name=contract.name,
            node_type=contract.node_type,
            version=contract.version,
            description=contract.description,
            operations=contract.operations,
            mixins=mixins,
            capabilities=contract.capabilities,
            subscribes=contract.subscribe_topics,
            publishes=contract.publish_topics,
        )


@dataclass(frozen=True, slots=True)
class ModelOperationRecord:
    """One finished operation as recorded by ``MixinRequestResponseIntrospection``.

    Attributes:
        operation: Operation name.
        correlation_id: Correlation id of the call.
        duration_ms: How long it ran.
        succeeded: Whether it returned without raising.
        request: The input in JSON form (only with ``log_requests``).
        response: The output in JSON form (only with ``log_responses``).
        error_code: ``ModelOnexError`` code, or the exception type name.
        error: Error message when it failed.
        finished_at: When it ended (UTC).
    """

    operation: str
    correlation_id: str | None
    duration_ms: float
    succeeded: bool
    request: object = None
    response: object = None
    error_code: str | None = None
    error: str | None = None
    finished_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class MixinRequestResponseIntrospection(NodeBase):
    """Keeps the last ``max_records`` operations, optionally with input and output.

    With ``log_requests`` / ``log_responses`` the input and output are also kept
    (in JSON form) and logged at DEBUG; when the node also has ``MixinLogData``,
    they are redacted with its rules first.

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinRequestResponseIntrospectionConfig`.
    """

    def _on_configure(self) -> None:
        super()._on_configure()
        self._exchange_config = self.mixin_config(MixinRequestResponseIntrospectionConfig)
        self._exchanges: deque[ModelOperationRecord] = deque(
            maxlen=self._exchange_config.max_records
        )

    def recent_operations(self) -> tuple[ModelOperationRecord, ...]:
        """Recorded operations, oldest first."""
        return tuple(self._exchanges)

    def _kept(self, value: object) -> object:
        """JSON form of a payload, redacted when the node also has ``MixinLogData``."""
        data = to_jsonable(value)
        if isinstance(self, MixinLogData) and isinstance(data, Mapping):
            return self.redact(data)
        return data

    def _operation_finished(self, call: OperationCall, outcome: OperationOutcome) -> None:
        super()._operation_finished(call, outcome)
        config = self._exchange_config
        if not config.introspection_enabled:
            return
        error = outcome.error
        code = None
        if error is not None:
            code = (
                error.error_code.value
                if isinstance(error, ModelOnexError)
                else type(error).__name__
            )
        record = ModelOperationRecord(
            operation=call.operation,
            correlation_id=call.correlation_id,
            duration_ms=outcome.duration_ms,
            succeeded=error is None,
            request=self._kept(call.payload) if config.log_requests else None,
            response=self._kept(outcome.result) if config.log_responses and error is None else None,
            error_code=code,
            error=None if error is None else str(error),
        )
        self._exchanges.append(record)
        if config.log_requests or config.log_responses:
            emit_log_event(
                EnumLogLevel.DEBUG,
                "node.operation.exchange",
                {
                    "node": self.node_name,
                    "operation": call.operation,
                    "request": record.request,
                    "response": record.response,
                    "error_code": code,
                },
            )
