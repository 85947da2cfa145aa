"""Load-time checks of contract *values* that reach generated code.

The loader is tolerant of unknown fields (they become warnings), but a value
that the generator copies into Python source must be usable there, or the
generated package would not import, would not parse, or would fail its own
tests. Every such value is checked here, at load, so it is refused with exit 2
and ``file:line: field: message`` instead of surfacing as a crash later:

* size: at most :data:`MAX_FIELDS` schema properties and
  :data:`MAX_OPERATIONS` operations per contract (counted on the raw document,
  before any costly validation, so a huge contract is refused at once);
* regexes: every ``pattern`` and every ``forbidden_patterns`` entry compiles
  with :mod:`re` and holds no control character (a newline or NUL in a regex
  is legal for :mod:`re` but not what a contract author means);
* constraints: ``minItems``, ``maxLength``... are non-negative integers, each
  minimum is at most its maximum, ``multipleOf`` is positive;
* field names: a property name is a string.

A ``default`` that breaks its own schema and a property named like a
``BaseModel`` attribute (``model_dump``) are not refused: the generated model
does not validate defaults (as a JSON Schema validator does not) and gives such
a property a safe attribute name with the JSON name as alias; the schema
translator reports the default as a warning (file, line, field).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from omninode_bridge.contracts.model import Contract
from omninode_bridge.contracts.safe_yaml import (
    DEFAULT_LIMITS,
    YamlDocument,
    join_path,
    too_many_fields,
)
from omninode_bridge.errors import ContractProblem

__all__ = ["MAX_FIELDS", "MAX_OPERATIONS", "size_problems", "value_problems"]

#: Most schema properties (all schemas of a contract together) a contract may declare.
MAX_FIELDS: Final = DEFAULT_LIMITS.max_schema_fields
#: Most operations a contract may declare.
MAX_OPERATIONS: Final = 200

_COUNTS: Final = (
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minProperties",
    "maxProperties",
)
_PAIRS: Final = (
    ("minItems", "maxItems"),
    ("minLength", "maxLength"),
    ("minProperties", "maxProperties"),
    ("minimum", "maximum"),
)
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_SUBSCHEMA_MAPS: Final = ("properties", "definitions", "$defs", "patternProperties")
_SUBSCHEMA_ONE: Final = ("items", "additionalProperties", "not", "additionalItems")
_SUBSCHEMA_LISTS: Final = ("allOf", "anyOf", "oneOf")


def size_problems(document: YamlDocument, data: Mapping[str, Any]) -> list[ContractProblem]:
    """Refuse a contract over :data:`MAX_FIELDS` fields or :data:`MAX_OPERATIONS` operations.

    Counts on the raw document, so it runs before schema validation.
    """
    fields = sum(_count_properties(data, depth=0))
    problems = []
    if fields > MAX_FIELDS:
        problems.append(too_many_fields(document.source, fields, MAX_FIELDS))
    operations = data.get("operations")
    if isinstance(operations, list | dict) and len(operations) > MAX_OPERATIONS:
        problems.append(
            ContractProblem(
                document.source,
                document.line_of("operations") or 1,
                "operations",
                f"declares {len(operations)} operations; a contract may declare at most "
                f"{MAX_OPERATIONS}",
            )
        )
    return problems


def _count_properties(node: object, *, depth: int) -> Iterator[int]:
    if depth > 64:
        return
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            yield len(properties)
        for value in node.values():
            yield from _count_properties(value, depth=depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _count_properties(item, depth=depth + 1)


def value_problems(contract: Contract, source: str) -> list[ContractProblem]:
    """Every value of ``contract`` that would break generated code, as problems."""
    problems: list[ContractProblem] = []

    def report(field: str, message: str) -> None:
        problems.append(ContractProblem(source, contract.line_for(field), field, message))

    security = contract.advanced_features.security_validation
    if security is not None:
        for index, pattern in enumerate(security.forbidden_patterns):
            field = join_path("advanced_features.security_validation.forbidden_patterns", index)
            message = _regex_problem(pattern)
            if message:
                report(field, message)
    schemas: list[tuple[str, object]] = [
        ("input_schema", contract.input_schema),
        ("output_schema", contract.output_schema),
    ]
    for index, operation in enumerate(contract.operations):
        base = join_path("operations", index)
        schemas.append((f"{base}.input_schema", operation.input_schema))
        schemas.append((f"{base}.output_schema", operation.output_schema))
    for path, schema in schemas:
        if isinstance(schema, dict):
            for field, message in _schema_problems(path, schema, depth=0):
                report(field, message)
    return problems


def _regex_problem(pattern: object) -> str | None:
    if not isinstance(pattern, str):
        return f"expected a regular expression string, got {type(pattern).__name__}"
    if _CONTROL.search(pattern):
        return "regular expression contains a control character (newline, NUL...); use an escape"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"invalid regular expression {pattern!r}: {exc}"
    return None


def _schema_problems(path: str, schema: dict[str, Any], *, depth: int) -> Iterator[tuple[str, str]]:
    if depth > 64:
        return
    if "pattern" in schema:
        message = _regex_problem(schema["pattern"])
        if message:
            yield f"{path}.pattern", message
    yield from _constraint_problems(path, schema)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name in properties:
            message = _name_problem(name)
            if message:
                yield f"{path}.properties.{name}", message
    for key in _SUBSCHEMA_MAPS:
        children = schema.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                if isinstance(child, dict):
                    yield from _schema_problems(f"{path}.{key}.{name}", child, depth=depth + 1)
    for key in _SUBSCHEMA_ONE:
        child = schema.get(key)
        if isinstance(child, dict):
            yield from _schema_problems(f"{path}.{key}", child, depth=depth + 1)
    for key in _SUBSCHEMA_LISTS:
        children = schema.get(key)
        if isinstance(children, list):
            for index, child in enumerate(children):
                if isinstance(child, dict):
                    yield from _schema_problems(
                        join_path(f"{path}.{key}", index), child, depth=depth + 1
                    )


def _constraint_problems(path: str, schema: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for key in _COUNTS:
        if key in schema:
            value = schema[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                yield f"{path}.{key}", f"must be a non-negative integer (got {value!r})"
    for low, high in _PAIRS:
        lo, hi = schema.get(low), schema.get(high)
        if isinstance(lo, int | float) and isinstance(hi, int | float) and lo > hi:
            yield f"{path}.{low}", f"{low} {lo!r} is greater than {high} {hi!r}"
    if "multipleOf" in schema:
        value = schema["multipleOf"]
        if not _number(value) or value <= 0:
            yield f"{path}.multipleOf", f"must be a positive number (got {value!r})"


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _name_problem(name: object) -> str | None:
    if not isinstance(name, str):
        return f"property name must be a string (got {name!r})"
    return None
