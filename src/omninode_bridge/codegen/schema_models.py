"""JSON Schema to pydantic v2 model specifications.

:class:`SchemaTranslator` turns a contract's JSON Schemas (``input_state``,
``output_state``, ``definitions``...) into :class:`ModelSpec` and
:class:`EnumSpec` records that the templates render. Every field carries a
valid example value and one rejected value per constraint, so the generated
tests prove each constraint of the contract is enforced: the trace from a
contract field to the code and the test that enforce it.

Supported: ``type`` (single or list, with ``null``), ``enum``, ``const``,
``required``, ``default``, ``minimum``/``maximum`` (and exclusive forms,
draft-4 booleans too), ``multipleOf``, ``minLength``/``maxLength``,
``pattern``, ``format`` (date-time, date, time, uuid, email, uri, ipv4, ipv6),
nested ``object`` with ``properties``, maps via ``additionalProperties``,
``array`` with ``items``/``minItems``/``maxItems``, local ``$ref`` to
``definitions``/``$defs``, ``anyOf``/``oneOf`` unions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from omninode_bridge.codegen.examples import matching_string, non_matching_string
from omninode_bridge.codegen.naming import constant_name, field_name, pascal_case, snake_case
from omninode_bridge.errors import GenerationError

__all__ = [
    "MISSING",
    "EnumSpec",
    "FieldSpec",
    "ModelSpec",
    "SchemaTranslator",
    "Violation",
]

Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]


class _Missing:
    """Marks a violation that removes the field from the payload."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()

_FORMATS: dict[str, tuple[str, str, str | None]] = {
    # format: (annotation, valid JSON example, import "module:name")
    "date-time": ("datetime", "2024-01-02T03:04:05Z", "datetime:datetime"),
    "date": ("date", "2024-01-02", "datetime:date"),
    "time": ("time", "03:04:05", "datetime:time"),
    "uuid": ("UUID", "12345678-1234-4678-9234-567812345678", "uuid:UUID"),
    "ipv4": ("IPv4Address", "192.0.2.1", "ipaddress:IPv4Address"),
    "ipv6": ("IPv6Address", "2001:db8::1", "ipaddress:IPv6Address"),
    "uri": ("AnyUrl", "https://example.com/", "pydantic:AnyUrl"),
}
_CHECKABLE_DEFAULTS = frozenset({"str", "int", "float", "bool", "enum"})
_EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_WRONG_TYPE: dict[str, Json] = {
    "string": 12345,
    "integer": "not-an-integer",
    "number": "not-a-number",
    "boolean": "not-a-boolean",
    "array": "not-an-array",
    "object": "not-an-object",
}


@dataclass(frozen=True, slots=True)
class EnumSpec:
    """A generated ``StrEnum``; ``members`` are ``(MEMBER_NAME, value)`` pairs."""

    name: str
    module: str
    members: tuple[tuple[str, str], ...]
    description: str


@dataclass(frozen=True, slots=True)
class Violation:
    """One rejected input: the field set to ``value`` breaks ``constraint``."""

    constraint: str
    value: object  # a JSON value, or MISSING to drop the field


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One model field, with everything the model and test templates need."""

    name: str
    json_name: str
    annotation: str
    required: bool
    default: str | None
    constraints: tuple[tuple[str, str], ...]
    description: str
    example: Json
    violations: tuple[Violation, ...]
    default_value: Json = None
    has_checkable_default: bool = False

    @property
    def alias(self) -> str | None:
        """The JSON name when it differs from the Python attribute name."""
        return None if self.json_name == self.name else self.json_name


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A generated pydantic model."""

    name: str
    module: str
    description: str
    fields: tuple[FieldSpec, ...]
    forbid_extra: bool
    imports: tuple[str, ...]
    model_refs: tuple[str, ...]
    enum_refs: tuple[str, ...]

    @property
    def valid_payload(self) -> dict[str, Json]:
        """A JSON payload that validates, with every field set."""
        return {f.json_name: f.example for f in self.fields}

    @property
    def minimal_payload(self) -> dict[str, Json]:
        """A JSON payload with only the required fields."""
        return {f.json_name: f.example for f in self.fields if f.required}

    def violation_payloads(self) -> list[tuple[str, dict[str, Json]]]:
        """``(case_id, payload)`` for every constraint violation of every field."""
        cases: list[tuple[str, dict[str, Json]]] = []
        for spec in self.fields:
            for violation in spec.violations:
                payload = dict(self.valid_payload)
                if violation.value is MISSING:
                    payload.pop(spec.json_name)
                else:
                    payload[spec.json_name] = violation.value  # type: ignore[assignment]
                cases.append((f"{spec.json_name}-{violation.constraint}", payload))
        return cases


@dataclass(slots=True)
class _TypeInfo:
    annotation: str
    example: Json
    constraints: list[tuple[str, str]] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    model_refs: set[str] = field(default_factory=set)
    enum_refs: set[str] = field(default_factory=set)
    kind: str = "other"


class SchemaTranslator:
    """Collects the models and enums of one contract.

    Args:
        definitions: The contract's named schemas, the targets of local ``$ref``.
        source: Where the schemas came from, for error messages.
    """

    def __init__(
        self, *, definitions: Mapping[str, object] | None = None, source: str = ""
    ) -> None:
        self._definitions = dict(definitions or {})
        self._source = source
        self.models: dict[str, ModelSpec] = {}
        self.enums: dict[str, EnumSpec] = {}
        self._enum_by_members: dict[tuple[str, ...], str] = {}
        self._resolving: set[str] = set()

    # -- public ---------------------------------------------------------------

    def add_model(
        self, name: str, schema: Mapping[str, object] | None, *, module: str, path: str
    ) -> ModelSpec:
        """Translate an object ``schema`` into model ``name`` (and its nested models)."""
        schema = self._deref(schema or {}, path)
        properties = _mapping(schema.get("properties"))
        required = {str(item) for item in _sequence(schema.get("required"))}
        fields: list[FieldSpec] = []
        infos: list[_TypeInfo] = []
        used_names: set[str] = set()
        for json_name, prop in properties.items():
            prop_path = f"{path}.properties.{json_name}"
            spec, info = self._field(
                name, str(json_name), _mapping(prop), json_name in required, module, prop_path
            )
            infos.append(info)
            if spec.name in used_names:
                raise GenerationError(
                    f"{self._source}: {prop_path}: property name collides with another "
                    f"property after conversion to '{spec.name}'"
                )
            used_names.add(spec.name)
            fields.append(spec)
        model = self._model(name, module, schema, fields, infos)
        self.models[name] = model
        return model

    # -- models ---------------------------------------------------------------

    def _model(
        self,
        name: str,
        module: str,
        schema: Mapping[str, object],
        fields: list[FieldSpec],
        infos: list[_TypeInfo],
    ) -> ModelSpec:
        imports: set[str] = set()
        refs: set[str] = set()
        enum_refs: set[str] = set()
        for info in infos:
            imports |= info.imports
            refs |= info.model_refs
            enum_refs |= info.enum_refs
        description = str(schema.get("description") or f"{name} generated from the contract.")
        return ModelSpec(
            name=name,
            module=module,
            description=_one_line(description),
            fields=tuple(fields),
            forbid_extra=schema.get("additionalProperties") is False,
            imports=tuple(sorted(imports)),
            model_refs=tuple(sorted(refs - {name})),
            enum_refs=tuple(sorted(enum_refs)),
        )

    def _field(
        self,
        owner: str,
        json_name: str,
        schema: Mapping[str, object],
        required: bool,
        module: str,
        path: str,
    ) -> tuple[FieldSpec, _TypeInfo]:
        hint = f"{owner.removeprefix('Model')}{pascal_case(json_name) or 'Field'}"
        info = self._type(schema, hint, module, path)
        python_name = field_name(json_name)
        has_default = "default" in schema
        default_value: Json = _json(schema.get("default")) if has_default else None
        nullable = not required and not has_default
        already_optional = info.annotation == "None" or info.annotation.endswith("| None")
        annotation = (
            f"{info.annotation} | None" if nullable and not already_optional else info.annotation
        )
        default_src = None
        if has_default:
            default_src = _default_source(default_value, info)
        elif nullable:
            default_src = "None"
        violations = list(info.violations)
        if required:
            violations.insert(0, Violation("required", MISSING))
        spec = FieldSpec(
            name=python_name,
            json_name=json_name,
            annotation=annotation,
            required=required,
            default=default_src,
            constraints=tuple(info.constraints),
            description=_one_line(str(schema.get("description") or "")),
            example=info.example,
            violations=tuple(violations),
            default_value=default_value,
            has_checkable_default=has_default and info.kind in _CHECKABLE_DEFAULTS,
        )
        return spec, info

    # -- types ----------------------------------------------------------------

    def _type(self, schema: Mapping[str, object], hint: str, module: str, path: str) -> _TypeInfo:
        schema = self._deref(schema, path)
        if "$ref" in schema:
            return self._ref(str(schema["$ref"]), module, path)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self._union(_sequence(schema[key]), hint, module, f"{path}.{key}")
        if "const" in schema:
            value = _json(schema["const"])
            return _TypeInfo(
                annotation=f"Literal[{value!r}]",
                example=value,
                violations=[Violation("const", _different(value))],
                imports={"typing:Literal"},
                kind="const",
            )
        if "enum" in schema:
            return self._enum(schema, hint, path)
        types = _types(schema)
        nullable = "null" in types
        types = [t for t in types if t != "null"]
        if not types:
            return self._untyped(nullable)
        if len(types) > 1:
            return self._union([{**schema, "type": t} for t in types], hint, module, path, nullable)
        info = self._single(types[0], schema, hint, module, path)
        if nullable:
            info.annotation = f"{info.annotation} | None"
        return info

    def _single(
        self, kind: str, schema: Mapping[str, object], hint: str, module: str, path: str
    ) -> _TypeInfo:
        if kind == "string":
            return self._string(schema, path)
        if kind in ("integer", "number"):
            return _number(kind, schema, path, self._source)
        if kind == "boolean":
            return _TypeInfo("bool", True, violations=[_wrong("boolean")], kind="bool")
        if kind == "array":
            return self._array(schema, hint, module, path)
        if kind == "object":
            return self._object(schema, hint, module, path)
        raise GenerationError(f"{self._source}: {path}.type: unknown JSON Schema type '{kind}'")

    def _untyped(self, nullable: bool) -> _TypeInfo:
        del nullable  # JsonValue already admits null
        return _TypeInfo("JsonValue", "value", imports={"pydantic:JsonValue"}, kind="json")

    def _string(self, schema: Mapping[str, object], path: str) -> _TypeInfo:
        fmt = str(schema.get("format", ""))
        if fmt in _FORMATS:
            annotation, example, import_ = _FORMATS[fmt]
            return _TypeInfo(
                annotation,
                example,
                # No wrong-type case: pydantic reads numbers as timestamps and addresses.
                violations=[Violation(f"format_{snake_case(fmt)}", "not-a-valid-value")],
                imports={import_} if import_ else set(),
                kind=fmt,
            )
        pattern = schema.get("pattern")
        if fmt == "email" and pattern is None:
            pattern = _EMAIL_PATTERN
        info = _TypeInfo("str", "example", violations=[_wrong("string")], kind="str")
        min_len = _int_or_none(schema.get("minLength"))
        max_len = _int_or_none(schema.get("maxLength"))
        if pattern is not None:
            info.constraints.append(("pattern", _raw_string(str(pattern))))
            sample = matching_string(str(pattern), min_length=min_len, max_length=max_len)
            bad = non_matching_string(str(pattern))
            if sample is None or bad is None:
                raise GenerationError(
                    f"{self._source}: {path}.pattern: cannot derive example strings for "
                    f"pattern {pattern!r}; add an 'examples' entry to the schema"
                )
            info.example = sample
            info.violations.append(Violation("pattern", bad))
        info.example = _fit_length(str(info.example), min_len, max_len)
        if min_len is not None and min_len > 0:
            info.constraints.append(("min_length", str(min_len)))
            info.violations.append(Violation("min_length", str(info.example)[: min_len - 1]))
        if max_len is not None:
            info.constraints.append(("max_length", str(max_len)))
            info.violations.append(Violation("max_length", "x" * (max_len + 1)))
        _apply_examples(info, schema)
        return info

    def _enum(self, schema: Mapping[str, object], hint: str, path: str) -> _TypeInfo:
        values = [_json(v) for v in _sequence(schema["enum"])]
        if not values:
            raise GenerationError(f"{self._source}: {path}.enum: an enum needs at least one value")
        nullable = None in values
        values = [v for v in values if v is not None]
        if all(isinstance(v, str) for v in values):
            name = self._enum_class(hint, [str(v) for v in values], schema)
            info = _TypeInfo(
                name,
                values[0],
                violations=[Violation("enum", "__not_a_member__")],
                enum_refs={name},
                kind="enum",
            )
        else:
            literal = ", ".join(repr(v) for v in values)
            info = _TypeInfo(
                f"Literal[{literal}]",
                values[0],
                violations=[Violation("enum", "__not_a_member__")],
                imports={"typing:Literal"},
                kind="literal",
            )
        if nullable:
            info.annotation = f"{info.annotation} | None"
        return info

    def _enum_class(self, hint: str, values: list[str], schema: Mapping[str, object]) -> str:
        key = tuple(values)
        if key in self._enum_by_members:
            return self._enum_by_members[key]
        name = _unique(f"Enum{hint}", self.enums)
        members: list[tuple[str, str]] = []
        seen: set[str] = set()
        for value in values:
            member = constant_name(value)
            while member in seen:
                member = f"{member}_"
            seen.add(member)
            members.append((member, value))
        description = _one_line(str(schema.get("description") or f"Allowed values of {hint}."))
        self.enums[name] = EnumSpec(
            name, f"enum_{snake_case(name[4:])}", tuple(members), description
        )
        self._enum_by_members[key] = name
        return name

    def _array(self, schema: Mapping[str, object], hint: str, module: str, path: str) -> _TypeInfo:
        items = schema.get("items")
        if isinstance(items, Mapping) and items:
            item = self._type(items, f"{hint}Item", module, f"{path}.items")
        else:
            item = self._untyped(False)
        info = _TypeInfo(
            f"list[{item.annotation}]",
            [],
            violations=[_wrong("array")],
            imports=set(item.imports),
            model_refs=set(item.model_refs),
            enum_refs=set(item.enum_refs),
            kind="list",
        )
        min_items = _int_or_none(schema.get("minItems"))
        max_items = _int_or_none(schema.get("maxItems"))
        count = max(min_items or 0, 1)
        if max_items is not None:
            count = min(count, max_items)
        info.example = [item.example] * count
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
        _apply_examples(info, schema)
        return info

    def _object(self, schema: Mapping[str, object], hint: str, module: str, path: str) -> _TypeInfo:
        if _mapping(schema.get("properties")):
            name = _unique(f"Model{hint}", self.models)
            model = self.add_model(name, schema, module=module, path=path)
            return _TypeInfo(
                name,
                model.valid_payload,
                violations=[_wrong("object")],
                model_refs={name},
                kind="model",
            )
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping) and extra:
            value = self._type(extra, f"{hint}Value", module, f"{path}.additionalProperties")
            return _TypeInfo(
                f"dict[str, {value.annotation}]",
                {"key": value.example},
                violations=[_wrong("object")],
                imports=set(value.imports),
                model_refs=set(value.model_refs),
                enum_refs=set(value.enum_refs),
                kind="dict",
            )
        return _TypeInfo(
            "dict[str, JsonValue]",
            {"key": "value"},
            violations=[_wrong("object")],
            imports={"pydantic:JsonValue"},
            kind="dict",
        )

    def _union(
        self,
        options: Sequence[object],
        hint: str,
        module: str,
        path: str,
        nullable: bool = False,
    ) -> _TypeInfo:
        infos = [
            self._type(_mapping(option), f"{hint}Option{index}", module, f"{path}[{index}]")
            for index, option in enumerate(options)
        ]
        annotations: list[str] = []
        for info in infos:
            if info.annotation not in annotations:
                annotations.append(info.annotation)
        if nullable and "None" not in annotations:
            annotations.append("None")
        merged = _TypeInfo(
            " | ".join(annotations), infos[0].example if infos else None, kind="union"
        )
        for info in infos:
            merged.imports |= info.imports
            merged.model_refs |= info.model_refs
            merged.enum_refs |= info.enum_refs
        return merged

    def _ref(self, ref: str, module: str, path: str) -> _TypeInfo:
        match = re.fullmatch(r"#/(?:definitions|\$defs)/([^/]+)", ref)
        if match is None or match.group(1) not in self._definitions:
            raise GenerationError(
                f"{self._source}: {path}.$ref: '{ref}' does not name an entry of 'definitions'"
            )
        target = match.group(1)
        target_schema = _mapping(self._definitions[target])
        if not _mapping(target_schema.get("properties")):
            return self._type(target_schema, pascal_case(target), module, f"definitions.{target}")
        name = f"Model{pascal_case(target)}"
        if name not in self.models and name not in self._resolving:
            self._resolving.add(name)
            self.add_model(
                name, target_schema, module="model_definitions", path=f"definitions.{target}"
            )
            self._resolving.discard(name)
        example = self.models[name].valid_payload if name in self.models else {}
        return _TypeInfo(
            name, example, violations=[_wrong("object")], model_refs={name}, kind="model"
        )

    def _deref(self, schema: Mapping[str, object], path: str) -> Mapping[str, object]:
        if not isinstance(schema, Mapping):
            raise GenerationError(f"{self._source}: {path}: expected a JSON Schema object")
        return schema


# -- helpers ------------------------------------------------------------------


def _number(kind: str, schema: Mapping[str, object], path: str, source: str) -> _TypeInfo:
    is_int = kind == "integer"
    info = _TypeInfo(
        "int" if is_int else "float",
        0,
        violations=[_wrong(kind)],
        kind="int" if is_int else "float",
    )
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
    _apply_examples(info, schema)
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


def _wrong(kind: str) -> Violation:
    return Violation("type", _WRONG_TYPE[kind])


def _apply_examples(info: _TypeInfo, schema: Mapping[str, object]) -> None:
    examples = _sequence(schema.get("examples"))
    if examples:
        info.example = _json(examples[0])
    elif "example" in schema:
        info.example = _json(schema["example"])


def _fit_length(value: str, min_len: int | None, max_len: int | None) -> str:
    if min_len is not None and len(value) < min_len:
        value = value + "x" * (min_len - len(value))
    if max_len is not None and len(value) > max_len:
        value = value[:max_len]
    return value


def _default_source(value: Json, info: _TypeInfo) -> str:
    if info.kind == "enum" and isinstance(value, str):
        return f"{info.annotation.split(' | ')[0]}({value!r})"
    return repr(value)


def _different(value: Json) -> Json:
    if isinstance(value, str):
        return value + "_other"
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return "__other__"


def _types(schema: Mapping[str, object]) -> list[str]:
    raw = schema.get("type")
    if raw is None:
        if "properties" in schema:
            return ["object"]
        if "items" in schema:
            return ["array"]
        return []
    if isinstance(raw, str):
        return [raw]
    return [str(item) for item in _sequence(raw)]


def _unique(name: str, taken: Mapping[str, object]) -> str:
    candidate, index = name, 2
    while candidate in taken:
        candidate, index = f"{name}{index}", index + 1
    return candidate


def _raw_string(pattern: str) -> str:
    if "'" not in pattern and not pattern.endswith("\\"):
        return f"r'{pattern}'"
    return repr(pattern)


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace('"""', "'''")


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: object) -> Sequence[object]:
    return value if isinstance(value, list | tuple) else ()


def _int_or_none(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _num_or_none(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _json(value: object) -> Json:
    """Copy ``value`` into plain JSON types (YAML may give dates, tuples...)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return str(value)
