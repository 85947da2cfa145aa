"""JSON Schema to pydantic v2 model specifications.

:class:`SchemaTranslator` turns a contract's JSON Schemas (``input_state``,
``output_state``, ``definitions``...) into :class:`ModelSpec` and
:class:`EnumSpec` records that the templates render. Every field carries a
valid example value and one rejected value per constraint, so the generated
tests prove each constraint of the contract is enforced: the trace from a
contract field to the code and the test that enforce it.

The generated models accept what a Draft 2020-12 validator with formats
enforced accepts. Mapped: ``type`` (single or list, ``null`` included),
``enum`` and ``const`` of any JSON value, ``required``, ``default``, numeric
bounds (draft-4 boolean forms too), ``multipleOf``, string lengths,
``pattern``, the formats of :data:`~omninode_bridge.codegen.schema_helpers.FORMAT_HELPERS`
plus ``ipv4``/``ipv6``, objects with ``properties``, ``additionalProperties``,
``patternProperties``, ``minProperties``/``maxProperties``, maps, arrays
with ``items``, ``prefixItems`` (tuples), ``minItems``/``maxItems``/
``uniqueItems``, local ``$ref`` (``#``, ``#/$defs/...``, any JSON pointer,
recursion included), ``anyOf``/``oneOf``/``allOf``. Constraints nested in
union members, items and map values are kept (``Annotated[...]``). A keyword
that is not enforced is reported in :attr:`SchemaTranslator.warnings`,
naming its schema path.
"""

from __future__ import annotations

from collections.abc import Mapping

from omninode_bridge.codegen.schema_containers import ContainerTypes
from omninode_bridge.codegen.schema_objects import ObjectModels
from omninode_bridge.codegen.schema_refs import ReferenceResolver
from omninode_bridge.codegen.schema_scalars import ScalarTypes, number_type
from omninode_bridge.codegen.schema_scalars import key_to_case as key_to_case
from omninode_bridge.codegen.schema_specs import (
    MISSING,
    EnumSpec,
    FieldSpec,
    ModelSpec,
    SchemaWarning,
    Violation,
)
from omninode_bridge.codegen.schema_specs import Json as Json
from omninode_bridge.codegen.schema_types import (
    TypeInfo,
    as_sequence,
    assertions,
    json_types,
    null_type,
    untyped,
    wrong,
)
from omninode_bridge.errors import GenerationError

__all__ = [
    "MISSING",
    "EnumSpec",
    "FieldSpec",
    "ModelSpec",
    "SchemaTranslator",
    "SchemaWarning",
    "Violation",
]


class SchemaTranslator(ObjectModels, ReferenceResolver, ContainerTypes, ScalarTypes):
    """Collects the models and enums of one contract.

    Args:
        definitions: The contract's named schemas, the targets of local ``$ref``.
        source: Where the schemas came from, for error messages.
        origin: What the models were generated from, for the docstring of a
            model whose schema has no ``description`` (``the contract``).
    """

    def add_model(
        self, name: str, schema: Mapping[str, object] | None, *, module: str, path: str
    ) -> ModelSpec:
        """Translate an object ``schema`` into model ``name`` (and its nested models)."""
        raw = self._check_schema(schema or {}, path)
        outermost = self._root is None
        if outermost:
            self._root = (name, raw, module)
            self._by_pointer["#"] = name
        self._resolving.add(name)
        try:
            model = self._build_model(name, self._flatten(raw, path), module, path)
        finally:
            self._resolving.discard(name)
            if outermost:
                self._root = None
                self._by_pointer.pop("#", None)
        self.models[name] = model
        return model

    def _type(self, schema: Mapping[str, object], hint: str, module: str, path: str) -> TypeInfo:
        schema = self._check_schema(schema, path)
        if not schema:
            return untyped()
        if "allOf" in schema or ("$ref" in schema and len(assertions(schema)) > 1):
            return self._type(self._flatten(schema, path), hint, module, path)
        self._note_unsupported(schema, path)
        if "$ref" in schema:
            return self._ref(str(schema["$ref"]), module, path)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self._union(schema, key, hint, module, path)
        if "const" in schema:
            return self._enum([schema["const"]], schema, hint, path, "const")
        if "enum" in schema:
            return self._enum(list(as_sequence(schema["enum"])), schema, hint, path, "enum")
        types = json_types(schema)
        nullable = "null" in types
        types = [t for t in types if t != "null"]
        if not types:
            if nullable:
                return null_type()
            if assertions(schema) - {"type"}:
                self.warn(path, "type", "constraints without a 'type' are not enforced")
            return untyped()
        if len(types) > 1:
            options = [{**schema, "type": t} for t in types]
            info = self._options(options, hint, module, path)
        else:
            info = self._single(types[0], schema, hint, module, path)
        info.nullable = info.nullable or nullable
        return info

    def _single(
        self, kind: str, schema: Mapping[str, object], hint: str, module: str, path: str
    ) -> TypeInfo:
        if kind == "string":
            return self._string(schema, path)
        if kind in ("integer", "number"):
            return number_type(kind, schema, path, self._source)
        if kind == "boolean":
            info = TypeInfo("StrictBool", True, violations=[wrong("boolean")], kind="bool")
            info.imports.add("pydantic:StrictBool")
            return info
        if kind == "array":
            return self._array(schema, hint, module, path)
        if kind == "object":
            return self._object(schema, hint, module, path)
        raise GenerationError(f"{self._source}: {path}.type: unknown JSON Schema type '{kind}'")
