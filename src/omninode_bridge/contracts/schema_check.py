"""JSON Schema validation of contract documents, reported as located problems.

The schemas ship in ``omninode_bridge/contracts/schemas/``:
``contract_schema_v2.json`` (with ``mixins_schema.json`` and
``advanced_features_schema.json``) is the reference for schema v2 contracts;
``node_package_contract.json`` and ``node_id_contract.json`` describe the two
other dialects. Each jsonschema error becomes one :class:`ContractProblem`
with the field path, its line, and a message that says what was expected.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from omninode_bridge.contracts.problems import ContractProblem
from omninode_bridge.contracts.safe_yaml import YamlDocument, join_path

if TYPE_CHECKING:  # imported where used: jsonschema costs ~1 s with its format extras
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import ValidationError

__all__ = [
    "MIXIN_CONFIG_DEFINITIONS",
    "SCHEMA_BASE",
    "iter_schema_problems",
    "load_schema",
    "validator_for",
]

SCHEMA_BASE: Final = "https://omninode.dev/schemas/contract/"
_FILES: Final = (
    "contract_schema_v2.json",
    "mixins_schema.json",
    "advanced_features_schema.json",
    "node_package_contract.json",
    "node_id_contract.json",
)
_PATH_FIELDS: Final = frozenset({"name", "node_id", "metadata.service_name"})

_SNAKE: Final = "^[a-z][a-z0-9]*(_[a-z0-9]+)*$"
_PATTERN_HINTS: Final = {
    _SNAKE: "expected lower-case letters, digits and single underscores, like order_service",
    "^Node[A-Z][a-zA-Z0-9]+(Effect|Compute|Reducer|Orchestrator)$": (
        "expected Node<Name><Type>, like NodeDatabaseAdapterEffect"
    ),
    "^Mixin[A-Z][a-zA-Z0-9]*$": "expected Mixin<Name>, like MixinHealthCheck",
}

#: Mixins whose ``config`` the v2 mixin schema defines (``Mixin<Name>Config``).
MIXIN_CONFIG_DEFINITIONS: Final = (
    "MixinHealthCheck",
    "MixinMetrics",
    "MixinEventDrivenNode",
    "MixinServiceRegistry",
    "MixinLogData",
)


@cache
def load_schema(file_name: str) -> dict[str, Any]:
    """Return one packaged schema by file name."""
    text = resources.files("omninode_bridge.contracts").joinpath("schemas", file_name).read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _registry() -> Registry[Any]:
    pairs: list[tuple[str, Resource[Any]]] = []
    for file_name in _FILES:
        schema = load_schema(file_name)
        resource = DRAFT7.create_resource(schema)
        pairs.append((schema["$id"], resource))
        pairs.append((SCHEMA_BASE + file_name, resource))
    registry: Registry[Any] = Registry().with_resources(pairs)
    return registry


@cache
def validator_for(file_name: str, pointer: str = "") -> Draft7Validator:
    """A validator for a packaged schema, or for one of its definitions.

    Args:
        file_name: Schema file (``contract_schema_v2.json``...).
        pointer: ``#/definitions/...`` fragment to validate against instead of
            the whole schema.
    """
    from jsonschema import Draft7Validator

    schema = load_schema(file_name)
    target: Mapping[str, Any] = {"$ref": schema["$id"] + pointer} if pointer else schema
    return Draft7Validator(target, registry=_registry())


def iter_schema_problems(
    document: YamlDocument,
    instance: Any,
    validator: Draft7Validator,
    *,
    prefix: str = "",
) -> Iterator[ContractProblem]:
    """Validate ``instance`` and yield one located problem per schema error.

    Args:
        document: The parsed document (for the file name and lines).
        instance: The value to validate (the document data or a part of it).
        validator: From :func:`validator_for`.
        prefix: Field path of ``instance`` inside the document.
    """
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.path))):
        path = prefix
        for part in error.absolute_path:
            path = join_path(path, part)
        yield from _describe(document, error, path)


def _describe(
    document: YamlDocument, error: ValidationError, path: str
) -> Iterator[ContractProblem]:
    kind = error.validator
    value: Any = error.validator_value
    instance = error.instance
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}

    def at(field: str, message: str) -> ContractProblem:
        return ContractProblem(document.source, document.line_of(field), field, message)

    if kind == "additionalProperties" and isinstance(instance, dict):
        known = sorted(schema.get("properties", {}))
        for key in sorted(set(instance) - set(known)):
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.7)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            field = join_path(path, key)
            message = f"unknown field{hint} (kept verbatim in the contract's extensions)"
            yield ContractProblem(
                document.source, document.line_of(field), field, message, warning=True
            )
        return
    if kind == "required" and isinstance(instance, dict):
        for key in value:
            if key not in instance:
                yield at(path, f"missing required field '{key}'")
        return
    yield at(path, _message(kind, value, instance, schema, path) or error.message)


def _message(kind: Any, value: Any, instance: Any, schema: Mapping[str, Any], path: str) -> str:
    shown = _show(instance)
    if kind == "maximum":
        return f"{shown} is greater than the maximum {value}"
    if kind == "minimum":
        return f"{shown} is less than the minimum {value}"
    if kind == "exclusiveMaximum":
        return f"{shown} must be less than {value}"
    if kind == "exclusiveMinimum":
        return f"{shown} must be greater than {value}"
    if kind == "type":
        expected = " or ".join(value) if isinstance(value, list) else value
        got = _json_type(instance)
        scalar = not isinstance(instance, dict | list)
        return (
            f"expected {expected}, got {got} {shown}"
            if scalar
            else f"expected {expected}, got {got}"
        )
    if kind == "enum":
        choices = dict.fromkeys(str(v).lower() if isinstance(v, str) else str(v) for v in value)
        return f"{shown} is not one of: {', '.join(choices)}"
    if kind == "const":
        return f"{shown} must be {value!r}"
    if kind == "pattern":
        if path in _PATH_FIELDS and isinstance(instance, str) and _is_path_like(instance):
            return (
                f"{shown} would write outside the output folder; "
                "expected a snake_case name (letters, digits, underscores)"
            )
        hint = _PATTERN_HINTS.get(value)
        if hint and value == _SNAKE:
            return f"{shown} is not a snake_case name ({hint})"
        return f"{shown} does not match the pattern '{value}'" + (f" ({hint})" if hint else "")
    if kind == "minLength":
        return f"{shown} is shorter than {value} characters"
    if kind == "maxLength":
        return f"{shown} is longer than {value} characters"
    if kind == "minItems":
        return f"needs at least {value} item{'s' if value != 1 else ''}"
    if kind in ("anyOf", "oneOf"):
        expected = schema.get("description")
        return f"{shown} is not valid: expected {expected}" if expected else ""
    return ""


def _is_path_like(value: str) -> bool:
    return "/" in value or "\\" in value or ".." in value or value.startswith("~")


def _show(instance: Any) -> str:
    if isinstance(instance, dict):
        return "a mapping"
    if isinstance(instance, list):
        return "a list"
    text = repr(instance)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(instance: Any) -> str:
    if instance is None:
        return "null"
    if isinstance(instance, bool):
        return "boolean"
    if isinstance(instance, int):
        return "integer"
    if isinstance(instance, float):
        return "number"
    if isinstance(instance, str):
        return "string"
    if isinstance(instance, list):
        return "array"
    return "object"
