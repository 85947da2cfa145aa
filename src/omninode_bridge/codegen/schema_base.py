"""The state one schema translation shares: registries, warnings, schema checks.

:class:`TranslatorBase` holds the models and enums collected so far, the
warnings, and the ``$ref`` bookkeeping; the mixins of
:class:`~omninode_bridge.codegen.schema_models.SchemaTranslator` (objects,
references, containers, scalars) build on it and reach each other through
its two abstract methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping

from omninode_bridge.codegen.schema_specs import EnumSpec, Json, ModelSpec, SchemaWarning
from omninode_bridge.codegen.schema_types import ENFORCED, TypeInfo, wrong
from omninode_bridge.errors import GenerationError

__all__ = ["TranslatorBase"]

#: Keywords that only annotate: never a reason to reject an instance.
_ANNOTATIONS = frozenset(
    {
        "$anchor", "$comment", "$id", "$schema", "$defs", "definitions", "contentEncoding",
        "contentMediaType", "contentSchema", "default", "deprecated", "description",
        "example", "examples", "readOnly", "title", "writeOnly", "$vocabulary",
    }
)  # fmt: skip


class TranslatorBase(ABC):
    """Registries and checks common to every part of the translator.

    Takes the arguments of :class:`~omninode_bridge.codegen.schema_models.SchemaTranslator`.
    """

    def __init__(
        self,
        *,
        definitions: Mapping[str, object] | None = None,
        source: str = "",
        origin: str = "the contract",
    ) -> None:
        self._definitions = dict(definitions or {})
        self._source = source
        self.origin = origin
        self.models: dict[str, ModelSpec] = {}
        self.enums: dict[str, EnumSpec] = {}
        self.warnings: list[SchemaWarning] = []
        self._enum_by_members: dict[tuple[str, ...], str] = {}
        self._resolving: set[str] = set()
        self._by_pointer: dict[str, str] = {}
        self._root: tuple[str, Mapping[str, object], str] | None = None

    def warn(self, path: str, keyword: str, message: str) -> None:
        """Record a keyword the generated models do not enforce."""
        warning = SchemaWarning(path, keyword, message)
        if warning not in self.warnings:
            self.warnings.append(warning)

    def _check_schema(self, schema: object, path: str) -> Mapping[str, object]:
        if schema is True:
            return {}
        if schema is False:
            return {"not": {}}
        if not isinstance(schema, Mapping):
            raise GenerationError(f"{self._source}: {path}: expected a JSON Schema object")
        return schema

    def _note_unsupported(self, schema: Mapping[str, object], path: str) -> None:
        for key in schema:
            key = str(key)
            if key in ENFORCED or key in _ANNOTATIONS or key.startswith("x-"):
                continue
            if key == "nullable":
                self.warn(path, key, "not a JSON Schema keyword: ignored (use type: [..., null])")
            else:
                self.warn(path, key, "not enforced by the generated model")

    def _model_info(self, name: str) -> TypeInfo:
        """The type naming model ``name``, built or still being built (recursion)."""
        ready = name in self.models
        example: Json = self.models[name].valid_payload if ready else None
        kind = "model" if ready else "recursive"
        info = TypeInfo(name, example, violations=[wrong("object")], kind=kind)
        info.model_refs.add(name)
        return info

    @abstractmethod
    def add_model(
        self, name: str, schema: Mapping[str, object] | None, *, module: str, path: str
    ) -> ModelSpec:
        """Translate an object ``schema`` into model ``name`` (and its nested models)."""

    @abstractmethod
    def _type(self, schema: Mapping[str, object], hint: str, module: str, path: str) -> TypeInfo:
        """The type ``schema`` maps to; ``hint`` names the models and enums it creates."""
