"""Scalar types: strings, formats, numbers, enums and constants.

Each maps to an annotation with its ``Field`` constraints, a valid example
that satisfies them all (a string matching ``pattern`` within the lengths, a
number within the bounds on the ``multipleOf`` grid) and one rejected value
per constraint. String ``enum`` values become a ``StrEnum`` class, shared by
every property with the same members.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from omninode_bridge.codegen.examples import matching_string, non_matching_string
from omninode_bridge.codegen.naming import constant_name, snake_case
from omninode_bridge.codegen.schema_base import TranslatorBase
from omninode_bridge.codegen.schema_helpers import FORMAT_HELPERS
from omninode_bridge.codegen.schema_specs import (
    EnumSpec,
    Json,
    Violation,
)
from omninode_bridge.codegen.schema_types import (
    TypeInfo,
    apply_examples,
    int_or_none,
    null_type,
    one_line,
    raw_string,
    to_json,
    unique_name,
    wrong,
)
from omninode_bridge.errors import GenerationError

__all__ = ["ScalarTypes", "key_to_case", "number_type"]

#: format -> (annotation, valid example, import) for formats parsed into a typed value.
_TYPED_FORMATS: dict[str, tuple[str, str, str]] = {
    "date-time": ("AwareDatetime", "2024-01-02T03:04:05Z", "pydantic:AwareDatetime"),
    "date": ("date", "2024-01-02", "datetime:date"),
    "time": ("time", "03:04:05Z", "datetime:time"),
    "uuid": ("UUID", "12345678-1234-4678-9234-567812345678", "uuid:UUID"),
    "ipv4": ("IPv4Address", "192.0.2.1", "ipaddress:IPv4Address"),
    "ipv6": ("IPv6Address", "2001:db8::1", "ipaddress:IPv6Address"),
}


#: Examples for formats kept as ``str`` and checked by a helper.
_STR_FORMAT_EXAMPLES: dict[str, str] = {
    "email": "user@example.com",
    "uri": "https://example.com/",
    "uri-reference": "/path",
    "hostname": "example.com",
    "duration": "P1D",
    "json-pointer": "/a/b",
    "regex": "^a+$",
}


class ScalarTypes(TranslatorBase):
    """Maps ``string``, ``enum`` and ``const`` schemas (numbers: :func:`number_type`)."""

    def _string(self, schema: Mapping[str, object], path: str) -> TypeInfo:
        fmt = str(schema.get("format", ""))
        if fmt in _TYPED_FORMATS:
            return self._typed_format(fmt, schema, path)
        info = TypeInfo("str", "example", violations=[wrong("string")], kind="str")
        if fmt in FORMAT_HELPERS:
            info.validator("BeforeValidator", FORMAT_HELPERS[fmt], FORMAT_HELPERS[fmt])
            info.example = _STR_FORMAT_EXAMPLES[fmt]
            info.violations.append(Violation(f"format_{snake_case(fmt)}", " not valid"))
            info.kind = "str-format"
        elif fmt:
            self.warn(path, "format", f"format '{fmt}' is not checked")
        min_len = int_or_none(schema.get("minLength"))
        max_len = int_or_none(schema.get("maxLength"))
        pattern = schema.get("pattern")
        if pattern is not None:
            info.constraints.append(("pattern", raw_string(str(pattern))))
            sample = matching_string(str(pattern), min_length=min_len, max_length=max_len)
            bad = non_matching_string(str(pattern))
            if sample is not None and not info.kind.endswith("format"):
                info.example = sample
            if bad is not None:
                info.violations.append(Violation("pattern", bad))
        if not info.kind.endswith("format"):
            info.example = _fit_length(str(info.example), min_len, max_len)
        if min_len is not None and min_len > 0:
            info.constraints.append(("min_length", str(min_len)))
            info.violations.append(Violation("min_length", str(info.example)[: min_len - 1]))
        if max_len is not None:
            info.constraints.append(("max_length", str(max_len)))
            info.violations.append(Violation("max_length", "x" * (max_len + 1)))
        apply_examples(info, schema)
        return info

    def _typed_format(self, fmt: str, schema: Mapping[str, object], path: str) -> TypeInfo:
        annotation, example, import_ = _TYPED_FORMATS[fmt]
        info = TypeInfo(
            annotation,
            example,
            violations=[Violation(f"format_{snake_case(fmt)}", "not-a-valid-value")],
            imports={import_},
            kind=fmt,
        )
        if fmt in FORMAT_HELPERS:
            info.validator("BeforeValidator", FORMAT_HELPERS[fmt], FORMAT_HELPERS[fmt])
        info.validator("BeforeValidator", "_json_string", "_json_string")
        for keyword in ("minLength", "maxLength", "pattern"):
            if keyword in schema:
                self.warn(path, keyword, f"not enforced on a '{fmt}' string")
        apply_examples(info, schema)
        return info

    def _enum(
        self,
        values_raw: list[object],
        schema: Mapping[str, object],
        hint: str,
        path: str,
        keyword: str,
    ) -> TypeInfo:
        values = [to_json(v) for v in values_raw]
        if not values:
            raise GenerationError(f"{self._source}: {path}.enum: an enum needs at least one value")
        nullable = None in values
        values = [v for v in values if v is not None]
        if not values:
            return null_type()
        bad = Violation(keyword, "__not_a_member__" if keyword == "enum" else _different(values[0]))
        if all(isinstance(v, str) for v in values):
            if keyword == "enum":
                name = self._enum_class(hint, [str(v) for v in values], schema)
                info = TypeInfo(name, values[0], violations=[bad], enum_refs={name}, kind="enum")
            else:
                info = TypeInfo(f"Literal[{values[0]!r}]", values[0], violations=[bad])
                info.imports.add("typing:Literal")
        elif all(isinstance(v, str | int) for v in values):
            literal = ", ".join(repr(v) for v in values)
            info = TypeInfo(f"Literal[{literal}]", values[0], violations=[bad], kind="literal")
            info.imports.add("typing:Literal")
            _member_check(info, values)
        else:
            numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
            info = TypeInfo("StrictFloat" if numbers else "JsonValue", values[0], violations=[bad])
            info.imports.add("pydantic:StrictFloat" if numbers else "pydantic:JsonValue")
            _member_check(info, values)
        info.nullable = nullable
        return info

    def _enum_class(self, hint: str, values: list[str], schema: Mapping[str, object]) -> str:
        key = tuple(values)
        if key in self._enum_by_members:
            return self._enum_by_members[key]
        name = unique_name(f"Enum{hint}", self.enums)
        members: list[tuple[str, str]] = []
        seen: set[str] = set()
        for value in values:
            member = constant_name(value)
            if member.startswith("_") or not member.isidentifier():
                member = f"VALUE_{member.strip('_')}"
            while member in seen or member in ("MRO",) or member.lower() in ("name", "value"):
                member = f"{member}_"
            seen.add(member)
            members.append((member, value))
        description = one_line(str(schema.get("description") or f"Allowed values of {hint}."))
        self.enums[name] = EnumSpec(
            name, f"enum_{snake_case(name[4:])}", tuple(members), description
        )
        self._enum_by_members[key] = name
        return name


def number_type(kind: str, schema: Mapping[str, object], path: str, source: str) -> TypeInfo:
    is_int = kind == "integer"
    info = TypeInfo(
        "int" if is_int else "StrictFloat",
        0,
        violations=[wrong(kind)],
        kind="int" if is_int else "float",
    )
    if is_int:
        info.validator("BeforeValidator", "_json_integer", "_json_integer")
    else:
        info.imports.add("pydantic:StrictFloat")
    bounds = _bounds(schema)
    step = 1 if is_int else 0.5
    low, high = _inclusive(bounds, step)
    example = _pick_number(low, high, _num_or_none(schema.get("multipleOf")), is_int)
    if example is None:
        raise GenerationError(f"{source}: {path}: no {kind} satisfies minimum/maximum/multipleOf")
    info.example = example
    for key, constraint, offset in (
        ("minimum", "ge", -step),
        ("exclusiveMinimum", "gt", 0),
        ("maximum", "le", step),
        ("exclusiveMaximum", "lt", 0),
    ):
        value = bounds.get(key)
        if value is not None:
            info.constraints.append((constraint, _num_src(value, is_int)))
            info.violations.append(Violation(key_to_case(key), _as_num(value + offset, is_int)))
    multiple = _num_or_none(schema.get("multipleOf"))
    if multiple is not None:
        info.constraints.append(("multiple_of", _num_src(multiple, is_int)))
        bad = example + (1 if is_int and multiple != 1 else multiple / 2)
        if not is_int or multiple != 1:
            info.violations.append(Violation("multiple_of", _as_num(bad, is_int)))
    apply_examples(info, schema)
    return info


def key_to_case(key: str) -> str:
    """Test-case suffix for a numeric bound keyword."""
    return snake_case(key)


def _bounds(schema: Mapping[str, object]) -> dict[str, float]:
    bounds: dict[str, float] = {}
    for key in ("minimum", "maximum"):
        value = _num_or_none(schema.get(key))
        if value is None:
            continue
        exclusive = schema.get(f"exclusive{key[0].upper()}{key[1:]}")
        if exclusive is True:  # draft-4 boolean form
            bounds[f"exclusive{key[0].upper()}{key[1:]}"] = value
        else:
            bounds[key] = value
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        value = _num_or_none(schema.get(key))
        if value is not None and not isinstance(schema.get(key), bool):
            bounds[key] = value
    return bounds


def _inclusive(bounds: Mapping[str, float], step: float) -> tuple[float | None, float | None]:
    low = bounds.get("minimum")
    if "exclusiveMinimum" in bounds:
        low = bounds["exclusiveMinimum"] + step
    high = bounds.get("maximum")
    if "exclusiveMaximum" in bounds:
        high = bounds["exclusiveMaximum"] - step
    return low, high


def _pick_number(
    low: float | None, high: float | None, multiple: float | None, is_int: bool
) -> float | int | None:
    start = low if low is not None else (min(high, 1) if high is not None else 1)
    if is_int:
        start = math.ceil(start)
    if multiple:
        start = math.ceil(start / multiple) * multiple
    if high is not None and start > high:
        return None
    return _as_num(start, is_int)


def _as_num(value: float, is_int: bool) -> int | float:
    return int(value) if is_int else float(value)


def _num_src(value: float, is_int: bool) -> str:
    if is_int and float(value).is_integer():
        return repr(int(value))
    return repr(float(value))


def _num_or_none(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _fit_length(value: str, min_len: int | None, max_len: int | None) -> str:
    if min_len is not None and len(value) < min_len:
        value = value + "x" * (min_len - len(value))
    if max_len is not None and len(value) > max_len:
        value = value[:max_len]
    return value


def _different(value: Json) -> Json:
    if isinstance(value, str):
        return value + "_other"
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return "__other__"


def _member_check(info: TypeInfo, values: Sequence[Json]) -> None:
    """Compare the raw value by JSON equality (``True`` is not ``1``, ``1.0`` is)."""
    info.imports.add("functools:partial")
    info.validator("BeforeValidator", f"partial(_member_of, {tuple(values)!r})", "_member_of")
