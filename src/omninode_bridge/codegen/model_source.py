"""The template context of a pydantic model module, from translated schema specs.

Both the node packages' ``models/*.py`` (:mod:`~omninode_bridge.codegen.render`)
and ``omninode models`` (one module per JSON Schema file) render the
``model_v1`` template with :func:`model_module_context`, so the two emit the
same class source for the same :class:`ModelSpec` records. This module
imports only the standard library and the lean translator records: no
Jinja, contracts, pipeline or pydantic.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence

from omninode_bridge.codegen.schema_helpers import HELPERS, helper_closure
from omninode_bridge.codegen.schema_specs import EnumSpec, FieldSpec, ModelSpec
from omninode_bridge.codegen.sources import (
    annotated_name,
    docstring,
    field_kwargs,
    import_block,
    literal,
    wrap_lines,
)

__all__ = ["enum_context", "model_module_context"]


def _fitted(source: str, *, column: int, indent: int) -> str:
    """A value's source laid out to pass ruff whatever the contract put in it.

    A plain literal (string, list, dict) that is too long for its line or holds
    non-ASCII characters is emitted again by :func:`literal`: ASCII only,
    wrapped in parentheses when long. Any other source is kept as it is.
    """
    if column + len(source) + 1 <= 100 and source.isascii():
        return source
    try:
        value = ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return source
    if not isinstance(value, str | list | dict):
        return source
    return literal(value, indent=indent, column=column)


def _field_context(spec: FieldSpec) -> dict[str, object]:
    constraints = spec.constraints
    if spec.validate_default:
        constraints = (*constraints, ("validate_default", "True"))
    default = spec.default if not spec.required else None
    return {
        "name": spec.name,
        "annotation": spec.annotation,
        "head": annotated_name(spec.name, spec.annotation, indent=4),
        "kwargs": field_kwargs(
            default=None if default is None else _fitted(default, column=16, indent=8),
            alias=spec.alias,
            constraints=[
                (key, _fitted(value, column=9 + len(key), indent=8)) for key, value in constraints
            ],
            description=spec.description,
            indent=8,
        ),
    }


def enum_context(enum: EnumSpec) -> dict[str, object]:
    """The ``enum`` context of one ``StrEnum`` (template ``enum_v1``, or inline in ``model_v1``)."""
    return {
        "name": enum.name,
        "doc": docstring(enum.description, indent=4),
        "members": [
            (member, literal(value, indent=4, column=7 + len(member)))
            for member, value in enum.members
        ],
    }


def model_module_context(
    models: Sequence[ModelSpec],
    *,
    module_doc: str,
    local: Mapping[str, Iterable[str]] | None = None,
    enums: Sequence[EnumSpec] = (),
) -> dict[str, object]:
    """The ``model_v1`` context of one module defining ``models``.

    Args:
        models: The models the module defines, in definition order.
        module_doc: The module docstring.
        local: Relative imports (``".model_input": ["ModelX"]``) of the models
            and enums defined elsewhere.
        enums: Enums defined in the module itself, before the models (a
            self-contained module; the node packages keep them in ``enums/``).
    """
    imports = {"pydantic:BaseModel", "pydantic:ConfigDict"}
    if enums:
        imports.add("enum:StrEnum")
    helpers = helper_closure({h for m in models for h in m.helpers})
    for name in helpers:
        imports.update(HELPERS[name].imports)
    for model in models:
        imports.update(model.imports)
        if model.fields:
            imports.add("pydantic:Field")
    return {
        "module_doc": module_doc,
        "imports": import_block(imports, local=local or {}),
        "helpers": [
            "\n".join(wrap_lines(HELPERS[name].source.rstrip("\n").split("\n"), indent=0))
            for name in helpers
        ],
        "enums": [enum_context(enum) for enum in enums],
        "models": [
            {
                "name": m.name,
                "doc": docstring(m.description, indent=4),
                "extra": m.extra_policy,
                "fields": [_field_context(f) for f in m.fields],
                "class_lines": wrap_lines(m.class_lines, indent=4),
            }
            for m in models
        ],
    }
