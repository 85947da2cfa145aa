"""Node base classes: ``NodeEffect``, ``NodeCompute``, ``NodeReducer``, ``NodeOrchestrator``.

Every node is built with a :class:`~omninode_bridge.onex.container.ModelONEXContainer`
and a contract, and has the same life: ``await node.initialize()``, operations,
``await node.health_check()``, ``await node.shutdown()``. Each node type adds
its one required method (``execute_effect``, ``execute_compute``,
``execute_reduction``, ``execute_orchestration``), which a generated node
implements by routing the operation named in its input to a handler::

    class NodeLockEffect(NodeEffect, MixinHealthCheck, MixinMetrics):
        contract_path = Path(__file__).with_name("contract.yaml")

        def __init__(self, container: ModelONEXContainer) -> None:
            super().__init__(container)
            self.router: OperationRouter[ModelLockInput, ModelLockOutput] = OperationRouter()
            self.router.register("acquire_lock", self._acquire_lock)

        async def execute_effect(self, input_data: ModelLockInput) -> ModelLockOutput:
            return await self.dispatch(self.router, input_data.operation_type, input_data)

Mixins derive from :class:`NodeBase` and extend it through cooperative hooks
(``_on_configure``, ``_on_initialize``, ``_on_shutdown``, ``_collect_health``,
``_operation_started``, ``_operation_finished``), each calling ``super()``, so
any combination of mixins composes in one class.
"""

from __future__ import annotations

import asyncio
import difflib
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from omninode_bridge.errors import MixinError
from omninode_bridge.onex.container import CLOCK, ModelONEXContainer
from omninode_bridge.onex.contract import NodeContract
from omninode_bridge.onex.enums import (
    EnumCoreErrorCode,
    EnumHealthStatus,
    EnumLogLevel,
    EnumNodeType,
)
from omninode_bridge.onex.errors import ModelOnexError
from omninode_bridge.onex.log_events import emit_log_event

if TYPE_CHECKING:
    from omninode_bridge.onex.mixins.config import MixinConfig

__all__ = [
    "ModelComponentHealth",
    "ModelHealthRecord",
    "NodeBase",
    "NodeCompute",
    "NodeEffect",
    "NodeOrchestrator",
    "NodeReducer",
    "OperationCall",
    "OperationHandler",
    "OperationOutcome",
    "OperationRouter",
    "aggregate_health",
]

InT = TypeVar("InT")
OutT = TypeVar("OutT")
ConfigT = TypeVar("ConfigT", bound="MixinConfig")

OperationHandler = Callable[[InT], Awaitable[OutT]]


@dataclass(frozen=True, slots=True)
class ModelComponentHealth:
    """Health of one component of a node.

    Attributes:
        name: Component name (``database``, ``lifecycle``...).
        status: Its status.
        critical: Whether its failure makes the whole node unhealthy.
        message: Why, when not healthy.
        duration_ms: How long the check took.
        details: JSON-compatible extra data.
    """

    name: str
    status: EnumHealthStatus
    critical: bool = True
    message: str = ""
    duration_ms: float = 0.0
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModelHealthRecord:
    """Health of a node: the aggregate status and every component.

    Attributes:
        node_name: The node's contract name.
        node_type: The node's type.
        status: Aggregate status (see :func:`aggregate_health`).
        components: Every component checked, ``lifecycle`` first.
        checked_at: When the check ran (UTC).
        uptime_seconds: Seconds since ``initialize()`` finished (0 when not running).
    """

    node_name: str
    node_type: EnumNodeType
    status: EnumHealthStatus
    components: tuple[ModelComponentHealth, ...]
    checked_at: datetime
    uptime_seconds: float = 0.0

    @property
    def is_healthy(self) -> bool:
        """Whether the aggregate status is ``HEALTHY``."""
        return self.status is EnumHealthStatus.HEALTHY

    def component(self, name: str) -> ModelComponentHealth | None:
        """The component called ``name``, if checked."""
        return next((c for c in self.components if c.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "node_name": self.node_name,
            "node_type": self.node_type.value,
            "status": self.status.value,
            "checked_at": self.checked_at.isoformat(),
            "uptime_seconds": self.uptime_seconds,
            "components": [
                {
                    "name": c.name,
                    "status": c.status.value,
                    "critical": c.critical,
                    "message": c.message,
                    "duration_ms": c.duration_ms,
                    "details": dict(c.details),
                }
                for c in self.components
            ],
        }


def aggregate_health(components: Iterable[ModelComponentHealth]) -> EnumHealthStatus:
    """Aggregate component statuses.

    ``UNHEALTHY`` when a critical component is unhealthy; ``DEGRADED`` when any
    other component is not healthy; ``HEALTHY`` otherwise (also for no components).
    """
    status = EnumHealthStatus.HEALTHY
    for component in components:
        if component.status is EnumHealthStatus.HEALTHY:
            continue
        if component.critical and component.status is EnumHealthStatus.UNHEALTHY:
            return EnumHealthStatus.UNHEALTHY
        status = EnumHealthStatus.DEGRADED
    return status


@dataclass(frozen=True, slots=True)
class OperationCall:
    """An operation about to run, as the ``_operation_started`` hook sees it."""

    operation: str
    payload: object
    correlation_id: str | None
    started: float


@dataclass(frozen=True, slots=True)
class OperationOutcome:
    """How an operation ended, as the ``_operation_finished`` hook sees it."""

    duration_ms: float
    result: object = None
    error: BaseException | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the handler returned without raising."""
        return self.error is None


class OperationRouter(Generic[InT, OutT]):
    """Operation name -> async handler, typed by input and output model.

    Example:
        >>> router: OperationRouter[ModelInput, ModelOutput] = OperationRouter()
        >>> router.register("create", handle_create)
    """

    def __init__(self, handlers: Mapping[str, OperationHandler[InT, OutT]] | None = None) -> None:
        self._handlers: dict[str, OperationHandler[InT, OutT]] = {}
        for name, handler in (handlers or {}).items():
            self.register(name, handler)

    def register(self, operation: str, handler: OperationHandler[InT, OutT]) -> None:
        """Route ``operation`` to ``handler``.

        Raises:
            ModelOnexError: ``CONFIGURATION_ERROR`` when the name is taken.
        """
        if operation in self._handlers:
            raise ModelOnexError(
                error_code=EnumCoreErrorCode.CONFIGURATION_ERROR,
                message=f"operation '{operation}' already has a handler",
                details={"operation": operation},
            )
        self._handlers[operation] = handler

    def handler_for(self, operation: str) -> OperationHandler[InT, OutT]:
        """The handler of ``operation``.

        Raises:
            ModelOnexError: ``UNSUPPORTED_OPERATION`` naming the close matches and
                every supported operation.
        """
        handler = self._handlers.get(operation)
        if handler is None:
            close = difflib.get_close_matches(operation, list(self._handlers), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ModelOnexError(
                error_code=EnumCoreErrorCode.UNSUPPORTED_OPERATION,
                message=f"unsupported operation '{operation}'{hint}",
                details={"operation": operation, "supported": list(self.operations)},
            )
        return handler

    @property
    def operations(self) -> tuple[str, ...]:
        """Registered operation names, in registration order."""
        return tuple(self._handlers)

    def __contains__(self, operation: object) -> bool:
        return operation in self._handlers


class NodeBase:
    """Lifecycle, health, contract access and operation dispatch shared by all nodes.

    Use a node-type subclass (:class:`NodeEffect`...), not this class directly.

    Args:
        container: Services the node resolves (event bus, clock, user handlers...).
        contract: The contract, as a :class:`NodeContract` or a mapping; when
            omitted, ``contract_path`` is loaded, else a contract with no mixins
            named after the class is used.

    Raises:
        ModelOnexError: ``CONFIGURATION_ERROR`` when the contract's node type or
            mixins do not match the class, or a mixin's config is invalid.
    """

    node_type: ClassVar[EnumNodeType]
    contract_path: ClassVar[Path | None] = None

    def __init__(
        self,
        container: ModelONEXContainer,
        *,
        contract: NodeContract | Mapping[str, Any] | None = None,
    ) -> None:
        self.container = container
        self.contract = self._load_contract(contract)
        self._clock: Callable[[], float] = container.resolve_optional(CLOCK) or time.monotonic
        self._mixin_configs = self._resolve_mixin_configs()
        self._running = False
        self._started_at = 0.0
        self._lifecycle_lock = asyncio.Lock()
        self._operations_running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._on_configure()

    @property
    def node_name(self) -> str:
        """The contract name of the node."""
        return self.contract.name

    @property
    def is_running(self) -> bool:
        """Whether ``initialize()`` finished and ``shutdown()`` has not started."""
        return self._running

    def mixin_config(self, model: type[ConfigT]) -> ConfigT:
        """The validated config of the mixin configured by ``model`` (defaults when undeclared)."""
        found = self._mixin_configs.get(model)
        return found if isinstance(found, model) else model()

    async def initialize(self) -> None:
        """Start the node and its mixins; a second (or concurrent) call does nothing.

        Raises:
            ModelOnexError: When a mixin or the node cannot start; what had
                started is shut down again.
        """
        async with self._lifecycle_lock:
            if self._running:
                return
            try:
                await self._on_initialize()
            except Exception as exc:
                await self._shutdown_quietly()
                raise self._lifecycle_error("initialize", exc) from exc
            self._running = True
            self._started_at = self._clock()
        emit_log_event(EnumLogLevel.INFO, "node.initialized", self._log_fields())

    async def shutdown(self, *, drain_timeout_seconds: float = 30.0) -> None:
        """Stop the node and its mixins; a second (or concurrent) call does nothing.

        New operations are refused at once; operations already running get up
        to ``drain_timeout_seconds`` to finish before the mixins stop (a
        warning is logged for those still running then).

        Raises:
            ModelOnexError: When a mixin fails to stop (the node is stopped anyway).
        """
        async with self._lifecycle_lock:
            if not self._running:
                return
            self._running = False
            await self._drain(drain_timeout_seconds)
            try:
                await self._on_shutdown()
            except Exception as exc:
                raise self._lifecycle_error("shutdown", exc) from exc
        emit_log_event(EnumLogLevel.INFO, "node.shutdown", self._log_fields())

    @property
    def operations_in_flight(self) -> int:
        """Operations started and not finished yet."""
        return self._operations_running

    async def health_check(self) -> ModelHealthRecord:
        """Check the node: its lifecycle plus every component the mixins report."""
        lifecycle = ModelComponentHealth(
            name="lifecycle",
            status=EnumHealthStatus.HEALTHY if self._running else EnumHealthStatus.UNHEALTHY,
            message="" if self._running else "node is not initialized",
        )
        components = (lifecycle, *await self._collect_health())
        return ModelHealthRecord(
            node_name=self.node_name,
            node_type=self.node_type,
            status=aggregate_health(components),
            components=components,
            checked_at=datetime.now(UTC),
            uptime_seconds=self._clock() - self._started_at if self._running else 0.0,
        )

    async def run_operation(
        self,
        operation: str,
        handler: OperationHandler[InT, OutT],
        payload: InT,
        *,
        correlation_id: str | None = None,
        timeout_seconds: float | None = None,
    ) -> OutT:
        """Run one operation through the node's plumbing.

        Checks the node is running, notifies the mixins (metrics, logging,
        introspection), applies the timeout, and maps errors: a
        ``ModelOnexError`` passes through; a timeout becomes ``TIMEOUT``; any
        other exception becomes ``OPERATION_FAILED`` with the original as cause.

        Raises:
            ModelOnexError: ``NOT_INITIALIZED`` before ``initialize()`` or after
                ``shutdown()``, else as described above.
        """
        if not self._running:
            raise ModelOnexError(
                error_code=EnumCoreErrorCode.NOT_INITIALIZED,
                message=f"node {self.node_name} is not initialized; await initialize() first",
                details={"operation": operation},
                correlation_id=correlation_id,
            )
        call = OperationCall(operation, payload, correlation_id, time.perf_counter())
        self._operations_running += 1
        self._idle.clear()
        self._operation_started(call)
        result: OutT | None = None
        error: BaseException | None = None
        try:
            result = await self._call(handler, payload, timeout_seconds)
        except BaseException as exc:
            error = self._map_error(exc, operation, correlation_id, timeout_seconds)
            if error is exc:
                raise
            raise error from exc
        finally:
            duration_ms = (time.perf_counter() - call.started) * 1000.0
            self._operation_finished(call, OperationOutcome(duration_ms, result, error))
            self._operations_running -= 1
            if self._operations_running == 0:
                self._idle.set()
        return result

    async def dispatch(
        self,
        router: OperationRouter[InT, OutT],
        operation: str,
        payload: InT,
        *,
        correlation_id: str | None = None,
        timeout_seconds: float | None = None,
    ) -> OutT:
        """Route ``operation`` through ``router`` and run it with :meth:`run_operation`.

        Raises:
            ModelOnexError: ``UNSUPPORTED_OPERATION`` for an unknown name, and
                everything :meth:`run_operation` raises.
        """

        async def routed(data: InT) -> OutT:
            return await router.handler_for(operation)(data)

        return await self.run_operation(
            operation,
            routed,
            payload,
            correlation_id=correlation_id,
            timeout_seconds=timeout_seconds,
        )

    # Cooperative hooks: mixins override these and call super().

    def _on_configure(self) -> None:
        """Set up state from the mixin config; runs at the end of ``__init__``.

        Mixins override it, call ``super()._on_configure()`` first, then read
        ``self.mixin_config(...)``.
        """

    async def _on_initialize(self) -> None:
        """Start resources; mixins override and ``await super()._on_initialize()`` first."""

    async def _on_shutdown(self) -> None:
        """Release resources; mixins override, clean up, then ``await super()._on_shutdown()``."""

    async def _collect_health(self) -> list[ModelComponentHealth]:
        """Component health; mixins extend ``await super()._collect_health()``."""
        return []

    def _operation_started(self, call: OperationCall) -> None:
        """Called before each operation's handler runs."""

    def _operation_finished(self, call: OperationCall, outcome: OperationOutcome) -> None:
        """Called after each operation, with its duration and result or error."""

    # Internals.

    def _log_fields(self, **extra: Any) -> dict[str, Any]:
        return {"node": self.node_name, "node_type": self.node_type.value, **extra}

    @staticmethod
    async def _call(
        handler: OperationHandler[InT, OutT], payload: InT, timeout_seconds: float | None
    ) -> OutT:
        if timeout_seconds is None:
            return await handler(payload)
        async with asyncio.timeout(timeout_seconds):
            return await handler(payload)

    def _map_error(
        self,
        exc: BaseException,
        operation: str,
        correlation_id: str | None,
        timeout_seconds: float | None,
    ) -> BaseException:
        if isinstance(exc, ModelOnexError):
            if exc.correlation_id is None:
                exc.correlation_id = correlation_id
            exc.details.setdefault("operation", operation)
            return exc
        if not isinstance(exc, Exception):
            return exc  # cancellation and interpreter exits pass through untouched
        if isinstance(exc, TimeoutError):
            return ModelOnexError(
                error_code=EnumCoreErrorCode.TIMEOUT,
                message=f"operation '{operation}' timed out",
                details={"operation": operation, "timeout_seconds": timeout_seconds},
                correlation_id=correlation_id,
            )
        return ModelOnexError.from_exception(
            exc, details={"operation": operation}, correlation_id=correlation_id
        )

    def _lifecycle_error(self, phase: str, exc: Exception) -> ModelOnexError:
        if isinstance(exc, ModelOnexError):
            return exc
        return ModelOnexError.from_exception(
            exc,
            error_code=EnumCoreErrorCode.INTERNAL_ERROR,
            details={"node": self.node_name, "phase": phase},
        )

    async def _drain(self, timeout_seconds: float) -> None:
        try:
            async with asyncio.timeout(timeout_seconds):
                await self._idle.wait()
        except TimeoutError:
            emit_log_event(
                EnumLogLevel.WARNING,
                "node.shutdown.operations_still_running",
                self._log_fields(
                    in_flight=self._operations_running, drain_timeout_seconds=timeout_seconds
                ),
            )

    async def _shutdown_quietly(self) -> None:
        try:
            await self._on_shutdown()
        except Exception as exc:
            emit_log_event(
                EnumLogLevel.WARNING, "node.cleanup_failed", self._log_fields(error=repr(exc))
            )

    def _load_contract(self, contract: NodeContract | Mapping[str, Any] | None) -> NodeContract:
        if not hasattr(type(self), "node_type"):
            raise ModelOnexError(
                error_code=EnumCoreErrorCode.CONFIGURATION_ERROR,
                message=f"{type(self).__name__} must derive from NodeEffect, NodeCompute, "
                "NodeReducer or NodeOrchestrator",
            )
        if isinstance(contract, NodeContract):
            loaded = contract
        elif contract is not None:
            loaded = NodeContract.from_mapping(contract)
        elif self.contract_path is not None:
            loaded = NodeContract.load(self.contract_path)
        else:
            loaded = NodeContract(name=type(self).__name__, node_type=self.node_type)
        if loaded.node_type is not self.node_type:
            raise ModelOnexError(
                error_code=EnumCoreErrorCode.CONFIGURATION_ERROR,
                message=f"contract {loaded.name} is a {loaded.node_type.value} node but "
                f"{type(self).__name__} is a {self.node_type.value} node",
            )
        return loaded

    def _resolve_mixin_configs(self) -> dict[type[MixinConfig], MixinConfig]:
        # Imported here: the mixins package imports this module for NodeBase.
        from omninode_bridge.onex.mixins.catalog import resolve_mixins

        try:
            resolved = resolve_mixins(self.contract.mixins, node_type=self.node_type)
        except MixinError as exc:
            raise ModelOnexError(
                error_code=EnumCoreErrorCode.CONFIGURATION_ERROR,
                message=f"contract {self.contract.name}: {exc}",
                details={"problems": [str(p) for p in exc.problems]},
            ) from exc
        bases = {cls.__name__ for cls in type(self).__mro__}
        missing = [m.name for m in resolved if m.name not in bases]
        if missing:
            raise ModelOnexError(
                error_code=EnumCoreErrorCode.CONFIGURATION_ERROR,
                message=f"contract {self.contract.name} declares {', '.join(missing)} but "
                f"{type(self).__name__} does not inherit {'it' if len(missing) == 1 else 'them'}",
                details={"missing_mixins": missing},
            )
        return {m.definition.config_model: m.config for m in resolved}


class NodeEffect(NodeBase, ABC):
    """A node with external effects (APIs, databases, files, brokers)."""

    node_type: ClassVar[EnumNodeType] = EnumNodeType.EFFECT

    @abstractmethod
    async def execute_effect(self, input_data: Any) -> Any:
        """Perform the effect described by ``input_data`` and return its result."""

    async def process(self, input_data: Any) -> Any:
        """Alias of :meth:`execute_effect`."""
        return await self.execute_effect(input_data)


class NodeCompute(NodeBase, ABC):
    """A node of pure computation: no I/O, same input, same output."""

    node_type: ClassVar[EnumNodeType] = EnumNodeType.COMPUTE

    @abstractmethod
    async def execute_compute(self, input_data: Any) -> Any:
        """Compute the result of ``input_data``."""

    async def process(self, input_data: Any) -> Any:
        """Alias of :meth:`execute_compute`."""
        return await self.execute_compute(input_data)


class NodeReducer(NodeBase, ABC):
    """A node that aggregates inputs into state."""

    node_type: ClassVar[EnumNodeType] = EnumNodeType.REDUCER

    @abstractmethod
    async def execute_reduction(self, input_data: Any) -> Any:
        """Fold ``input_data`` into the node's state and return the result."""

    async def process(self, input_data: Any) -> Any:
        """Alias of :meth:`execute_reduction`."""
        return await self.execute_reduction(input_data)


class NodeOrchestrator(NodeBase, ABC):
    """A node that coordinates other nodes through a workflow."""

    node_type: ClassVar[EnumNodeType] = EnumNodeType.ORCHESTRATOR

    @abstractmethod
    async def execute_orchestration(self, input_data: Any) -> Any:
        """Run the workflow described by ``input_data`` and return its result."""

    async def process(self, input_data: Any) -> Any:
        """Alias of :meth:`execute_orchestration`."""
        return await self.execute_orchestration(input_data)
