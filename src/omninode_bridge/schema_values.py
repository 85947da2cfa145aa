"""Checks of JSON Schema values that reach generated code, shared by contracts and schemas.

A value the generator copies into Python source must be usable there, or the
generated module would not import, would not parse, or would fail its own
tests: every ``pattern`` and ``patternProperties`` key compiles with
:mod:`re` and holds no control character; ``minItems``, ``maxLength``...
are non-negative integers, each minimum is at most its maximum,
``multipleOf`` is positive; a property name is a string. The contract
loader (:mod:`omninode_bridge.contracts.values`) and ``omninode models``
(:mod:`omninode_bridge.codegen.schema_modules`) refuse such schemas with
these messages. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

__all__ = ["regex_problem", "schema_problems"]

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


def regex_problem(pattern: object) -> str | None:
    """Why ``pattern`` cannot be a generated regex, or ``None`` when it can."""
    if not isinstance(pattern, str):
        return f"expected a regular expression string, got {type(pattern).__name__}"
    if _CONTROL.search(pattern):
        return "regular expression contains a control character (newline, NUL...); use an escape"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"invalid regular expression {pattern!r}: {exc}"
    return None


def schema_problems(
    path: str, schema: Mapping[str, Any], *, depth: int = 0
) -> Iterator[tuple[str, str]]:
    """``(path.keyword, message)`` for every value of ``schema`` that would break generated code.

    Args:
        path: Where ``schema`` is (``input_schema``, ``$``); prefixes every path.
        schema: The schema, searched through its subschemas (64 levels deep at most).
        depth: The nesting level of ``schema`` (for the recursion).
    """
    if depth > 64:
        return
    if "pattern" in schema:
        message = regex_problem(schema["pattern"])
        if message:
            yield f"{path}.pattern", message
    yield from _constraint_problems(path, schema)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name in properties:
            message = _name_problem(name)
            if message:
                yield f"{path}.properties.{name}", message
    patterns = schema.get("patternProperties")
    if isinstance(patterns, dict):
        for pattern in patterns:
            message = regex_problem(pattern)
            if message:
                yield f"{path}.patternProperties.{pattern}", message
    for key in _SUBSCHEMA_MAPS:
        children = schema.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                if isinstance(child, dict):
                    yield from schema_problems(f"{path}.{key}.{name}", child, depth=depth + 1)
    for key in _SUBSCHEMA_ONE:
        child = schema.get(key)
        if isinstance(child, dict):
            yield from schema_problems(f"{path}.{key}", child, depth=depth + 1)
    for key in _SUBSCHEMA_LISTS:
        children = schema.get(key)
        if isinstance(children, list):
            for index, child in enumerate(children):
                if isinstance(child, dict):
                    yield from schema_problems(f"{path}.{key}[{index}]", child, depth=depth + 1)


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
