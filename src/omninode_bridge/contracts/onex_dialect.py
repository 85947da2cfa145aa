"""The ``omnibase_core`` contract dialect (and identity nested under ``node_identity``).

What these contracts look like (the ``omnibase-core`` / ``omnibase-infra``
packages ship ~180 of them, each beside its node folder):

* ``name`` in snake case (or ``node_name`` / ``contract_name``; runtime
  contracts have none and are named by their file),
  ``contract_version: {major, minor, patch}``, ``node_version`` as ``"1.0.0"``
  or a mapping, ``node_type`` ``EFFECT_GENERIC``... or ``effect``...;
* models named by Python reference: ``input_model`` / ``output_model`` /
  ``state_model`` as ``{name, module, description}`` or ``module.Class``;
* ``handler_routing: {routing_strategy, handlers: [{operation | event_model |
  topic, handler: {name, module}, ...}]}`` or one ``handler: {module, class}``;
* ``event_bus: {subscribe_topics, publish_topics}``, ``published_events`` /
  ``consumed_events``, ``dependencies``, ``error_handling``, ``health_check``
  and many sections the generator keeps without interpreting.

The reader is tolerant: what it does not understand is kept verbatim in
``Contract.extensions``; keys outside the documented vocabulary are warnings
(with the closest known key). Errors are kept for what changes the generated
code: the node type, the name, versions and model or handler references.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from omninode_bridge.contracts.model import (
    NODE_NAME_PATTERN,
    SNAKE_NAME_PATTERN,
    CircuitBreakerConfig,
    Contract,
    ContractDialect,
    NodeType,
    RetryPolicyConfig,
    translate_path,
)
from omninode_bridge.contracts.naming import class_name, snake_case
from omninode_bridge.contracts.problems import ContractProblem
from omninode_bridge.contracts.safe_yaml import YamlDocument, join_path
from omninode_bridge.contracts.shapes import close_match, reshape

__all__ = ["ONEX_KNOWN_KEYS", "is_onex_dialect", "onex_contract"]

#: Top-level keys of the dialect the reader interprets.
_READ: Final = frozenset(
    {
        "name", "node_name", "contract_name", "node_type", "contract_version", "node_version",
        "version", "description", "input_model", "output_model", "state_model",
        "handler_routing", "handler", "event_bus", "published_events", "consumed_events",
        "dependencies", "capabilities", "io_operations", "error_handling", "metadata",
    }
)  # fmt: skip
#: Top-level keys of the dialect kept verbatim without a warning: documented
#: sections of ``omnibase_core`` contracts the generator does not interpret.
_KEPT: Final = frozenset(
    {
        "descriptor", "runtime_profiles", "node_id", "config", "workflow_coordination",
        "state_machine", "node_capabilities", "fingerprint", "handlers", "profile_tags",
        "terminal_event", "intent_emission", "intent_consumption", "idempotency",
        "subscriptions", "feature_flags", "handler_id", "changelog", "topics",
        "state_transitions", "health_check", "health_checks", "definitions", "validation",
        "performance", "tags", "produced_events", "publications", "effect_operations",
        "effect", "timing_constraints", "performance_benchmarks", "env_dependencies",
        "status", "input_subscriptions", "events", "publish_topics", "subscribe_topics",
        "schema_version", "author", "created_at", "last_updated", "monitoring", "kafka",
        "mixins", "security", "observability", "configuration", "testing", "documentation",
        "subcontracts", "operations", "quality_gates", "associated_documents", "compliance",
        "onex_compliance", "retry_policy", "features", "thunk_emission", "lifecycle",
        "namespace", "owner", "license", "examples", "circuit_breaker", "timeout_policy",
    }
)  # fmt: skip
ONEX_KNOWN_KEYS: Final = _READ | _KEPT
_VERSION_TEXT: Final = re.compile(r"^v?(\d+)(?:[._](\d+))?(?:[._](\d+))?")
_DOTTED: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_IDENTIFIER: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TYPE_EXPRESSION: Final = re.compile(r"^[A-Za-z_][\w.]*\[[\w.\[\], |]+\]$")
_IDENTITY_KEYS: Final = ("name", "node_name", "node_type", "version", "node_version",
                         "contract_version", "description")  # fmt: skip


def is_onex_dialect(data: Mapping[str, Any]) -> bool:
    """Whether a document is written in the ``omnibase_core`` dialect."""
    if "contract_version" in data and "node_id" not in data:
        return True
    node_type = data.get("node_type")
    if isinstance(node_type, str) and node_type.upper().endswith("_GENERIC"):
        return True
    return "handler_routing" in data or _is_reference(data.get("input_model"))


def _is_reference(value: Any) -> bool:
    if isinstance(value, dict):
        return "module" in value or "name" in value
    return isinstance(value, str) and bool(_DOTTED.match(value))


class _Reader:
    """Collects canonical fields, errors, warnings and kept values of one document."""

    def __init__(self, document: YamlDocument, path: Path | None) -> None:
        self.document = document
        self.path = path
        self.fields: dict[str, Any] = {}
        self.origins: dict[str, str] = {}
        self.errors: list[ContractProblem] = []
        self.warnings: list[ContractProblem] = []
        self.extensions: dict[str, Any] = {}

    def problem(self, field: str, message: str, *, warning: bool = False) -> None:
        line = self.document.line_of(field) or None
        target = self.warnings if warning else self.errors
        target.append(ContractProblem(self.document.source, line, field, message, warning))

    def set(self, name: str, value: Any, origin: str) -> None:
        self.fields[name] = value
        self.origins[name] = origin


def onex_contract(
    document: YamlDocument, data: dict[str, Any], *, path: Path | None, strict: bool
) -> tuple[Contract | None, list[ContractProblem]]:
    """Read a document of the ``omnibase_core`` (or ``node_identity``) dialect.

    Returns:
        The contract (``None`` on errors) and the errors; warnings are on the
        contract, or among the errors when ``strict``.
    """
    reader = _Reader(document, path)
    dialect = ContractDialect.ONEX
    if isinstance(data.get("node_identity"), dict):
        dialect = ContractDialect.NODE_IDENTITY
        identity = data["node_identity"]
        data = {**{k: v for k, v in data.items() if k != "node_identity"}}
        for key, value in identity.items():
            if key in _IDENTITY_KEYS and key not in data:
                data[key] = value
            else:
                reader.extensions[f"node_identity.{key}"] = value
    shaped = reshape(data, ContractDialect.ONEX)
    reader.extensions.update(shaped.kept)
    data = shaped.data
    _unknown_keys(reader, data)
    node_type = _node_type(reader, data)
    _identity(reader, data, node_type)
    _models(reader, data)
    _routing(reader, data)
    _events(reader, data)
    _lists(reader, data)
    _error_handling(reader, data)
    if strict:
        reader.errors.extend(w.as_error() for w in reader.warnings)
    if reader.errors or node_type is None:
        return None, reader.errors
    return _build(reader, dialect)


def _unknown_keys(reader: _Reader, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if key in _READ:
            continue
        reader.extensions[str(key)] = value
        if key not in _KEPT and key != "node_identity":
            hint = close_match(str(key), sorted(ONEX_KNOWN_KEYS))
            reader.problem(
                str(key), f"unknown field{hint} (kept verbatim in the contract's extensions)",
                warning=True,
            )  # fmt: skip


def _node_type(reader: _Reader, data: dict[str, Any]) -> NodeType | None:
    raw = data.get("node_type")
    node_type = NodeType.parse(raw)
    if raw is None:
        reader.problem("", "missing required field 'node_type'")
    elif node_type is None:
        reader.problem(
            "node_type",
            f"{raw!r} is not a node type; expected one of EFFECT_GENERIC, COMPUTE_GENERIC, "
            "REDUCER_GENERIC, ORCHESTRATOR_GENERIC (or effect, compute, reducer, orchestrator)",
        )
    else:
        reader.set("node_type", node_type, "node_type")
    return node_type


def _identity(reader: _Reader, data: dict[str, Any], node_type: NodeType | None) -> None:
    origin = next((k for k in ("name", "node_name", "contract_name") if data.get(k)), "")
    raw = data.get(origin) if origin else None
    if not origin and reader.path is not None:
        raw, origin = reader.path.stem, "name"
        if raw == "contract":
            raw = reader.path.parent.name
        reader.problem("", f"no name; the node is named {raw!r} after its file", warning=True)
    if not isinstance(raw, str) or not raw.strip():
        reader.problem(origin, "missing required field 'name' (a snake_case node name)")
        return
    if "/" in raw or "\\" in raw or ".." in raw or raw.startswith("~"):
        reader.problem(
            origin, f"{raw!r} would write outside the output folder; expected a snake_case name"
        )
        return
    service = raw if SNAKE_NAME_PATTERN.match(raw) else snake_case(raw)
    if not SNAKE_NAME_PATTERN.match(service):
        reader.problem(origin, f"{raw!r} is not a usable node name (expected snake_case)")
        return
    reader.set("service_name", service, origin)
    if node_type is not None:
        if NODE_NAME_PATTERN.match(raw) and raw.endswith(node_type.suffix):
            reader.set("name", raw, origin)
        else:
            reader.set("name", class_name(service, node_type), origin)
    _versions(reader, data)
    description = data.get("description")
    if isinstance(description, str) and description.strip():
        reader.set("description", description.strip(), "description")
    else:
        reader.set("description", f"The {service} node.", "description")
        if description is None:
            reader.problem("", "no description; a generic one is used", warning=True)


def _versions(reader: _Reader, data: dict[str, Any]) -> None:
    for key in ("contract_version", "version", "node_version"):
        if key in data:
            version = _version(data[key])
            if version is None:
                reader.problem(key, "expected a version: {major, minor, patch} or '1.2.3'")
                return
            reader.set("version", version, key)
            break
    else:
        reader.set("version", {"major": 1, "minor": 0, "patch": 0}, "contract_version")
    node_version = _version(data.get("node_version"))
    if node_version is not None:
        reader.fields["node_version"] = "{major}.{minor}.{patch}".format(**node_version)


def _version(raw: Any) -> dict[str, int] | None:
    if isinstance(raw, dict):
        try:
            return {k: int(raw.get(k, 0)) for k in ("major", "minor", "patch")}
        except (TypeError, ValueError):
            return None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, str):
        match = _VERSION_TEXT.match(raw.strip())
        if match:
            major, minor, patch = (int(g or 0) for g in match.groups())
            return {"major": major, "minor": minor, "patch": patch}
    return None


def _reference(reader: _Reader, raw: Any, field: str) -> dict[str, Any] | None:
    """``{name, module, description}`` (or ``class``) or ``module.Class`` -> a ModelRef."""
    if isinstance(raw, str):
        text = raw.strip().removeprefix("handler:")
        if _TYPE_EXPRESSION.match(text):  # ``list[ModelResult]``: a type, kept as written
            reader.extensions[field] = text
            return None
        if _DOTTED.match(text):
            dotted_module, _, dotted_name = text.rpartition(".")
            return {"name": dotted_name, "module": dotted_module}
        if _IDENTIFIER.match(text):
            return {"name": text}
    elif isinstance(raw, dict):
        name = raw.get("name", raw.get("class", raw.get("class_name")))
        module = raw.get("module", "")
        if isinstance(name, str) and "." in name and not module:
            module, _, name = name.rpartition(".")
        if isinstance(name, str) and _IDENTIFIER.match(name) and isinstance(module, str):
            if module and not re.match(r"^[A-Za-z_][A-Za-z0-9_.]*$", module):
                reader.problem(join_path(field, "module"), f"{module!r} is not a module path")
                return None
            ref = {"name": name, "module": module}
            if isinstance(raw.get("description"), str):
                ref["description"] = raw["description"].strip()
            for key in [k for k in raw if k not in ("name", "class", "class_name", "module",
                                                    "description")]:  # fmt: skip
                reader.extensions[join_path(field, key)] = raw[key]
            return ref
    reader.problem(
        field,
        "expected a class reference: {name, module} or 'package.module.ClassName'",
    )
    return None


def _models(reader: _Reader, data: dict[str, Any]) -> None:
    for key in ("input_model", "output_model", "state_model"):
        if data.get(key) is not None:
            ref = _reference(reader, data[key], key)
            if ref is not None:
                reader.set(key, ref, key)


def _routing(reader: _Reader, data: dict[str, Any]) -> None:
    routes: list[dict[str, Any]] = []
    routing = data.get("handler_routing")
    if isinstance(routing, dict):
        strategy = routing.get("routing_strategy")
        if isinstance(strategy, str):
            reader.set("routing_strategy", strategy, "handler_routing.routing_strategy")
        for key in [k for k in routing if k not in ("routing_strategy", "handlers")]:
            reader.extensions[f"handler_routing.{key}"] = routing[key]
        default = routing.get("default_handler")
        if default is not None and not routing.get("handlers"):
            route = _route(reader, {"handler": default}, "handler_routing.default_handler")
            if route is not None:
                routes.append(route)
        handlers = routing.get("handlers")
        if handlers is not None and not isinstance(handlers, list):
            reader.problem("handler_routing.handlers", "expected a list of handler entries")
            handlers = []
        for index, entry in enumerate(handlers or []):
            route = _route(reader, entry, f"handler_routing.handlers[{index}]")
            if route is not None:
                routes.append(route)
    elif routing is not None:
        reader.problem("handler_routing", "expected a mapping with routing_strategy and handlers")
    single = data.get("handler")
    if isinstance(single, dict):
        route = _route(reader, {"handler": single, "input_model": single.get("input_model")},
                       "handler")  # fmt: skip
        if route is not None:
            routes.append(route)
    if routes:
        reader.set("handlers", routes, "handler_routing.handlers")
    operations: list[dict[str, Any]] = []
    for route in routes:
        name = route.get("operation")
        if isinstance(name, str):
            op = snake_case(name)
            if SNAKE_NAME_PATTERN.match(op) and op not in {o["name"] for o in operations}:
                operations.append({"name": op, "description": route.get("description", "")})
    if operations:
        reader.set("operations", operations, "handler_routing.handlers")


def _route(reader: _Reader, entry: Any, field: str) -> dict[str, Any] | None:
    if not isinstance(entry, dict):
        reader.problem(field, "expected a mapping with a handler")
        return None
    handler = _reference(reader, entry.get("handler"), join_path(field, "handler"))
    if handler is None:
        return None
    route: dict[str, Any] = {"handler": handler}
    for key in ("operation", "topic"):
        if isinstance(entry.get(key), str):
            route[key] = entry[key]
    if isinstance(entry.get("description"), str):
        route["description"] = entry["description"].strip()
    for key in ("event_model", "input_model", "output_model"):
        if entry.get(key) is not None:
            ref = _reference(reader, entry[key], join_path(field, key))
            if ref is not None:
                route[key] = ref
    read = {"handler", "operation", "topic", "description", "event_model", "input_model",
            "output_model"}  # fmt: skip
    for key in [k for k in entry if k not in read]:
        reader.extensions[join_path(field, key)] = entry[key]
    return route


def _topics(raw: Any) -> list[str]:
    topics: list[str] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, str):
            topics.append(item)
        elif isinstance(item, dict) and isinstance(item.get("topic"), str):
            topics.append(item["topic"])
    return topics


def _events(reader: _Reader, data: dict[str, Any]) -> None:
    bus = data.get("event_bus")
    consumes: list[str] = []
    produces: list[str] = []
    if isinstance(bus, dict):
        consumes += _topics(bus.get("subscribe_topics"))
        produces += _topics(bus.get("publish_topics"))
        for key in [k for k in bus if k not in ("subscribe_topics", "publish_topics")]:
            reader.extensions[f"event_bus.{key}"] = bus[key]
    consumes += _topics(data.get("consumed_events"))
    produces += _topics(data.get("published_events"))
    for key in ("consumed_events", "published_events"):
        if key in data:
            reader.extensions[key] = data[key]
    if consumes or produces:
        events = {
            "consumes": list(dict.fromkeys(consumes)),
            "produces": list(dict.fromkeys(produces)),
        }
        reader.set("events", events, "event_bus")


def _lists(reader: _Reader, data: dict[str, Any]) -> None:
    for key, canonical in (("dependencies", "dependencies"), ("capabilities", "capabilities"),
                           ("io_operations", "io_operations")):  # fmt: skip
        raw = data.get(key)
        if raw is None:
            continue
        if not isinstance(raw, list):
            reader.extensions[key] = raw
            reader.problem(key, "expected a list; kept verbatim", warning=True)
            continue
        items = [i for i in raw if isinstance(i, dict) and isinstance(i.get(_NAME[key]), str)]
        if len(items) != len(raw):
            reader.extensions[key] = raw
        reader.set(canonical, items, key)
    metadata = data.get("metadata")
    if isinstance(metadata, dict):
        reader.extensions["metadata"] = metadata
        if isinstance(metadata.get("domain"), str):
            reader.fields["domain"] = metadata["domain"]
        tags = metadata.get("tags")
        if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
            reader.fields["tags"] = tags


_NAME: Final = {"dependencies": "name", "capabilities": "name", "io_operations": "operation_type"}


def _error_handling(reader: _Reader, data: dict[str, Any]) -> None:
    handling = data.get("error_handling")
    if not isinstance(handling, dict):
        return
    features: dict[str, Any] = {}
    models: dict[str, type[BaseModel]] = {
        "retry_policy": RetryPolicyConfig,
        "circuit_breaker": CircuitBreakerConfig,
    }
    for key, model in models.items():
        raw = handling.get(key)
        if not isinstance(raw, dict):
            continue
        known = {k: v for k, v in raw.items() if k in model.model_fields}
        try:
            features[key] = model.model_validate(known).model_dump()
        except ValidationError as exc:
            where = f"error_handling.{key}"
            reason = "; ".join(str(e["msg"]) for e in exc.errors()[:2])
            reader.problem(where, f"not applied ({reason}); kept verbatim", warning=True)
    reader.extensions["error_handling"] = handling
    if features:
        reader.set("advanced_features", features, "error_handling")


def _build(
    reader: _Reader, dialect: ContractDialect
) -> tuple[Contract | None, list[ContractProblem]]:
    document = reader.document
    try:
        contract = Contract(
            **reader.fields,
            source_path=reader.path,
            dialect=dialect,
            source_lines=dict(document.lines),
            field_origins=dict(reader.origins),
            extensions=reader.extensions,
            warnings=tuple(sorted(set(reader.warnings), key=ContractProblem.sort_key)),
        )
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            canonical = ""
            for part in error["loc"]:
                canonical = join_path(canonical, part)
            field = translate_path(canonical, reader.origins)
            line = document.line_of(field) or None
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(ContractProblem(document.source, line, field, message))
        return None, problems
    return contract, []
