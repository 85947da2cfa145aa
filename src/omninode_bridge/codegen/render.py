"""Rendering a :class:`NodeSpec` into the files of a node package.

:class:`PackageRenderer` has one method per pipeline stage (models, validators,
tests, package); each returns :class:`GeneratedFile` records and writes
nothing. Templates are looked up by id through a :class:`TemplateRenderer`
(the workflow passes one backed by the template manager, so a user template
directory overrides a built-in by id).

Package layout, relative to ``<out>/<service_name>/``::

    __init__.py                 generated (service package marker)
    v1_0_0/__init__.py          generated: re-exports the node, models, enums
    v1_0_0/_runtime.py          generated: the runtime names, imported in one place
    v1_0_0/node.py              generated: Node<Name><Type>(Node<Type>, mixins...)
    v1_0_0/protocols.py         generated: the handler protocol the node calls
    v1_0_0/models/, enums/      generated: pydantic v2 models and StrEnums
    v1_0_0/validators.py        generated: request parsing and security rules
    v1_0_0/contract.yaml        generated: the normalised contract
    v1_0_0/README.md            generated
    v1_0_0/handlers.py          user-owned: created once, never overwritten
    v1_0_0/tests/               generated tests + user-owned test_handlers.py
    v1_0_0/.omninode-manifest.json
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from omninode_bridge.codegen.examples import matching_string
from omninode_bridge.codegen.model_source import enum_context, model_module_context
from omninode_bridge.codegen.naming import snake_case
from omninode_bridge.codegen.schema_models import MISSING, EnumSpec, ModelSpec
from omninode_bridge.codegen.sources import docstring, import_block, literal
from omninode_bridge.codegen.spec import NodeSpec
from omninode_bridge.codegen.writer import FileOwner, GeneratedFile, Provenance
from omninode_bridge.contracts.serialize import dump_contract

__all__ = ["TEMPLATE_IDS", "PackageRenderer", "TemplateRenderer", "node_context"]

#: Every built-in template id (file ``<id>.j2`` in ``codegen/templates``).
TEMPLATE_IDS: tuple[str, ...] = (
    "contract_v1",
    "enum_v1",
    "handlers_v1",
    "model_v1",
    "node_compute_v1",
    "node_effect_v1",
    "node_orchestrator_v1",
    "node_reducer_v1",
    "package_init_v1",
    "protocols_v1",
    "readme_v1",
    "runtime_v1",
    "test_handlers_v1",
    "test_models_v1",
    "test_node_v1",
    "test_validators_v1",
    "validator_v1",
)

_RUNTIME_NAMES = (
    "EVENT_BUS",
    "EnumCoreErrorCode",
    "EnumHealthStatus",
    "EnumLogLevel",
    "InMemoryEventBus",
    "ModelONEXContainer",
    "ModelOnexError",
    "OperationRouter",
    "ServiceKey",
    "emit_log_event",
)


class TemplateRenderer(Protocol):
    """Renders a template by id with a context."""

    async def render(self, template_id: str, context: Mapping[str, object]) -> str:
        """The rendered text of template ``template_id``."""
        ...


class PackageRenderer:
    """Renders the files of one node package.

    Args:
        templates: Where templates come from.
        provenance: Written into the header of every generated file.
    """

    def __init__(self, templates: TemplateRenderer, provenance: Provenance) -> None:
        self._templates = templates
        self._provenance = provenance
        self._header = "\n".join(provenance.header_lines("#"))

    async def _render(self, template_id: str, context: Mapping[str, object]) -> str:
        text = await self._templates.render(template_id, {"header": self._header, **context})
        return text.rstrip() + "\n"

    def _path(self, spec: NodeSpec, relative: str) -> str:
        return f"{spec.version_dir}/{relative}"

    # -- models stage -----------------------------------------------------------

    async def render_models(self, spec: NodeSpec) -> list[GeneratedFile]:
        """Models, enums, the runtime shim, the handler protocol and the node class."""
        files: list[GeneratedFile] = []
        modules: dict[str, list[ModelSpec]] = {}
        for model in spec.models:
            modules.setdefault(model.module, []).append(model)
        for module, models in modules.items():
            text = await self._render("model_v1", _model_module_context(spec, module, models))
            files.append(GeneratedFile(self._path(spec, f"models/{module}.py"), text))
        files.append(await self._models_init(spec, modules))
        for enum in spec.enums:
            text = await self._render("enum_v1", {"enum": _enum_context(enum)})
            files.append(GeneratedFile(self._path(spec, f"enums/{enum.module}.py"), text))
        files.append(await self._enums_init(spec))
        files.append(await self._simple(spec, "runtime_v1", "_runtime.py", _runtime_context(spec)))
        files.append(await self._simple(spec, "protocols_v1", "protocols.py", _node_context(spec)))
        node_template = f"node_{spec.node_type}_v1"
        files.append(await self._simple(spec, node_template, "node.py", _node_context(spec)))
        return files

    async def _simple(
        self, spec: NodeSpec, template_id: str, relative: str, context: Mapping[str, object]
    ) -> GeneratedFile:
        return GeneratedFile(self._path(spec, relative), await self._render(template_id, context))

    async def _models_init(
        self, spec: NodeSpec, modules: Mapping[str, list[ModelSpec]]
    ) -> GeneratedFile:
        local = {f".{module}": [m.name for m in models] for module, models in modules.items()}
        names = sorted(m.name for m in spec.models)
        context = {
            "doc": f"Pydantic models of {spec.class_name}.",
            "imports": import_block((), local=local),
            "names": names,
        }
        return await self._simple(spec, "package_init_v1", "models/__init__.py", context)

    async def _enums_init(self, spec: NodeSpec) -> GeneratedFile:
        local = {f".{enum.module}": [enum.name] for enum in spec.enums}
        context = {
            "doc": f"Enumerations of {spec.class_name}.",
            "imports": import_block((), local=local),
            "names": sorted(e.name for e in spec.enums),
        }
        return await self._simple(spec, "package_init_v1", "enums/__init__.py", context)

    # -- validators stage -------------------------------------------------------

    async def render_validators(self, spec: NodeSpec) -> list[GeneratedFile]:
        """``validators.py``: request parsing, security rules, redaction."""
        return [await self._simple(spec, "validator_v1", "validators.py", _validator_context(spec))]

    # -- tests stage ------------------------------------------------------------

    async def render_tests(self, spec: NodeSpec) -> list[GeneratedFile]:
        """Generated tests and the user-owned handler test file."""
        node_ctx = _node_context(spec)
        files = [
            GeneratedFile(self._path(spec, "tests/__init__.py"), f"{self._header}\n"),
            await self._simple(
                spec, "test_models_v1", "tests/test_models.py", _test_models_context(spec)
            ),
            await self._simple(
                spec, "test_validators_v1", "tests/test_validators.py", _validator_context(spec)
            ),
            await self._simple(spec, "test_node_v1", "tests/test_node.py", node_ctx),
        ]
        user_test = await self._render(
            "test_handlers_v1", {**node_ctx, "header": self._user_header()}
        )
        files.append(
            GeneratedFile(self._path(spec, "tests/test_handlers.py"), user_test, FileOwner.USER)
        )
        return files

    # -- package stage ----------------------------------------------------------

    async def render_package(self, spec: NodeSpec) -> list[GeneratedFile]:
        """Package ``__init__`` files, ``contract.yaml``, README and ``handlers.py``."""
        node_ctx = _node_context(spec)
        service_init = f'{self._header}\n"""Node package {spec.service_name}."""\n'
        handlers = await self._render("handlers_v1", {**node_ctx, "header": self._user_header()})
        readme_header = "\n".join(self._provenance.header_lines("<!--"))
        return [
            GeneratedFile("__init__.py", service_init),
            await self._simple(spec, "package_init_v1", "__init__.py", _package_init_context(spec)),
            await self._simple(spec, "contract_v1", "contract.yaml", _contract_context(spec)),
            GeneratedFile(
                self._path(spec, "README.md"),
                await self._render("readme_v1", {**node_ctx, "header": readme_header}),
            ),
            GeneratedFile(self._path(spec, "handlers.py"), handlers, FileOwner.USER),
        ]

    def _user_header(self) -> str:
        return (
            f"# Created by omninode-bridge {self._provenance.generator_version} "
            f"(run {self._provenance.run_id}).\n"
            "# This file is yours: regeneration never overwrites it."
        )


# -- contexts -------------------------------------------------------------------


def _model_module_context(
    spec: NodeSpec, module: str, models: Sequence[ModelSpec]
) -> dict[str, object]:
    local: dict[str, set[str]] = {}
    defined = {m.name for m in models}
    for model in models:
        if model.enum_refs:
            local.setdefault("..enums", set()).update(model.enum_refs)
        for ref in model.model_refs:
            if ref not in defined:
                local.setdefault(f".{spec.model(ref).module}", set()).add(ref)
    return model_module_context(
        models,
        module_doc=f"Models of {spec.class_name} ({module.removeprefix('model_')}).",
        local=local,
    )


def _enum_context(enum: EnumSpec) -> dict[str, object]:
    return enum_context(enum)


def _runtime_context(spec: NodeSpec) -> dict[str, object]:
    base = ["omninode_bridge.onex:" + name for name in (*_RUNTIME_NAMES, spec.base_class)]
    mixins = ["omninode_bridge.onex.mixins:" + name for name in spec.mixins]
    names = sorted({*_RUNTIME_NAMES, spec.base_class, *spec.mixins})
    return {
        "doc": "The ONEX runtime names this package uses, imported in one place.",
        "imports": import_block([*base, *mixins]),
        "names": names,
    }


def _operation_context(spec: NodeSpec) -> list[dict[str, str]]:
    return [
        {
            "name": op.name,
            "member": op.member,
            "doc": docstring(op.description or f"Handle the {op.name} operation.", indent=8),
        }
        for op in spec.operations
    ]


def node_context(spec: NodeSpec) -> dict[str, object]:
    """The context the node templates (``node_<type>_v1``) are rendered with."""
    return _node_context(spec)


def _node_context(spec: NodeSpec) -> dict[str, object]:
    output_payload = spec.model(spec.output_model).valid_payload
    input_payload = spec.model(spec.input_model).valid_payload
    return {
        "class_name": spec.class_name,
        "pascal": spec.pascal,
        "service_name": spec.service_name,
        "version_dir": spec.version_dir,
        "node_type": spec.node_type,
        "base_class": spec.base_class,
        "execute_method": spec.execute_method,
        "mixins": list(spec.mixins),
        "bases": ", ".join((spec.base_class, *spec.mixins)),
        "class_line": _class_line(spec.class_name, (spec.base_class, *spec.mixins)),
        "input_model": spec.input_model,
        "output_model": spec.output_model,
        "request_model": spec.request_model,
        "operation_enum": spec.operation_enum,
        "handlers_protocol": spec.handlers_protocol,
        "operations": _operation_context(spec),
        "first_operation": spec.operations[0].member,
        "description": docstring(spec.contract.description),
        "module_doc": docstring(f"{spec.class_name}: {spec.contract.description}"),
        "node_doc": docstring(
            f"{spec.node_type.capitalize()} node generated from contract {spec.contract.name} "
            f"{spec.contract.version}: routes each operation to its handler.",
            indent=4,
        ),
        "node_imports": sorted(
            {spec.base_class, *spec.mixins, "ModelONEXContainer", "OperationRouter"},
            key=_import_name_key,
        ),
        "timeout_repr": repr(spec.timeout_seconds),
        **_import_contexts(spec),
        "description_text": " ".join(spec.contract.description.split()),
        "health_components": [
            {"name": name, "critical": critical} for name, critical in spec.health_components
        ],
        "has_health_mixin": "MixinHealthCheck" in spec.mixins,
        "timeout_seconds": spec.timeout_seconds,
        "input_payload": literal(input_payload, column=33),
        "output_payload": literal(output_payload, column=28),
        "lifecycle_operations": list(spec.lifecycle_operations),
        "security": spec.security is not None,
        "version": str(spec.contract.version),
    }


def _validator_context(spec: NodeSpec) -> dict[str, object]:
    security = spec.security
    patterns = list(security.forbidden_patterns) if security else []
    max_len = security.max_input_length if security and security.sanitize_inputs else None
    redact = sorted(set(security.redact_fields)) if security else []
    forbidden_examples = [
        {"pattern": literal(p, indent=12, column=15), "example": literal(example, indent=12)}
        for p in patterns
        if (example := matching_string(p)) is not None
    ]
    request = spec.model(spec.request_model)
    return {
        **_node_context(spec),
        "forbidden_patterns": [_sole_argument(literal(p, indent=4, column=15)) for p in patterns],
        "forbidden_examples": forbidden_examples,
        "max_input_length": max_len,
        "redact_fields": [literal(f, indent=8) for f in redact],
        "redact_set": _redact_set(redact),
        "request_payload": literal(request.valid_payload, column=29),
    }


def _test_models_context(spec: NodeSpec) -> dict[str, object]:
    models: list[dict[str, object]] = []
    defaults: list[dict[str, object]] = []
    cases: list[dict[str, object]] = []
    for model in spec.models:
        constant = snake_case(model.name).upper()
        models.append(
            {
                "name": model.name,
                "id": repr(model.name),
                "constant": constant,
                "payload": literal(model.valid_payload, column=len(constant) + 30),
                "minimal": literal(model.minimal_payload, column=len(constant) + 32),
            }
        )
        defaults.extend(
            {
                "model": model.name,
                "constant": constant,
                "attribute": literal(f.name, indent=12),
                "value": literal(f.default_value, indent=12),
                "id": literal(f"{model.name}-{f.json_name}", indent=12, column=15),
            }
            for f in model.fields
            if f.has_checkable_default and not f.required
        )
        # One row per violation naming only the field and its bad value over
        # the shared valid payload, so the tests grow linearly with the fields.
        cases.extend(
            {
                "model": model.name,
                "constant": constant,
                "id": literal(
                    f"{model.name}-{f.json_name}-{violation.constraint}", indent=12, column=15
                ),
                "field": literal(f.json_name, indent=12),
                "value": "_DROP"
                if violation.value is MISSING
                else literal(violation.value, indent=12),
            }
            for f in model.fields
            for violation in f.violations
        )
    return {
        "class_name": spec.class_name,
        "imports": import_block(
            ["re", "pytest", "pydantic:BaseModel"] if cases else ["pytest", "pydantic:BaseModel"],
            local={"..models": [m.name for m in spec.models]},
        ),
        "models": models,
        "defaults": defaults,
        "cases": cases,
    }


def _sole_argument(source: str) -> str:
    """A wrapped literal as the only argument of a call: without its own parentheses."""
    return source[1:-1] if source.startswith("(\n") else source


def _redact_set(fields: Sequence[str]) -> str:
    """The argument of ``frozenset(...)`` in ``validators.py``: a set display or ``()``."""
    if not fields:
        return "()"
    items = [literal(f, indent=8) for f in fields]
    flat = "{" + ", ".join(items) + "}"
    if len(flat) + len("REDACT_FIELDS: frozenset[str] = frozenset()") <= 100 and "\n" not in flat:
        return flat
    return "\n    {\n" + "".join(f"        {item},\n" for item in items) + "    }\n"


def _class_line(name: str, bases: Sequence[str]) -> str:
    line = f"class {name}({', '.join(bases)}):"
    if len(line) <= 100:
        return line
    return f"class {name}(\n" + "".join(f"    {base},\n" for base in bases) + "):"


def _import_contexts(spec: NodeSpec) -> dict[str, list[str]]:
    models = [spec.input_model, spec.output_model]
    runtime = sorted({spec.base_class, *spec.mixins, "ModelONEXContainer", "OperationRouter"})
    redact = bool(spec.security and spec.security.redact_fields)
    return {
        "node_import_lines": import_block(
            ["collections.abc:Mapping", "pathlib:Path", "typing:ClassVar"],
            local={
                "._runtime": runtime,
                ".enums": [spec.operation_enum],
                ".models": [*models, spec.request_model],
                ".protocols": ["HANDLERS", spec.handlers_protocol],
                ".validators": ["parse_request"],
            },
        ),
        "protocol_import_lines": import_block(
            ["typing:Protocol", "typing:runtime_checkable"],
            local={"._runtime": ["ServiceKey"], ".models": models},
        ),
        "handlers_import_lines": import_block(
            (), local={"._runtime": ["EnumCoreErrorCode", "ModelOnexError"], ".models": models}
        ),
        "validator_import_lines": import_block(
            [
                "re",
                "collections.abc:Iterator",
                "collections.abc:Mapping",
                "pydantic:ValidationError",
            ],
            local={
                "._runtime": ["EnumCoreErrorCode", "ModelOnexError"],
                ".models": [spec.request_model],
            },
        ),
        "test_node_import_lines": import_block(
            ["asyncio", "typing:cast", "pytest"],
            local={
                ".._runtime": [
                    "EVENT_BUS",
                    "EnumCoreErrorCode",
                    "EnumHealthStatus",
                    "InMemoryEventBus",
                    "ModelONEXContainer",
                    "ModelOnexError",
                ],
                "..enums": [spec.operation_enum],
                "..models": [*models, spec.request_model],
                "..node": [spec.class_name],
            },
        ),
        "test_validator_import_lines": import_block(
            ["pytest"],
            local={
                ".._runtime": ["EnumCoreErrorCode", "ModelOnexError"],
                "..validators": ["parse_request", *(["redact"] if redact else [])],
            },
        ),
        "test_handlers_import_lines": import_block(
            (), local={"..handlers": ["Handlers"], "..protocols": [spec.handlers_protocol]}
        ),
    }


def _import_name_key(name: str) -> tuple[int, str]:
    if name.isupper() and len(name) > 1:
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


def _package_init_context(spec: NodeSpec) -> dict[str, object]:
    local: dict[str, Iterable[str]] = {
        ".node": [spec.class_name],
        ".models": [m.name for m in spec.models],
        ".enums": [e.name for e in spec.enums],
        ".protocols": [spec.handlers_protocol],
    }
    names = sorted(
        [
            spec.class_name,
            spec.handlers_protocol,
            *(m.name for m in spec.models),
            *(e.name for e in spec.enums),
        ]
    )
    return {
        "doc": docstring(f"{spec.class_name}: {spec.contract.description}"),
        "imports": import_block((), local=local),
        "names": names,
    }


def _contract_context(spec: NodeSpec) -> dict[str, object]:
    return {"contract_yaml": dump_contract(spec.contract)}
