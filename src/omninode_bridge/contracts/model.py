"""The canonical contract model every dialect loader produces.

A :class:`Contract` is what the code generator consumes, whatever the YAML on
disk looked like (schema v2, node-package contract, the ``node_id`` /
``metadata`` dialect, or a PRD). The model is frozen: loaders build it once,
after validation, and nothing downstream changes it.

Guarantees a generator can rely on (the loaders enforce them, the validators
below re-check them):

* ``name`` is ``Node<Pascal><Type>`` and ends with the node type's suffix.
* ``service_name`` is lower snake case, so it is safe as a single path segment
  (no separators, no ``..``, not absolute) and as a Python package name.
* ``operations`` is never empty and holds unique snake_case names; a contract
  that declares none gets one ``process`` operation over its input/output
  schemas. Lifecycle names a contract may list as operations (``initialize``,
  ``shutdown``, ``health_check``, ``metrics``) are kept apart in
  ``lifecycle_operations`` because the runtime base classes already own them.
* ``input_schema`` / ``output_schema`` are JSON Schema objects (a dict with
  ``type: object``; empty ``properties`` when the contract gives none).
* ``source_lines`` maps a dotted field path *in the source document*
  (``advanced_features.circuit_breaker.failure_threshold``, ``mixins[0].name``)
  to its 1-based line; :meth:`Contract.line_for` also accepts canonical field
  names (``input_schema.properties.data``) and falls back to the closest
  parent, so generator errors can point at the YAML line.
"""

from __future__ import annotations

import keyword
import re
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from omninode_bridge.contracts.problems import ContractProblem

__all__ = [
    "LIFECYCLE_OPERATIONS",
    "AdvancedFeatures",
    "Capability",
    "CircuitBreakerConfig",
    "Contract",
    "ContractDialect",
    "ContractVersion",
    "DeadLetterQueueConfig",
    "Dependency",
    "ErrorCode",
    "EventSpec",
    "HandlerRoute",
    "HealthCheckComponent",
    "HealthCheckConfig",
    "IOOperation",
    "MixinSpec",
    "ModelRef",
    "NodeType",
    "ObservabilityConfig",
    "Operation",
    "RetryPolicyConfig",
    "SecurityValidationConfig",
    "ServiceCircuitBreaker",
    "TransactionsConfig",
    "translate_path",
]

NODE_NAME_PATTERN: Final = re.compile(
    r"^Node[A-Z][a-zA-Z0-9]*?(Effect|Compute|Reducer|Orchestrator)$"
)
SNAKE_NAME_PATTERN: Final = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
MIXIN_NAME_PATTERN: Final = re.compile(r"^Mixin[A-Z][a-zA-Z0-9]*$")

#: Operation names the node base classes implement themselves.
LIFECYCLE_OPERATIONS: Final = frozenset({"initialize", "shutdown", "health_check", "metrics"})

_FROZEN = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


class NodeType(StrEnum):
    """The four ONEX node kinds."""

    EFFECT = "effect"
    COMPUTE = "compute"
    REDUCER = "reducer"
    ORCHESTRATOR = "orchestrator"

    @property
    def suffix(self) -> str:
        """``Effect``, ``Compute``...: the suffix of node class names."""
        return self.value.capitalize()

    @property
    def base_class(self) -> str:
        """Runtime base class name: ``NodeEffect``, ``NodeCompute``..."""
        return f"Node{self.suffix}"

    @classmethod
    def parse(cls, value: object) -> NodeType | None:
        """Read any spelling in the wild: ``effect``, ``EFFECT``, ``EFFECT_GENERIC``.

        ``omnibase_core``'s ``EnumNodeType`` names the four kinds
        ``<KIND>_GENERIC``; other repositories write them in lower case.
        """
        if not isinstance(value, str):
            return None
        text = value.strip().lower().removesuffix("_generic").removeprefix("node_")
        try:
            return cls(text)
        except ValueError:
            return None


class ContractDialect(StrEnum):
    """Which on-disk shape a contract was read from."""

    V2 = "v2"
    """Schema v2: ``name: Node<Name><Type>``, ``version: {major, minor, patch}``."""
    NODE_PACKAGE = "node_package"
    """Node-package contract: ``input_state``, ``output_state``, ``io_operations``."""
    NODE_ID = "node_id"
    """``node_id``, ``metadata``, ``mixin_configuration``, ``input_schema``, ``output_schema``."""
    PRD = "prd"
    """Derived from a Markdown PRD by :mod:`omninode_bridge.contracts.prd`."""
    ONEX = "onex"
    """The ``omnibase_core`` dialect: ``contract_version``, ``node_type: EFFECT_GENERIC``,
    models named by Python reference, ``handler_routing``, ``event_bus``."""
    NODE_IDENTITY = "node_identity"
    """Identity (name, type, version, description) nested under ``node_identity``."""


class ContractVersion(BaseModel):
    """Semantic version of a node."""

    model_config = _FROZEN

    major: int = Field(ge=0)
    minor: int = Field(ge=0)
    patch: int = Field(ge=0)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def package_dir(self) -> str:
        """Directory name of this version in a node package: ``v1_0_0``."""
        return f"v{self.major}_{self.minor}_{self.patch}"


class MixinSpec(BaseModel):
    """A mixin the node class inherits, with its configuration."""

    model_config = _FROZEN

    name: str = Field(pattern=MIXIN_NAME_PATTERN.pattern)
    enabled: bool = True
    config: dict[str, Any] = Field(default_factory=dict)


class Operation(BaseModel):
    """One operation the node dispatches.

    ``input_schema`` / ``output_schema`` are JSON Schema objects when the
    contract gives per-operation models; ``None`` means the operation uses the
    contract-level schemas.
    """

    model_config = _FROZEN

    name: str = Field(pattern=SNAKE_NAME_PATTERN.pattern)
    description: str = ""
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None

    @field_validator("name")
    @classmethod
    def _not_keyword(cls, value: str) -> str:
        if keyword.iskeyword(value):
            raise ValueError(f"'{value}' is a Python keyword and cannot name an operation")
        return value


class IOOperation(BaseModel):
    """An I/O kind an effect node performs (``database_write``...)."""

    model_config = _FROZEN

    operation_type: str = Field(min_length=1)
    description: str = ""
    atomic: bool = False
    timeout_seconds: float | None = Field(default=None, gt=0)


class ErrorCode(BaseModel):
    """A structured error code the node may return (``LOCK_NOT_FOUND``)."""

    model_config = _FROZEN

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    description: str = ""


class Dependency(BaseModel):
    """A service or package the node depends on."""

    model_config = _FROZEN

    name: str = Field(min_length=1)
    required: bool = True
    description: str = ""
    version: str | None = None


class Capability(BaseModel):
    """A named capability the node advertises."""

    model_config = _FROZEN

    name: str = Field(min_length=1)
    description: str = ""


class EventSpec(BaseModel):
    """Events the node consumes and produces (topic or event type names)."""

    model_config = _FROZEN

    consumes: tuple[str, ...] = ()
    produces: tuple[str, ...] = ()


class ServiceCircuitBreaker(BaseModel):
    """Per-service circuit breaker override."""

    model_config = _FROZEN

    name: str = Field(min_length=1)
    failure_threshold: int | None = Field(default=None, ge=1, le=100)
    recovery_timeout_ms: int | None = Field(default=None, ge=1000, le=600_000)


class CircuitBreakerConfig(BaseModel):
    """Circuit breaker around the node's external calls."""

    model_config = _FROZEN

    enabled: bool = True
    failure_threshold: int = Field(default=5, ge=1, le=100)
    recovery_timeout_ms: int = Field(default=60_000, ge=1000, le=600_000)
    half_open_max_calls: int = Field(default=3, ge=1, le=10)
    services: tuple[ServiceCircuitBreaker, ...] = ()


class RetryPolicyConfig(BaseModel):
    """Bounded retries with exponential backoff."""

    model_config = _FROZEN

    enabled: bool = True
    max_attempts: int = Field(default=3, ge=1, le=10)
    initial_delay_ms: int = Field(default=1000, ge=0, le=10_000)
    max_delay_ms: int = Field(default=30_000, ge=0, le=300_000)
    backoff_multiplier: float = Field(default=2.0, ge=1.0, le=5.0)
    retryable_exceptions: tuple[str, ...] = ("TimeoutError", "ConnectionError")
    retryable_status_codes: tuple[int, ...] = (429, 500, 502, 503, 504)


class DeadLetterQueueConfig(BaseModel):
    """Where failed events go after their retries."""

    model_config = _FROZEN

    enabled: bool = True
    max_retries: int = Field(default=3, ge=1, le=10)
    topic_suffix: str = ".dlq"
    retry_delay_ms: int = Field(default=5000, ge=1000, le=300_000)
    alert_threshold: int = Field(default=100, ge=1, le=10_000)
    monitoring: dict[str, Any] = Field(default_factory=dict)


class TransactionsConfig(BaseModel):
    """Transaction handling for effect nodes."""

    model_config = _FROZEN

    enabled: bool = True
    isolation_level: str = "READ_COMMITTED"
    timeout_seconds: int = Field(default=30, ge=1, le=300)
    rollback_on_error: bool = True
    savepoints: bool = True


class SecurityValidationConfig(BaseModel):
    """Input sanitising and log redaction rules."""

    model_config = _FROZEN

    enabled: bool = True
    sanitize_inputs: bool = True
    sanitize_logs: bool = True
    validate_sql: bool = True
    max_input_length: int = Field(default=10_000, ge=100, le=1_000_000)
    forbidden_patterns: tuple[str, ...] = ()
    redact_fields: tuple[str, ...] = ()


class ObservabilityConfig(BaseModel):
    """Tracing, metrics and logging settings (kept as the contract gives them)."""

    model_config = _FROZEN

    tracing: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    logging: dict[str, Any] = Field(default_factory=dict)


class HealthCheckComponent(BaseModel):
    """One component the node's health check probes."""

    model_config = _FROZEN

    name: str = Field(min_length=1)
    critical: bool = True
    timeout_seconds: float = Field(default=5.0, gt=0, le=60.0)


class HealthCheckConfig(BaseModel):
    """Health check settings gathered from ``health_checks`` and ``MixinHealthCheck``."""

    model_config = _FROZEN

    check_interval_ms: int = Field(default=30_000, ge=1000, le=300_000)
    components: tuple[HealthCheckComponent, ...] = ()


class AdvancedFeatures(BaseModel):
    """Fault tolerance and operational features; ``None`` means not configured."""

    model_config = _FROZEN

    circuit_breaker: CircuitBreakerConfig | None = None
    retry_policy: RetryPolicyConfig | None = None
    dead_letter_queue: DeadLetterQueueConfig | None = None
    transactions: TransactionsConfig | None = None
    security_validation: SecurityValidationConfig | None = None
    observability: ObservabilityConfig | None = None
    health_check: HealthCheckConfig | None = None
    timeout_seconds: float | None = Field(default=None, gt=0)
    """Default per-operation timeout."""


class ModelRef(BaseModel):
    """A Python class named by reference: ``{name, module}`` or ``module.Class``.

    Attributes:
        name: The class name (``ModelUserRequest``).
        module: The dotted module that defines it (empty when only a bare
            name was given).
        description: What the class is, as the contract says.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    module: str = Field(
        default="", pattern=r"^([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)?$"
    )
    description: str = ""

    @property
    def qualified(self) -> str:
        """``module.Class`` (or just ``Class`` without a module)."""
        return f"{self.module}.{self.name}" if self.module else self.name


class HandlerRoute(BaseModel):
    """One entry of ``handler_routing``: what is routed, to which handler.

    Attributes:
        handler: The handler class.
        operation: The operation routed (``operation_match``).
        event_model: The payload or event model routed (``payload_type_match``).
        topic: The topic routed (``topic_match``).
        input_model: The handler's input model, when named.
        output_model: The handler's output model, when named.
        description: What the handler does.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    handler: ModelRef
    operation: str | None = None
    event_model: ModelRef | None = None
    topic: str | None = None
    input_model: ModelRef | None = None
    output_model: ModelRef | None = None
    description: str = ""


def _empty_object_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {}}


class Contract(BaseModel):
    """One node contract, normalised from any dialect.

    Attributes:
        name: Node class name, ``Node<Pascal><Type>`` (``NodeDatabaseAdapterEffect``).
        node_type: Effect, compute, reducer or orchestrator.
        service_name: snake_case package name (``database_adapter_effect``); a
            single safe path segment.
        version: Semantic version; ``version.package_dir`` is ``v1_0_0``.
        description: Human description (may span lines).
        domain: Business domain when the contract names one.
        mixins: Mixins in declaration order (disabled ones included, with
            ``enabled=False``).
        input_schema: JSON Schema of the node's input state.
        output_schema: JSON Schema of the node's output state.
        operations: Business operations, never empty.
        lifecycle_operations: Lifecycle names the contract listed as
            operations (``initialize``, ``shutdown``...).
        io_operations: I/O kinds of an effect node.
        error_codes: Structured error codes.
        dependencies: Services and packages the node needs.
        capabilities: Advertised capabilities.
        events: Consumed and produced events.
        advanced_features: Circuit breaker, retry, DLQ, transactions,
            security, observability, health check, timeout.
        configuration: Configuration parameters as written (name -> spec).
        performance_targets: Performance targets as written.
        subcontracts: Subcontracts as written (kind -> body).
        tags: Free tags.
        schema_version: ``v2.0.0`` style version of the contract schema, if given.
        source_path: File the contract came from (``None`` for in-memory input).
        dialect: Which dialect the loader recognised.
        source_lines: Dotted source field path -> 1-based line.
        field_origins: Canonical field -> dotted source path it was read from
            (``input_schema`` -> ``input_state``).
        input_model: The input model class, for contracts that name models by
            Python reference (the ONEX dialect).
        output_model: The output model class, likewise.
        state_model: A reducer's state model class, likewise.
        routing_strategy: ``handler_routing.routing_strategy``
            (``operation_match``, ``payload_type_match``, ``topic_match``).
        handlers: ``handler_routing`` entries (or the single ``handler``).
        node_version: The node's own version when the contract gives one apart
            from the contract version.
        extensions: Fields the loader does not understand, kept verbatim by
            their source path (``monitoring``, ``error_handling.error_types``).
        warnings: What the loader kept without understanding (each with file,
            line and field); ``--strict`` turns them into errors.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=NODE_NAME_PATTERN.pattern)
    node_type: NodeType
    service_name: str = Field(pattern=SNAKE_NAME_PATTERN.pattern, max_length=100)
    version: ContractVersion
    description: str = Field(min_length=1)
    domain: str = ""
    mixins: tuple[MixinSpec, ...] = ()
    input_schema: dict[str, Any] = Field(default_factory=_empty_object_schema)
    output_schema: dict[str, Any] = Field(default_factory=_empty_object_schema)
    operations: tuple[Operation, ...] = (Operation(name="process"),)
    lifecycle_operations: tuple[str, ...] = ()
    io_operations: tuple[IOOperation, ...] = ()
    error_codes: tuple[ErrorCode, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    capabilities: tuple[Capability, ...] = ()
    events: EventSpec = EventSpec()
    advanced_features: AdvancedFeatures = AdvancedFeatures()
    configuration: dict[str, Any] = Field(default_factory=dict)
    performance_targets: dict[str, Any] = Field(default_factory=dict)
    subcontracts: dict[str, Any] = Field(default_factory=dict)
    tags: tuple[str, ...] = ()
    schema_version: str | None = None
    source_path: Path | None = None
    dialect: ContractDialect = ContractDialect.V2
    source_lines: dict[str, int] = Field(default_factory=dict)
    field_origins: dict[str, str] = Field(default_factory=dict)
    input_model: ModelRef | None = None
    output_model: ModelRef | None = None
    state_model: ModelRef | None = None
    routing_strategy: str | None = None
    handlers: tuple[HandlerRoute, ...] = ()
    node_version: str | None = None
    extensions: dict[str, Any] = Field(default_factory=dict)
    warnings: tuple[ContractProblem, ...] = ()

    @field_validator("service_name")
    @classmethod
    def _service_name_is_identifier(cls, value: str) -> str:
        if keyword.iskeyword(value):
            raise ValueError(f"'{value}' is a Python keyword and cannot name a package")
        return value

    @field_validator("input_schema", "output_schema")
    @classmethod
    def _object_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        kind = value.get("type", "object")
        if kind != "object":
            raise ValueError(f"must be a JSON Schema of type 'object', got type {kind!r}")
        return value

    @field_validator("node_type")
    @classmethod
    def _type_matches_name(cls, value: NodeType, info: ValidationInfo) -> NodeType:
        name = info.data.get("name")
        if isinstance(name, str) and not name.endswith(value.suffix):
            raise ValueError(
                f"node_type '{value.value}' does not match name '{name}': "
                f"the name must end with '{value.suffix}'"
            )
        return value

    @field_validator("operations")
    @classmethod
    def _unique_operations(cls, value: tuple[Operation, ...]) -> tuple[Operation, ...]:
        if not value:
            raise ValueError("operations must not be empty")
        names = [op.name for op in value]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate operation names: {', '.join(duplicates)}")
        return value

    @property
    def pascal_name(self) -> str:
        """The name between ``Node`` and the type suffix: ``DatabaseAdapter``."""
        return self.name[len("Node") : -len(self.node_type.suffix)]

    @property
    def enabled_mixins(self) -> tuple[MixinSpec, ...]:
        """Mixins with ``enabled=True``, in declaration order."""
        return tuple(m for m in self.mixins if m.enabled)

    @property
    def display_path(self) -> str:
        """Source file for messages, or ``<contract NAME>`` for in-memory input."""
        return str(self.source_path) if self.source_path else f"<contract {self.name}>"

    def line_for(self, field_path: str) -> int | None:
        """Line of a field in the source, or of its closest located parent.

        Args:
            field_path: Dotted path, either as written in the source
                (``input_state.properties.x``) or canonical
                (``input_schema.properties.x``).

        Returns:
            The 1-based line, or ``None`` when nothing on the path is located.
        """
        path = translate_path(field_path, self.field_origins)
        while path:
            line = self.source_lines.get(path)
            if line is not None:
                return line
            path = _parent_path(path)
        return None

    def location(self, field_path: str) -> str:
        """``file:line`` (or just ``file``) for a field, for error messages."""
        line = self.line_for(field_path)
        return f"{self.display_path}:{line}" if line else self.display_path


def translate_path(field_path: str, origins: dict[str, str]) -> str:
    """Rewrite a canonical field path to the source path it was read from.

    The longest canonical prefix found in ``origins`` wins, so item-level
    origins (``operations[2]``) beat field-level ones (``operations``).
    """
    path = field_path
    while path:
        origin = origins.get(path)
        if origin is not None:
            return origin + field_path[len(path) :]
        path = _parent_path(path)
    return field_path


def _parent_path(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""
