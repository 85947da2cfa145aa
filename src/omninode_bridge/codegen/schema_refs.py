"""References: ``$ref`` to ``definitions``/``$defs``, the root, any JSON pointer.

A reference to an object schema becomes one named model, shared by every
reference to the same pointer; a reference back into a model being built
(recursion) names it before it exists. A root ``$ref`` or ``allOf`` is merged
into one schema first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from omninode_bridge.codegen.naming import pascal_case
from omninode_bridge.codegen.schema_base import TranslatorBase
from omninode_bridge.codegen.schema_merge import merge_all_of
from omninode_bridge.codegen.schema_types import (
    TypeInfo,
    as_mapping,
    as_sequence,
    json_types,
    unique_name,
)
from omninode_bridge.errors import GenerationError

__all__ = ["ReferenceResolver"]

_POINTER_REF = re.compile(r"#(/.*)?")
_DEFINITION_REF = re.compile(r"#/(?:definitions|\$defs)/([^/]+)")


class ReferenceResolver(TranslatorBase):
    """Resolves ``$ref`` pointers and flattens ``allOf`` into one schema."""

    def _flatten(self, schema: Mapping[str, object], path: str) -> Mapping[str, object]:
        """An object schema with a root ``$ref`` or ``allOf`` resolved into one."""
        if "allOf" in schema:
            members = [
                self._flatten(self._check_schema(m, f"{path}.allOf[{i}]"), f"{path}.allOf[{i}]")
                for i, m in enumerate(as_sequence(schema["allOf"]))
            ]
            rest = {k: v for k, v in schema.items() if k != "allOf"}
            return merge_all_of([rest, *members], path=path, warn=self.warn)
        if "$ref" in schema:
            target = self._resolve_pointer(str(schema["$ref"]), path)
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return merge_all_of([rest, self._flatten(target, path)], path=path, warn=self.warn)
        return schema

    def _ref(self, ref: str, module: str, path: str) -> TypeInfo:
        target = self._definition_name(ref)
        if target is not None:
            return self._named(
                ref, pascal_case(target), as_mapping(self._definitions[target]),
                "model_definitions", f"definitions.{target}",
            )  # fmt: skip
        if ref == "#" and self._root is not None:
            return self._model_info(self._root[0])
        target_schema = self._resolve_pointer(ref, path)
        last = ref.rstrip("/").rsplit("/", 1)[-1]
        return self._named(ref, pascal_case(last) or "Ref", target_schema, module, ref)

    def _named(
        self, ref: str, stem: str, target: Mapping[str, object], module: str, path: str
    ) -> TypeInfo:
        if not _is_object_schema(target):
            return self._type(target, stem, module, path)
        name = self._by_pointer.get(ref) or unique_name(f"Model{stem}", self.models)
        self._by_pointer[ref] = name
        if name not in self.models and name not in self._resolving:
            self.add_model(name, target, module=module, path=path)
        return self._model_info(name)

    def _definition_name(self, ref: str) -> str | None:
        """The entry of ``definitions`` that ``#/definitions/X`` or ``#/$defs/X`` names."""
        match = _DEFINITION_REF.fullmatch(ref)
        if match is not None and match.group(1) in self._definitions:
            return match.group(1)
        return None

    def _resolve_pointer(self, ref: str, path: str) -> Mapping[str, object]:
        target = self._definition_name(ref)
        if target is not None:
            return as_mapping(self._definitions[target])
        document: object = self._root[1] if self._root is not None else None
        if _POINTER_REF.fullmatch(ref) is None or document is None:
            raise GenerationError(
                f"{self._source}: {path}.$ref: '{ref}' does not name an entry of 'definitions'"
            )
        for part in ref[2:].split("/") if len(ref) > 1 else ():
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(document, Mapping) and part in document:
                document = document[part]
            elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
                document = document[int(part)]
            else:
                raise GenerationError(
                    f"{self._source}: {path}.$ref: '{ref}' does not name an entry of 'definitions'"
                )
        return self._check_schema(document, path)


def _is_object_schema(schema: Mapping[str, object]) -> bool:
    return "object" in json_types(schema) and any(
        k in schema for k in ("properties", "patternProperties", "required", "allOf")
    )
