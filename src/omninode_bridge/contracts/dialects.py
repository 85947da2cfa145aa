"""Building the one :class:`Contract` from a validated document of each older dialect.

:class:`Draft` collects canonical fields with the source path each came
from; :data:`NORMALISERS` holds one reader per dialect (schema v2, node
package, ``node_id``). The loader validates first (schema, mixins, values)
and calls these only on documents that passed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from omninode_bridge.contracts.model import (
    LIFECYCLE_OPERATIONS,
    NODE_NAME_PATTERN,
    SNAKE_NAME_PATTERN,
    Contract,
    ContractDialect,
    NodeType,
    translate_path,
)
from omninode_bridge.contracts.naming import class_name, snake_case
from omninode_bridge.contracts.problems import ContractProblem
from omninode_bridge.contracts.safe_yaml import YamlDocument, join_path

__all__ = ["NORMALISERS", "Draft"]

_VERSION_TEXT: Final = re.compile(r"^v?(\d+)[._](\d+)[._](\d+)$")
_OPERATION_LINE: Final = re.compile(
    r"^\s*[-*]\s*`?([a-z][a-z0-9_]*)`?\s*:\s*(.+?)\s*$", re.MULTILINE
)
_ERROR_CODE: Final = re.compile(r"^[A-Z][A-Z0-9_]*$")


class Draft:
    """Canonical fields collected from a document, with where each came from."""

    def __init__(self, document: YamlDocument) -> None:
        self.document = document
        self.fields: dict[str, Any] = {}
        self.origins: dict[str, str] = {}

    def set(self, field: str, value: Any, origin: str | None = None) -> None:
        self.fields[field] = value
        if origin:
            self.origins[field] = origin

    def origin(self, field: str, origin: str) -> None:
        self.origins[field] = origin

    def build(
        self, path: Path | None, dialect: ContractDialect
    ) -> tuple[Contract | None, list[ContractProblem]]:
        try:
            contract = Contract(
                **self.fields,
                source_path=path,
                dialect=dialect,
                source_lines=dict(self.document.lines),
                field_origins=dict(self.origins),
            )
        except ValidationError as exc:
            return None, [self._problem(error) for error in exc.errors()]
        return contract, []

    def _problem(self, error: Any) -> ContractProblem:
        canonical = ""
        for part in error["loc"]:
            canonical = join_path(canonical, part)
        field = translate_path(canonical, self.origins)
        message = str(error["msg"]).removeprefix("Value error, ")
        value = error.get("input")
        pattern = (error.get("ctx") or {}).get("pattern")
        if error["type"] == "string_pattern_mismatch" and pattern == SNAKE_NAME_PATTERN.pattern:
            message = f"{value!r} is not a snake_case name"
        elif canonical and not isinstance(value, dict | list) and value is not None:
            message = f"{message} (got {value!r})"
        return ContractProblem(
            self.document.source, self.document.line_of(field) or None, field, message
        )


def _operations(draft: Draft, entries: list[tuple[str, dict[str, Any]]]) -> None:
    """Split declared operations into business and lifecycle ones; default to ``process``."""
    operations: list[dict[str, Any]] = []
    lifecycle: list[str] = []
    for origin, entry in entries:
        name = entry["name"]
        if name in LIFECYCLE_OPERATIONS:
            if name not in lifecycle:
                lifecycle.append(name)
            continue
        item = f"operations[{len(operations)}]"
        draft.origin(item, origin)
        if entry.pop("_bare", False):
            # A bare string in the source: the name is the item itself.
            draft.origin(f"{item}.name", origin)
        operations.append(entry)
    if operations:
        draft.set("operations", operations)
    else:
        draft.set("operations", [{"name": "process", "description": "Process the node input."}])
    draft.set("lifecycle_operations", lifecycle)


def _enum_operations(
    schema: Any, origin: str, description: str
) -> list[tuple[str, dict[str, Any]]]:
    """Operations named by an ``operation`` / ``operation_type`` enum of the input schema."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return []
    documented = dict(_OPERATION_LINE.findall(description))
    for key in ("operation_type", "operation"):
        spec = properties.get(key)
        values = spec.get("enum") if isinstance(spec, dict) else None
        if (
            isinstance(values, list)
            and values
            and all(isinstance(v, str) and SNAKE_NAME_PATTERN.match(v) for v in values)
        ):
            return [
                (
                    f"{origin}.properties.{key}.enum[{i}]",
                    {"name": v, "description": documented.get(v, ""), "_bare": True},
                )
                for i, v in enumerate(values)
            ]
    return []


def _listed_operations(raw: Any, origin: str) -> list[tuple[str, dict[str, Any]]]:
    entries: list[tuple[str, dict[str, Any]]] = []
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        where = join_path(origin, i)
        if isinstance(item, str):
            entries.append((where, {"name": item, "_bare": True}))
        elif isinstance(item, dict):
            entries.append((where, dict(item)))
    return entries


def _error_codes(schema: Any, origin: str, draft: Draft) -> None:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    spec = properties.get("error_code") if isinstance(properties, dict) else None
    values = spec.get("enum") if isinstance(spec, dict) else None
    if isinstance(values, list):
        codes = [{"code": v} for v in values if isinstance(v, str) and _ERROR_CODE.match(v)]
        draft.set("error_codes", codes, f"{origin}.properties.error_code.enum")


def _version(raw: Any) -> Any:
    if isinstance(raw, str):
        match = _VERSION_TEXT.match(raw.strip())
        if match:
            major, minor, patch = (int(g) for g in match.groups())
            return {"major": major, "minor": minor, "patch": patch}
    return raw


def _schemas(draft: Draft, data: dict[str, Any], input_key: str, output_key: str) -> None:
    if isinstance(data.get(input_key), dict):
        draft.set("input_schema", data[input_key], input_key)
    if isinstance(data.get(output_key), dict):
        draft.set("output_schema", data[output_key], output_key)
        _error_codes(data[output_key], output_key, draft)


def _health_check(mixins: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any] | None:
    result: dict[str, Any] = {}
    for mixin in mixins:
        if mixin.get("name") != "MixinHealthCheck" or not mixin.get("enabled", True):
            continue
        config = mixin.get("config") or {}
        if "check_interval_ms" in config:
            result["check_interval_ms"] = config["check_interval_ms"]
        elif "health_check_interval_seconds" in config:
            result["check_interval_ms"] = int(config["health_check_interval_seconds"] * 1000)
        if "components" in config:
            result["components"] = config["components"]
        elif "critical_checks" in config:
            result["components"] = [
                {"name": n, "critical": True} for n in config["critical_checks"]
            ]
    section = data.get("health_checks")
    if isinstance(section, dict) and section.get("components"):
        result["components"] = section["components"]
    return result or None


def _advanced_features(draft: Draft, data: dict[str, Any], mixins: list[dict[str, Any]]) -> None:
    features: dict[str, Any] = dict(data.get("advanced_features") or {})
    draft.origin("advanced_features", "advanced_features")
    handling = data.get("error_handling")
    if isinstance(handling, dict):
        breaker = handling.get("circuit_breaker")
        if isinstance(breaker, dict) and "circuit_breaker" not in features:
            converted = {k: v for k, v in breaker.items() if k != "timeout_seconds"}
            if "timeout_seconds" in breaker:
                converted["recovery_timeout_ms"] = int(breaker["timeout_seconds"] * 1000)
            features["circuit_breaker"] = converted
            draft.origin("advanced_features.circuit_breaker", "error_handling.circuit_breaker")
        retry = handling.get("retry_policy")
        if isinstance(retry, dict) and "retry_policy" not in features:
            features["retry_policy"] = dict(retry)
            draft.origin("advanced_features.retry_policy", "error_handling.retry_policy")
        timeout = handling.get("timeout_policy")
        if (
            isinstance(timeout, dict)
            and timeout.get("enabled", True)
            and "default_timeout_seconds" in timeout
        ):
            features["timeout_seconds"] = timeout["default_timeout_seconds"]
            draft.origin(
                "advanced_features.timeout_seconds",
                "error_handling.timeout_policy.default_timeout_seconds",
            )
    health = _health_check(mixins, data)
    if health is not None:
        features["health_check"] = health
        origin = "health_checks" if "health_checks" in data else "mixins"
        draft.origin("advanced_features.health_check", origin)
    draft.set("advanced_features", features)


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _copy(draft: Draft, data: dict[str, Any], fields: dict[str, str]) -> None:
    """Copy source values that are present: canonical field <- dotted source key."""
    for name, key in fields.items():
        value = _lookup(data, key)
        if value is not None:
            draft.set(name, value, key)


def _mixins(draft: Draft, raw: Any, origin: str, name_key: str) -> list[dict[str, Any]]:
    mixins = [
        {"name": m[name_key], "enabled": m.get("enabled", True), "config": m.get("config") or {}}
        for m in raw or []
    ]
    draft.set("mixins", mixins, origin)
    return mixins


def _events(draft: Draft, consumes: list[Any], produces: list[Any], origin: str) -> None:
    draft.set("events", {"consumes": consumes, "produces": produces}, origin)


def _from_v2(data: dict[str, Any], draft: Draft) -> None:
    node_type = NodeType(data["node_type"])
    name: str = data["name"]
    if SNAKE_NAME_PATTERN.match(name):  # ``llm_effect``: a package name, not a class name
        service = name if name.endswith(f"_{node_type.value}") else f"{name}_{node_type.value}"
        draft.set("service_name", service, "name")
        draft.set("name", class_name(service, node_type), "name")
    else:
        if not name.endswith(tuple(t.suffix for t in NodeType)):  # ``NodeBridgeRegistry``
            draft.set("name", f"{name}{node_type.suffix}", "name")
        pascal = name[len("Node") :].removesuffix(node_type.suffix) or name[len("Node") :]
        draft.set("service_name", f"{snake_case(pascal)}_{node_type.value}", "name")
    draft.set("description", data["description"].strip(), "description")
    _copy(
        draft,
        data,
        {k: v for k, v in _V2_FIELDS.items() if k != "name" or "name" not in draft.fields},
    )
    mixins = _mixins(draft, data.get("mixins"), "mixins", "name")
    _schemas(draft, data, "input_state", "output_state")
    _operations(draft, _v2_operations(data))
    events = _lookup(data, "subcontracts.event_type") or {}
    consumed, produced = events.get("consumed_events", []), events.get("produced_events", [])
    _events(draft, consumed, produced, "subcontracts.event_type")
    _advanced_features(draft, data, mixins)


_V2_FIELDS: Final = {
    "name": "name",
    "node_type": "node_type",
    "version": "version",
    "schema_version": "schema_version",
    "subcontracts": "subcontracts",
    "dependencies": "dependencies.services",
    "configuration": "configuration",
    "performance_targets": "performance_targets",
    "capabilities": "capabilities",
}


def _v2_operations(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    effect_ops = _lookup(data, "subcontracts.effect.operations")
    entries = _listed_operations(effect_ops, "subcontracts.effect.operations")
    definitions = data.get("definitions") or {}
    for i, op in enumerate(data.get("io_operations") or []):
        entry = {
            "name": op["name"],
            "description": op.get("description", ""),
            "input_schema": definitions.get(op["input_model"]),
            "output_schema": definitions.get(op["output_model"]),
        }
        entries.append((f"io_operations[{i}]", entry))
    return entries


def _from_node_package(data: dict[str, Any], draft: Draft) -> None:
    node_type = NodeType(data["node_type"].lower())
    service: str = data["name"]
    draft.set("service_name", service, "name")
    draft.set("node_type", node_type, "node_type")
    main_class = str(_lookup(data, "tool_specification.main_tool_class") or "")
    declared = main_class.rpartition(".")[2]
    if NODE_NAME_PATTERN.match(declared) and declared.endswith(node_type.suffix):
        draft.set("name", declared, "tool_specification.main_tool_class")
    else:
        draft.set("name", class_name(service, node_type), "name")
    draft.set("version", _version(data["version"]), "version")
    draft.set("description", data["description"].strip(), "description")
    mixins = _mixins(draft, data.get("mixins"), "mixins", "name")
    _schemas(draft, data, "input_state", "output_state")
    entries = _listed_operations(data.get("operations"), "operations")
    if not entries:
        entries = _enum_operations(data.get("input_state"), "input_state", data["description"])
    _operations(draft, entries)
    io_ops = [_io_operation(op) for op in data.get("io_operations") or []]
    draft.set("io_operations", io_ops, "io_operations")
    draft.set("subcontracts", _subcontracts(data.get("subcontracts")), "subcontracts")
    _copy(draft, data, _NODE_PACKAGE_FIELDS)
    _advanced_features(draft, data, mixins)


_NODE_PACKAGE_FIELDS: Final = {
    "dependencies": "dependencies",
    "error_codes": "error_codes",
    "events": "events",
    "capabilities": "capabilities",
    "tags": "metadata.tags",
    "domain": "metadata.domain",
    "performance_targets": "performance_requirements",
    "configuration": "configuration",
    "schema_version": "schema_version",
}


def _io_operation(op: dict[str, Any]) -> dict[str, Any]:
    return {
        "operation_type": op["operation_type"],
        "description": op.get("description", ""),
        "atomic": op.get("atomic", False),
        "timeout_seconds": op.get("timeout_seconds"),
    }


def _subcontracts(raw: Any) -> dict[str, Any]:
    """Subcontracts as a mapping; the list form ``[{type, enabled, config}]`` is keyed by type."""
    if isinstance(raw, dict):
        return raw
    return {item["type"]: {k: v for k, v in item.items() if k != "type"} for item in raw or []}


def _from_node_id(data: dict[str, Any], draft: Draft) -> None:
    node_type = NodeType(data["node_type"].lower())
    origin = "metadata.service_name" if _lookup(data, "metadata.service_name") else "node_id"
    service: str = _lookup(data, origin)
    draft.set("service_name", service, origin)
    draft.set("name", class_name(service, node_type), "node_id")
    draft.set("node_type", node_type, "node_type")
    draft.set("version", _version(data["version"]), "version")
    for key in ("description", "metadata.description", "metadata.name"):
        text = _lookup(data, key)
        if isinstance(text, str) and text.strip():
            draft.set("description", text.strip(), key)
            break
    else:
        draft.set("description", "", "metadata.description")
    raw_mixins = _lookup(data, "mixin_configuration.mixins")
    mixins = _mixins(draft, raw_mixins, "mixin_configuration.mixins", "mixin_name")
    _schemas(draft, data, "input_schema", "output_schema")
    entries = _listed_operations(data.get("operations"), "operations")
    _operations(draft, entries or _enum_operations(data.get("input_schema"), "input_schema", ""))
    patterns = data.get("event_patterns") or {}
    consumes = [e["topic"] for e in patterns.get("subscribes", [])]
    produces = [e["topic"] for e in patterns.get("publishes", [])]
    _events(draft, consumes, produces, "event_patterns")
    _copy(draft, data, _NODE_ID_FIELDS)
    _advanced_features(draft, data, mixins)


_NODE_ID_FIELDS: Final = {
    "domain": "metadata.domain",
    "tags": "metadata.tags",
    "subcontracts": "subcontracts",
    "dependencies": "dependencies",
    "capabilities": "capabilities",
}


NORMALISERS: Final = {
    ContractDialect.V2: _from_v2,
    ContractDialect.NODE_PACKAGE: _from_node_package,
    ContractDialect.NODE_ID: _from_node_id,
}
