"""Container types: arrays, tuples, maps, nested objects and unions.

An array maps to ``list[item]`` (``prefixItems`` to the ``tuple`` shapes its
length bounds allow), an object without declared properties to
``dict[str, value]``, a shaped object to a nested model, and ``anyOf``/
``oneOf`` or a list of types to ``A | B``, ``null`` folding into ``| None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from omninode_bridge.codegen.schema_base import TranslatorBase
from omninode_bridge.codegen.schema_merge import merge_all_of
from omninode_bridge.codegen.schema_specs import (
    MISSING,
    Violation,
)
from omninode_bridge.codegen.schema_types import (
    ENFORCED,
    TypeInfo,
    apply_examples,
    as_sequence,
    int_or_none,
    json_types,
    null_type,
    unique_name,
    untyped,
    wrong,
)

__all__ = ["ContainerTypes"]


class ContainerTypes(TranslatorBase):
    """Maps ``array``, ``object`` and union schemas, recursing into their members."""

    def _array(self, schema: Mapping[str, object], hint: str, module: str, path: str) -> TypeInfo:
        items = schema.get("items")
        prefix = as_sequence(schema.get("prefixItems"))
        if prefix or items is False:
            return self._tuple(schema, prefix, hint, module, path)
        item = (
            self._type(_schema_or_empty(items), f"{hint}Item", module, f"{path}.items")
            if items not in (None, True)
            else untyped()
        )
        info = TypeInfo(f"list[{item.inline()}]", [], violations=[wrong("array")], kind="list")
        info.absorb(item)
        min_items = int_or_none(schema.get("minItems"))
        max_items = int_or_none(schema.get("maxItems"))
        count = max(min_items or 0, 1)
        if max_items is not None:
            count = min(count, max_items)
        info.example = [item.example] * count
        if schema.get("uniqueItems") is True:
            info.validator("BeforeValidator", "_unique_items", "_unique_items")
            if count > 1:
                info.example = []  # distinct examples are not derived
                if min_items:
                    self.warn(path, "examples", "no example: uniqueItems with minItems > 1")
        if min_items:
            info.constraints.append(("min_length", str(min_items)))
            info.violations.append(Violation("min_items", [item.example] * (min_items - 1)))
        if max_items is not None:
            info.constraints.append(("max_length", str(max_items)))
            info.violations.append(Violation("max_items", [item.example] * (max_items + 1)))
        for bad in item.violations:
            if bad.value is not MISSING and bad.constraint != "type":
                info.violations.append(Violation(f"items_{bad.constraint}", [bad.value]))
                break
        apply_examples(info, schema)
        return info

    def _tuple(
        self,
        schema: Mapping[str, object],
        prefix: Sequence[object],
        hint: str,
        module: str,
        path: str,
    ) -> TypeInfo:
        members = [
            self._type(
                self._check_schema(s, f"{path}.prefixItems[{i}]"), f"{hint}Item{i}", module,
                f"{path}.prefixItems[{i}]",
            )
            for i, s in enumerate(prefix)
        ]  # fmt: skip
        items = schema.get("items")
        if items is not False:
            self.warn(path, "items", "items after prefixItems are not checked; type is a list")
            info = TypeInfo("list[JsonValue]", [m.example for m in members], kind="list")
            info.imports.add("pydantic:JsonValue")
            for member in members:
                info.absorb(member)
            info.violations.append(wrong("array"))
            return info
        low = min(max(int_or_none(schema.get("minItems")) or 0, 0), len(members))
        high = min(int_or_none(schema.get("maxItems")) or len(members), len(members))
        shapes = []
        for length in range(high, low - 1, -1):
            inner = ", ".join(m.inline() for m in members[:length]) if length else "()"
            shapes.append(f"tuple[{inner}]")
        info = TypeInfo(" | ".join(shapes) or "tuple[()]", [m.example for m in members[:high]])
        info.kind = "tuple"
        for member in members:
            info.absorb(member)
        info.violations.append(wrong("array"))
        info.violations.append(Violation("items", [m.example for m in members] + ["extra"]))
        return info

    def _object(self, schema: Mapping[str, object], hint: str, module: str, path: str) -> TypeInfo:
        extra = schema.get("additionalProperties")
        shaped = (
            any(
                k in schema
                for k in ("properties", "patternProperties", "required", "minProperties")
            )
            or "maxProperties" in schema
            or extra is False
        )
        if shaped:
            name = unique_name(f"Model{hint}", self.models)
            self.add_model(name, schema, module=module, path=path)
            return self._model_info(name)
        value = (
            self._type(
                _schema_or_empty(extra), f"{hint}Value", module, f"{path}.additionalProperties"
            )
            if isinstance(extra, Mapping)
            else untyped()
        )
        info = TypeInfo(
            f"dict[str, {value.inline()}]",
            {"key": value.example},
            violations=[wrong("object")],
            kind="dict",
        )
        info.absorb(value)
        return info

    def _union(
        self, schema: Mapping[str, object], key: str, hint: str, module: str, path: str
    ) -> TypeInfo:
        options = [
            self._check_schema(o, f"{path}.{key}[{i}]")
            for i, o in enumerate(as_sequence(schema[key]))
        ]
        siblings = {k: v for k, v in schema.items() if k != key and k in ENFORCED}
        if siblings:
            options = [merge_all_of([siblings, o], path=path, warn=self.warn) for o in options]
        if key == "oneOf" and not _disjoint(options):
            self.warn(path, "oneOf", "treated as anyOf: more than one match is not rejected")
        return self._options(options, hint, module, f"{path}.{key}")

    def _options(
        self, options: Sequence[Mapping[str, object]], hint: str, module: str, path: str
    ) -> TypeInfo:
        infos = [
            self._type(option, f"{hint}Option{index}", module, f"{path}[{index}]")
            for index, option in enumerate(options)
        ]
        annotations: list[str] = []
        nullable = False
        for info in infos:
            if info.annotation == "None" or info.nullable:
                nullable = True
            if info.annotation == "None":
                continue
            info.nullable = False
            text = info.inline()
            if text not in annotations:
                annotations.append(text)
        if not annotations:
            return null_type()
        merged = TypeInfo(" | ".join(annotations), infos[0].example, kind="union")
        if len(annotations) == 1:
            merged.kind = "union-single"
        merged.nullable = nullable
        for info in infos:
            merged.absorb(info)
        return merged


def _schema_or_empty(value: object) -> Mapping[str, object]:
    if value is False:
        return {"not": {}}
    return value if isinstance(value, Mapping) else {}


def _disjoint(options: Sequence[Mapping[str, object]]) -> bool:
    """Whether at most one option can match any instance (by type or const)."""
    kinds: list[str] = []
    for option in options:
        if "const" in option:
            kinds.append(f"const:{option['const']!r}")
            continue
        types = json_types(option)
        if len(types) != 1 or "enum" in option:
            return False
        kinds.append("number" if types[0] == "integer" else types[0])
    return len(kinds) == len(set(kinds))
