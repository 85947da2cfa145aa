"""Everything the templates need about one node, derived once from its contract.

:func:`build_node_spec` turns a :class:`~omninode_bridge.contracts.Contract`
into a :class:`NodeSpec`: class, module and folder names, the pydantic models
and enums of its schemas (via :class:`SchemaTranslator`), the operations with
their handler methods and enum members, the mixins in base-class order, the
health components and the security rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from omninode_bridge.codegen.naming import constant_name, snake_case
from omninode_bridge.codegen.schema_models import (
    MISSING,
    EnumSpec,
    FieldSpec,
    ModelSpec,
    SchemaTranslator,
    Violation,
)
from omninode_bridge.contracts import Contract, SecurityValidationConfig
from omninode_bridge.errors import ContractProblem, GenerationError, OmniNodeError
from omninode_bridge.logs import get_logger
from omninode_bridge.onex.mixins import resolve_mixins

__all__ = ["EXECUTE_METHODS", "NodeSpec", "OperationSpec", "build_node_spec"]

log = get_logger(__name__, component="codegen")

#: The async method each node type's class defines.
EXECUTE_METHODS: dict[str, str] = {
    "effect": "execute_effect",
    "compute": "execute_compute",
    "reducer": "execute_reduction",
    "orchestrator": "execute_orchestration",
}


@dataclass(frozen=True, slots=True)
class OperationSpec:
    """One dispatchable operation."""

    name: str
    member: str
    description: str


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """Names, models and behaviour of one generated node package."""

    contract: Contract
    class_name: str
    pascal: str
    service_name: str
    version_dir: str
    node_type: str
    base_class: str
    execute_method: str
    mixins: tuple[str, ...]
    models: tuple[ModelSpec, ...]
    enums: tuple[EnumSpec, ...]
    input_model: str
    output_model: str
    request_model: str
    operation_enum: str
    handlers_protocol: str
    operations: tuple[OperationSpec, ...]
    lifecycle_operations: tuple[str, ...]
    health_components: tuple[tuple[str, bool], ...]
    security: SecurityValidationConfig | None
    timeout_seconds: float | None
    #: Schema keywords the models do not enforce (file, line, field), reported as warnings.
    schema_warnings: tuple[ContractProblem, ...] = ()

    @property
    def package_path(self) -> str:
        """``<service_name>/<version_dir>``, relative to the output folder."""
        return f"{self.service_name}/{self.version_dir}"

    def model(self, name: str) -> ModelSpec:
        """The model called ``name``."""
        return next(m for m in self.models if m.name == name)


def build_node_spec(contract: Contract) -> NodeSpec:
    """Derive the :class:`NodeSpec` of ``contract``.

    Raises:
        GenerationError: When a schema cannot be turned into models, or the
            mixins do not resolve; the message names the contract file and line.
    """
    pascal = contract.pascal_name
    translator = SchemaTranslator(definitions=_definitions(contract), source=contract.display_path)
    input_name, output_name = f"Model{pascal}Input", f"Model{pascal}Output"
    try:
        translator.add_model(
            input_name, contract.input_schema, module="model_input", path="input_schema"
        )
        translator.add_model(
            output_name, contract.output_schema, module="model_output", path="output_schema"
        )
    except GenerationError as exc:
        raise GenerationError(_locate(contract, str(exc))) from None
    operations = tuple(
        OperationSpec(op.name, constant_name(op.name), " ".join(op.description.split()))
        for op in contract.operations
    )
    own_schemas = [op.name for op in contract.operations if op.input_schema or op.output_schema]
    if own_schemas:
        # Handlers take and return the contract-level models; say so instead of guessing.
        log.warning(
            "codegen.operation_schemas_not_generated",
            contract=contract.display_path,
            operations=own_schemas,
        )
    operation_enum = EnumSpec(
        name=f"Enum{pascal}Operation",
        module=f"enum_{snake_case(pascal)}_operation",
        members=tuple((op.member, op.name) for op in operations),
        description=f"Operations {contract.name} dispatches.",
    )
    input_model = translator.models[input_name]
    request = _request_model(pascal, operation_enum, input_model, operations)
    node_type = contract.node_type.value
    return NodeSpec(
        contract=contract,
        class_name=contract.name,
        pascal=pascal,
        service_name=contract.service_name,
        version_dir=contract.version.package_dir,
        node_type=node_type,
        base_class=contract.node_type.base_class,
        execute_method=EXECUTE_METHODS[node_type],
        mixins=_mixins(contract),
        models=(*translator.models.values(), request),
        enums=(operation_enum, *translator.enums.values()),
        input_model=input_name,
        output_model=output_name,
        request_model=request.name,
        operation_enum=operation_enum.name,
        # pytest collects classes named Test*: a node called test_x gets ProtocolTestXHandlers.
        handlers_protocol=f"Protocol{pascal}Handlers"
        if pascal.startswith("Test")
        else f"{pascal}Handlers",
        operations=operations,
        lifecycle_operations=contract.lifecycle_operations,
        health_components=_health_components(contract),
        security=_security(contract),
        timeout_seconds=contract.advanced_features.timeout_seconds,
        schema_warnings=tuple(
            ContractProblem(
                contract.display_path,
                contract.line_for(w.path),
                f"{w.path}.{w.keyword}",
                w.message,
                warning=True,
            )
            for w in translator.warnings
        ),
    )


def _request_model(
    pascal: str,
    operation_enum: EnumSpec,
    input_model: ModelSpec,
    operations: tuple[OperationSpec, ...],
) -> ModelSpec:
    """The envelope the execute method takes: operation, input state, correlation id."""
    single = len(operations) == 1
    operation = FieldSpec(
        name="operation",
        json_name="operation",
        annotation=operation_enum.name,
        required=not single,
        default=f"{operation_enum.name}.{operations[0].member}" if single else None,
        constraints=(),
        description="Which operation to run.",
        example=operations[0].name,
        violations=(
            *(() if single else (Violation("required", MISSING),)),
            Violation("enum", "__not_a_member__"),
        ),
    )
    input_state = FieldSpec(
        name="input_state",
        json_name="input_state",
        annotation=input_model.name,
        required=True,
        default=None,
        constraints=(),
        description="The operation's input, validated against the contract's input schema.",
        example=input_model.valid_payload,
        violations=(Violation("required", MISSING), Violation("type", "not-an-object")),
    )
    correlation_id = FieldSpec(
        name="correlation_id",
        json_name="correlation_id",
        annotation="str | None",
        required=False,
        default="None",
        constraints=(("max_length", "256"),),
        description="Carried into logs and errors.",
        example="corr-1",
        violations=(Violation("type", 12345), Violation("max_length", "x" * 257)),
    )
    return ModelSpec(
        name=f"Model{pascal}Request",
        module="model_request",
        description=f"A request to the {pascal} node: operation, input state, correlation id.",
        fields=(operation, input_state, correlation_id),
        forbid_extra=True,
        imports=("pydantic:Field",),
        model_refs=(input_model.name,),
        enum_refs=(operation_enum.name,),
    )


def _definitions(contract: Contract) -> dict[str, object]:
    found: dict[str, object] = {}
    for schema in (contract.input_schema, contract.output_schema):
        for key in ("definitions", "$defs"):
            value = schema.get(key)
            if isinstance(value, dict):
                found.update(value)
    return found


def _mixins(contract: Contract) -> tuple[str, ...]:
    try:
        resolved = resolve_mixins(contract.mixins, node_type=contract.node_type.value)
    except OmniNodeError as exc:
        raise GenerationError(f"{contract.location('mixins')}: mixins: {exc}") from None
    return tuple(m.name for m in resolved)


def _health_components(contract: Contract) -> tuple[tuple[str, bool], ...]:
    config = contract.advanced_features.health_check
    if config is None:
        return ()
    seen: dict[str, bool] = {}
    for component in config.components:
        seen.setdefault(snake_case(component.name) or "component", component.critical)
    return tuple(seen.items())


def _security(contract: Contract) -> SecurityValidationConfig | None:
    config = contract.advanced_features.security_validation
    return config if config is not None and config.enabled else None


def _locate(contract: Contract, message: str) -> str:
    """Prefix ``path: detail`` messages from the translator with ``file:line``."""
    prefix = f"{contract.display_path}: "
    detail = message.removeprefix(prefix)
    field_path = detail.split(":", 1)[0].strip()
    return f"{contract.location(field_path)}: {detail}"
