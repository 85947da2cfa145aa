"""Python attribute names for JSON property names.

A property keeps its JSON name as the field's alias whenever its Python name
differs. Names that would shadow a builtin or a name the generated module
imports (``str``, ``date``), that collide with pydantic's ``BaseModel``
namespace (``model_dump``, ``schema``), that are keywords, or that two
properties would share after conversion (``fooBar`` and ``foo_bar``) get a
trailing ``_`` or a number.
"""

from __future__ import annotations

import builtins
import keyword
from collections.abc import Iterable

from pydantic import BaseModel

from omninode_bridge.codegen.naming import snake_case

__all__ = ["RESERVED_NAMES", "python_field_names"]

#: Names a field must not take: builtins, BaseModel's attributes, and every
#: name a generated models module imports or defines at module level.
RESERVED_NAMES: frozenset[str] = frozenset(
    {
        *dir(builtins),
        *dir(BaseModel),
        *keyword.kwlist,
        *keyword.softkwlist,
        "annotations",
        "re",
        "date",
        "datetime",
        "time",
        "field_validator",
        "model_validator",
    }
)


def _base_name(json_name: str) -> str:
    name = snake_case(json_name) or "field"
    if name[0].isdigit():
        name = f"field_{name}"
    while name in RESERVED_NAMES:
        name = f"{name}_"
    return name


def python_field_names(json_names: Iterable[str]) -> dict[str, str]:
    """JSON name -> a distinct, safe Python attribute name, in input order.

    A JSON name that is already a safe Python name keeps it; the others take
    the converted name, numbered (``foo_bar_2``) when it is taken.
    """
    names = list(json_names)
    result: dict[str, str] = {}
    taken: set[str] = set()
    for json_name in names:
        if _base_name(json_name) == json_name:
            result[json_name] = json_name
            taken.add(json_name)
    for json_name in names:
        if json_name in result:
            continue
        base = candidate = _base_name(json_name)
        index = 2
        while candidate in taken:
            candidate, index = f"{base}_{index}", index + 1
        result[json_name] = candidate
        taken.add(candidate)
    return {json_name: result[json_name] for json_name in names}
