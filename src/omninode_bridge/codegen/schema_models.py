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

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import jsonschema
import referencing.exceptions

from omninode_bridge.codegen.examples import matching_string, non_matching_string
from omninode_bridge.codegen.naming import constant_name, pascal_case, snake_case
from omninode_bridge.codegen.schema_helpers import FORMAT_HELPERS
from omninode_bridge.codegen.schema_merge import merge_all_of
from omninode_bridge.codegen.schema_names import python_field_names
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

Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]


class _Missing:
    """Marks a violation that removes the field from the payload.

    One instance per process, also after pickling (specs travel to worker
    processes and back), so ``value is MISSING`` holds on either side.
    """

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING = _Missing()

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
_CHECKABLE_DEFAULTS = frozenset({"str", "int", "float", "bool", "enum"})
_WRONG_TYPE: dict[str, Json] = {
    "string": 12345,
    "integer": "not-an-integer",
    "number": "not-a-number",
    "boolean": "not-a-boolean",
    "array": "not-an-array",
    "object": "not-an-object",
    "null": "not-null",
}
#: Keywords that only annotate: never a reason to reject an instance.
_ANNOTATIONS = frozenset(
    {
        "$anchor", "$comment", "$id", "$schema", "$defs", "definitions", "contentEncoding",
        "contentMediaType", "contentSchema", "default", "deprecated", "description",
        "example", "examples", "readOnly", "title", "writeOnly", "$vocabulary",
    }
)  # fmt: skip
#: Keywords the translator enforces.
_ENFORCED = frozenset(
    {
        "type", "enum", "const", "properties", "required", "additionalProperties",
        "patternProperties", "minProperties", "maxProperties", "items", "prefixItems",
        "minItems", "maxItems", "uniqueItems", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "format",
        "anyOf", "oneOf", "allOf", "$ref",
    }
)  # fmt: skip
_POINTER_REF = re.compile(r"#(/.*)?")


@dataclass(frozen=True, slots=True)
class SchemaWarning:
    """A schema keyword the generated models do not enforce.

    Attributes:
        path: Where in the contract, e.g. ``input_schema.properties.tags``.
        keyword: The JSON Schema keyword.
        message: What happens instead.
    """

    path: str
    keyword: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}.{self.keyword}: {self.message}"


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
    """One model field, with everything the model and test templates need.

    ``validate_default`` is emitted as the field's own ``validate_default``
    when set: ``True`` for a default that must be parsed (a date, a nested
    model), ``False`` never needs saying (the models do not validate defaults,
    as a JSON Schema validator does not).
    """

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
    validate_default: bool = False
    rejects_null: bool = False
    has_example: bool = True

    @property
    def alias(self) -> str | None:
        """The JSON name when it differs from the Python attribute name."""
        return None if self.json_name == self.name else self.json_name


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A generated pydantic model.

    ``extra`` overrides the ``extra`` policy ``forbid_extra`` implies;
    ``class_lines`` are source lines (indented one level) emitted after the
    fields; ``helpers`` names the module-level helper definitions they and
    the annotations use.
    """

    name: str
    module: str
    description: str
    fields: tuple[FieldSpec, ...]
    forbid_extra: bool
    imports: tuple[str, ...]
    model_refs: tuple[str, ...]
    enum_refs: tuple[str, ...]
    extra: str = ""
    class_lines: tuple[str, ...] = ()
    helpers: tuple[str, ...] = ()

    @property
    def extra_policy(self) -> str:
        """pydantic's ``extra`` setting: ``forbid``, ``allow`` or ``ignore``."""
        return self.extra or ("forbid" if self.forbid_extra else "ignore")

    @property
    def valid_payload(self) -> dict[str, Json]:
        """A JSON payload that validates, with every field set."""
        return {f.json_name: f.example for f in self.fields if f.has_example}

    @property
    def minimal_payload(self) -> dict[str, Json]:
        """A JSON payload with only the required fields."""
        return {f.json_name: f.example for f in self.fields if f.required}

    def violation_payloads(self) -> list[tuple[str, dict[str, Json]]]:
        """``(case_id, payload)`` for every constraint violation of every field."""
        cases: list[tuple[str, dict[str, Json]]] = []
        for spec in self.fields:
            if not spec.has_example:
                continue
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
    """A type under construction: ``Annotated[annotation, Field(constraints), *metadata]``."""

    annotation: str
    example: Json
    constraints: list[tuple[str, str]] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    model_refs: set[str] = field(default_factory=set)
    enum_refs: set[str] = field(default_factory=set)
    helpers: set[str] = field(default_factory=set)
    metadata: list[str] = field(default_factory=list)
    nullable: bool = False
    kind: str = "other"

    def absorb(self, other: _TypeInfo) -> None:
        """Take over the imports and references ``other`` needs."""
        self.imports |= other.imports
        self.model_refs |= other.model_refs
        self.enum_refs |= other.enum_refs
        self.helpers |= other.helpers

    def inline(self, *, with_constraints: bool = True) -> str:
        """The type as one expression, constraints and validators included."""
        parts: list[str] = []
        if with_constraints and self.constraints:
            self.imports.add("pydantic:Field")
            parts.append("Field(" + ", ".join(f"{k}={v}" for k, v in self.constraints) + ")")
        parts.extend(self.metadata)
        text = self.annotation
        if parts:
            self.imports.add("typing:Annotated")
            text = f"Annotated[{text}, {', '.join(parts)}]"
        if self.nullable and self.annotation != "None":
            text = f"{text} | None"
        return text

    def validator(self, kind: str, call: str, helper: str) -> None:
        """Add ``BeforeValidator(call)`` (or ``AfterValidator``) using ``helper``."""
        self.metadata.append(f"{kind}({call})")
        self.imports.add(f"pydantic:{kind}")
        self.helpers.add(helper)


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
        self.warnings: list[SchemaWarning] = []
        self._enum_by_members: dict[tuple[str, ...], str] = {}
        self._resolving: set[str] = set()
        self._by_pointer: dict[str, str] = {}
        self._root: tuple[str, Mapping[str, object], str] | None = None

    # -- public ---------------------------------------------------------------

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

    def warn(self, path: str, keyword: str, message: str) -> None:
        """Record a keyword the generated models do not enforce."""
        warning = SchemaWarning(path, keyword, message)
        if warning not in self.warnings:
            self.warnings.append(warning)

    # -- models ---------------------------------------------------------------

    def _flatten(self, schema: Mapping[str, object], path: str) -> Mapping[str, object]:
        """An object schema with a root ``$ref`` or ``allOf`` resolved into one."""
        if "allOf" in schema:
            members = [
                self._flatten(self._check_schema(m, f"{path}.allOf[{i}]"), f"{path}.allOf[{i}]")
                for i, m in enumerate(_sequence(schema["allOf"]))
            ]
            rest = {k: v for k, v in schema.items() if k != "allOf"}
            return merge_all_of([rest, *members], path=path, warn=self.warn)
        if "$ref" in schema:
            target = self._resolve_pointer(str(schema["$ref"]), path)
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return merge_all_of([rest, self._flatten(target, path)], path=path, warn=self.warn)
        return schema

    def _build_model(
        self, name: str, schema: Mapping[str, object], module: str, path: str
    ) -> ModelSpec:
        self._note_unsupported(schema, path)
        properties = dict(_mapping(schema.get("properties")))
        required = [str(item) for item in _sequence(schema.get("required"))]
        for extra_name in required:
            properties.setdefault(extra_name, {})
        names = python_field_names(str(key) for key in properties)
        fields: list[FieldSpec] = []
        infos: list[_TypeInfo] = []
        for json_name, prop in properties.items():
            prop_path = f"{path}.properties.{json_name}"
            spec, info = self._field(
                name,
                str(json_name),
                names[str(json_name)],
                self._check_schema(prop, prop_path),
                json_name in required,
                module,
                prop_path,
            )
            infos.append(info)
            fields.append(spec)
        return self._model(name, module, schema, fields, infos, path)

    def _model(
        self,
        name: str,
        module: str,
        schema: Mapping[str, object],
        fields: list[FieldSpec],
        infos: list[_TypeInfo],
        path: str,
    ) -> ModelSpec:
        owner = _TypeInfo(name, None)
        for info in infos:
            owner.absorb(info)
        lines, extra = self._object_rules(name, schema, fields, owner, module, path)
        description = str(schema.get("description") or f"{name} generated from the contract.")
        return ModelSpec(
            name=name,
            module=module,
            description=_one_line(description),
            fields=tuple(fields),
            forbid_extra=extra == "forbid",
            imports=tuple(sorted(owner.imports)),
            model_refs=tuple(sorted(owner.model_refs - {name})),
            enum_refs=tuple(sorted(owner.enum_refs)),
            extra=extra,
            class_lines=tuple(lines),
            helpers=tuple(sorted(owner.helpers)),
        )

    def _object_rules(
        self,
        name: str,
        schema: Mapping[str, object],
        fields: list[FieldSpec],
        owner: _TypeInfo,
        module: str,
        path: str,
    ) -> tuple[list[str], str]:
        """Class-body lines for null checks and the object-level keywords; ``extra``."""
        lines: list[str] = []
        null_checked = [f.name for f in fields if f.rejects_null]
        if null_checked:
            owner.imports.add("pydantic:field_validator")
            names = ", ".join(repr(n) for n in null_checked)
            lines += [
                "",
                f"@field_validator({names}, mode='before')",
                "@classmethod",
                "def _reject_null(cls, value: object) -> object:",
                "    if value is None:",
                "        raise ValueError('null is not allowed here')",
                "    return value",
            ]
        additional = schema.get("additionalProperties", True)
        patterns = _mapping(schema.get("patternProperties"))
        low = _int_or_none(schema.get("minProperties"))
        high = _int_or_none(schema.get("maxProperties"))
        typed_extra: str | None = None
        if isinstance(additional, Mapping) and additional:
            extra_info = self._type(
                additional, f"{name.removeprefix('Model')}Extra", module,
                f"{path}.additionalProperties",
            )  # fmt: skip
            owner.absorb(extra_info)
            typed_extra = extra_info.inline()
            owner.absorb(extra_info)
        if not patterns and low is None and high is None:
            if typed_extra is not None:
                owner.imports.add("pydantic:Field")
                lines[:0] = [
                    "",
                    f"__pydantic_extra__: dict[str, {typed_extra}] = Field(init=False)",
                ]
                return lines, "allow"
            return lines, "forbid" if additional is False else "ignore"
        body = ["if not isinstance(data, dict):", "    return data"]
        if low is not None:
            body += [
                f"if len(data) < {low}:",
                f"    raise ValueError('fewer than {low} properties')",
            ]
        if high is not None:
            body += [
                f"if len(data) > {high}:",
                f"    raise ValueError('more than {high} properties')",
            ]
        checks = self._pattern_checks(name, patterns, owner, module, path)
        known = {f.json_name for f in fields}
        if additional is not False and typed_extra is None:
            checks = [line for line in checks if "matched = True" not in line]
        else:
            rejected = (
                'raise ValueError(f"unexpected property {key!r}")'
                if additional is False
                else f"TypeAdapter({typed_extra}).validate_python(value)"
            )
            if typed_extra is not None:
                owner.imports.add("pydantic:TypeAdapter")
            conditions = (["not matched"] if checks else []) + (
                [f"key not in {sorted(known)!r}"] if known else []
            )
            if conditions:
                checks += [f"if {' and '.join(conditions)}:", f"    {rejected}"]
            else:
                checks.append(rejected)
        if checks:
            loop = ["matched = False"] if any("matched" in c for c in checks) else []
            uses_key = any("key" in c for c in checks)
            body += [
                "for key, value in data.items():" if uses_key else "for value in data.values():"
            ]
            body += [f"    {line}" for line in loop + checks]
        owner.imports.add("pydantic:model_validator")
        lines += [
            "",
            "@model_validator(mode='before')",
            "@classmethod",
            "def _check_properties(cls, data: object) -> object:",
            *(f"    {line}" for line in body),
            "    return data",
        ]
        return lines, "allow"

    def _pattern_checks(
        self,
        name: str,
        patterns: Mapping[str, object],
        owner: _TypeInfo,
        module: str,
        path: str,
    ) -> list[str]:
        checks: list[str] = []
        for index, (pattern, sub) in enumerate(patterns.items()):
            sub_path = f"{path}.patternProperties.{pattern}"
            info = self._type(
                self._check_schema(sub, sub_path),
                f"{name.removeprefix('Model')}Pattern{index}", module, sub_path,
            )  # fmt: skip
            owner.absorb(info)
            owner.imports |= {"re", "pydantic:TypeAdapter"}
            checks += [
                f"if re.search({_raw_string(str(pattern))}, key):",
                "    matched = True",
                f"    TypeAdapter({info.inline()}).validate_python(value)",
            ]
            owner.absorb(info)
        return checks

    def _field(
        self,
        owner: str,
        json_name: str,
        python_name: str,
        schema: Mapping[str, object],
        required: bool,
        module: str,
        path: str,
    ) -> tuple[FieldSpec, _TypeInfo]:
        hint = f"{owner.removeprefix('Model')}{pascal_case(json_name) or 'Field'}"
        info = self._type(schema, hint, module, path)
        has_default = "default" in schema
        default_value: Json = _json(schema.get("default")) if has_default else None
        optional = not required and not has_default
        rejects_null = optional and not info.nullable and info.annotation != "None"
        annotation = info.inline(with_constraints=False)
        if optional and not info.nullable and info.annotation != "None":
            annotation = f"{annotation} | None"
        default_src = None
        validate_default = False
        if has_default:
            default_src = _default_source(default_value, info)
            valid = _default_is_valid(schema, default_value, self._definitions)
            if not valid:
                self.warn(path, "default", "the default breaks the property's own schema")
            validate_default = (
                valid and default_value is not None and info.kind not in (_CHECKABLE_DEFAULTS)
            )
        elif optional:
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
            validate_default=validate_default,
            rejects_null=rejects_null,
            has_example=required or info.kind != "recursive",
        )
        return spec, info

    # -- types ----------------------------------------------------------------

    def _type(self, schema: Mapping[str, object], hint: str, module: str, path: str) -> _TypeInfo:
        schema = self._check_schema(schema, path)
        if not schema:
            return _untyped()
        if "allOf" in schema or ("$ref" in schema and len(_assertions(schema)) > 1):
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
            return self._enum(list(_sequence(schema["enum"])), schema, hint, path, "enum")
        types = _types(schema)
        nullable = "null" in types
        types = [t for t in types if t != "null"]
        if not types:
            if nullable:
                return _TypeInfo("None", None, violations=[_wrong("null")], kind="null")
            if _assertions(schema) - {"type"}:
                self.warn(path, "type", "constraints without a 'type' are not enforced")
            return _untyped()
        if len(types) > 1:
            options = [{**schema, "type": t} for t in types]
            info = self._options(options, hint, module, path)
        else:
            info = self._single(types[0], schema, hint, module, path)
        info.nullable = info.nullable or nullable
        return info

    def _single(
        self, kind: str, schema: Mapping[str, object], hint: str, module: str, path: str
    ) -> _TypeInfo:
        if kind == "string":
            return self._string(schema, path)
        if kind in ("integer", "number"):
            return _number(kind, schema, path, self._source)
        if kind == "boolean":
            info = _TypeInfo("StrictBool", True, violations=[_wrong("boolean")], kind="bool")
            info.imports.add("pydantic:StrictBool")
            return info
        if kind == "array":
            return self._array(schema, hint, module, path)
        if kind == "object":
            return self._object(schema, hint, module, path)
        raise GenerationError(f"{self._source}: {path}.type: unknown JSON Schema type '{kind}'")

    def _string(self, schema: Mapping[str, object], path: str) -> _TypeInfo:
        fmt = str(schema.get("format", ""))
        if fmt in _TYPED_FORMATS:
            return self._typed_format(fmt, schema, path)
        info = _TypeInfo("str", "example", violations=[_wrong("string")], kind="str")
        if fmt in FORMAT_HELPERS:
            info.validator("BeforeValidator", FORMAT_HELPERS[fmt], FORMAT_HELPERS[fmt])
            info.example = _STR_FORMAT_EXAMPLES[fmt]
            info.violations.append(Violation(f"format_{snake_case(fmt)}", " not valid"))
            info.kind = "str-format"
        elif fmt:
            self.warn(path, "format", f"format '{fmt}' is not checked")
        min_len = _int_or_none(schema.get("minLength"))
        max_len = _int_or_none(schema.get("maxLength"))
        pattern = schema.get("pattern")
        if pattern is not None:
            info.constraints.append(("pattern", _raw_string(str(pattern))))
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
        _apply_examples(info, schema)
        return info

    def _typed_format(self, fmt: str, schema: Mapping[str, object], path: str) -> _TypeInfo:
        annotation, example, import_ = _TYPED_FORMATS[fmt]
        info = _TypeInfo(
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
        _apply_examples(info, schema)
        return info

    def _enum(
        self,
        values_raw: list[object],
        schema: Mapping[str, object],
        hint: str,
        path: str,
        keyword: str,
    ) -> _TypeInfo:
        values = [_json(v) for v in values_raw]
        if not values:
            raise GenerationError(f"{self._source}: {path}.enum: an enum needs at least one value")
        nullable = None in values
        values = [v for v in values if v is not None]
        if not values:
            return _TypeInfo("None", None, violations=[_wrong("null")], kind="null")
        bad = Violation(keyword, "__not_a_member__" if keyword == "enum" else _different(values[0]))
        if all(isinstance(v, str) for v in values):
            if keyword == "enum":
                name = self._enum_class(hint, [str(v) for v in values], schema)
                info = _TypeInfo(name, values[0], violations=[bad], enum_refs={name}, kind="enum")
            else:
                info = _TypeInfo(f"Literal[{values[0]!r}]", values[0], violations=[bad])
                info.imports.add("typing:Literal")
        elif all(isinstance(v, str | int) for v in values):
            literal = ", ".join(repr(v) for v in values)
            info = _TypeInfo(f"Literal[{literal}]", values[0], violations=[bad], kind="literal")
            info.imports.add("typing:Literal")
            _member_check(info, values)
        else:
            numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
            info = _TypeInfo("StrictFloat" if numbers else "JsonValue", values[0], violations=[bad])
            info.imports.add("pydantic:StrictFloat" if numbers else "pydantic:JsonValue")
            _member_check(info, values)
        info.nullable = nullable
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
            if member.startswith("_") or not member.isidentifier():
                member = f"VALUE_{member.strip('_')}"
            while member in seen or member in ("MRO",) or member.lower() in ("name", "value"):
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
        prefix = _sequence(schema.get("prefixItems"))
        if prefix or items is False:
            return self._tuple(schema, prefix, hint, module, path)
        item = (
            self._type(_schema_or_empty(items), f"{hint}Item", module, f"{path}.items")
            if items not in (None, True)
            else _untyped()
        )
        info = _TypeInfo(f"list[{item.inline()}]", [], violations=[_wrong("array")], kind="list")
        info.absorb(item)
        min_items = _int_or_none(schema.get("minItems"))
        max_items = _int_or_none(schema.get("maxItems"))
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
        _apply_examples(info, schema)
        return info

    def _tuple(
        self,
        schema: Mapping[str, object],
        prefix: Sequence[object],
        hint: str,
        module: str,
        path: str,
    ) -> _TypeInfo:
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
            info = _TypeInfo("list[JsonValue]", [m.example for m in members], kind="list")
            info.imports.add("pydantic:JsonValue")
            for member in members:
                info.absorb(member)
            info.violations.append(_wrong("array"))
            return info
        low = min(max(_int_or_none(schema.get("minItems")) or 0, 0), len(members))
        high = min(_int_or_none(schema.get("maxItems")) or len(members), len(members))
        shapes = []
        for length in range(high, low - 1, -1):
            inner = ", ".join(m.inline() for m in members[:length]) if length else "()"
            shapes.append(f"tuple[{inner}]")
        info = _TypeInfo(" | ".join(shapes) or "tuple[()]", [m.example for m in members[:high]])
        info.kind = "tuple"
        for member in members:
            info.absorb(member)
        info.violations.append(_wrong("array"))
        info.violations.append(Violation("items", [m.example for m in members] + ["extra"]))
        return info

    def _object(self, schema: Mapping[str, object], hint: str, module: str, path: str) -> _TypeInfo:
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
            name = _unique(f"Model{hint}", self.models)
            model = self.add_model(name, schema, module=module, path=path)
            return _TypeInfo(
                name,
                model.valid_payload,
                violations=[_wrong("object")],
                model_refs={name},
                kind="model",
            )
        value = (
            self._type(
                _schema_or_empty(extra), f"{hint}Value", module, f"{path}.additionalProperties"
            )
            if isinstance(extra, Mapping)
            else _untyped()
        )
        info = _TypeInfo(
            f"dict[str, {value.inline()}]",
            {"key": value.example},
            violations=[_wrong("object")],
            kind="dict",
        )
        info.absorb(value)
        return info

    def _union(
        self, schema: Mapping[str, object], key: str, hint: str, module: str, path: str
    ) -> _TypeInfo:
        options = [
            self._check_schema(o, f"{path}.{key}[{i}]")
            for i, o in enumerate(_sequence(schema[key]))
        ]
        siblings = {k: v for k, v in schema.items() if k != key and k in _ENFORCED}
        if siblings:
            options = [merge_all_of([siblings, o], path=path, warn=self.warn) for o in options]
        if key == "oneOf" and not _disjoint(options):
            self.warn(path, "oneOf", "treated as anyOf: more than one match is not rejected")
        return self._options(options, hint, module, f"{path}.{key}")

    def _options(
        self, options: Sequence[Mapping[str, object]], hint: str, module: str, path: str
    ) -> _TypeInfo:
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
            return _TypeInfo("None", None, violations=[_wrong("null")], kind="null")
        merged = _TypeInfo(" | ".join(annotations), infos[0].example, kind="union")
        if len(annotations) == 1:
            merged.kind = "union-single"
        merged.nullable = nullable
        for info in infos:
            merged.absorb(info)
        return merged

    # -- references -----------------------------------------------------------

    def _ref(self, ref: str, module: str, path: str) -> _TypeInfo:
        match = re.fullmatch(r"#/(?:definitions|\$defs)/([^/]+)", ref)
        if match is not None and match.group(1) in self._definitions:
            target = match.group(1)
            return self._named(
                ref, pascal_case(target), _mapping(self._definitions[target]),
                "model_definitions", f"definitions.{target}",
            )  # fmt: skip
        if ref == "#" and self._root is not None:
            return self._model_info(self._root[0])
        target_schema = self._resolve_pointer(ref, path)
        last = ref.rstrip("/").rsplit("/", 1)[-1]
        return self._named(ref, pascal_case(last) or "Ref", target_schema, module, ref)

    def _named(
        self, ref: str, stem: str, target: Mapping[str, object], module: str, path: str
    ) -> _TypeInfo:
        if not _is_object_schema(target):
            return self._type(target, stem, module, path)
        name = self._by_pointer.get(ref) or _unique(f"Model{stem}", self.models)
        self._by_pointer[ref] = name
        if name not in self.models and name not in self._resolving:
            self.add_model(name, target, module=module, path=path)
        return self._model_info(name)

    def _model_info(self, name: str) -> _TypeInfo:
        ready = name in self.models
        example: Json = self.models[name].valid_payload if ready else None
        kind = "model" if ready else "recursive"
        info = _TypeInfo(name, example, violations=[_wrong("object")], kind=kind)
        info.model_refs.add(name)
        return info

    def _resolve_pointer(self, ref: str, path: str) -> Mapping[str, object]:
        match = re.fullmatch(r"#/(?:definitions|\$defs)/([^/]+)", ref)
        if match is not None and match.group(1) in self._definitions:
            return _mapping(self._definitions[match.group(1)])
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

    # -- checks ---------------------------------------------------------------

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
            if key in _ENFORCED or key in _ANNOTATIONS or key.startswith("x-"):
                continue
            if key == "nullable":
                self.warn(path, key, "not a JSON Schema keyword: ignored (use type: [..., null])")
            else:
                self.warn(path, key, "not enforced by the generated model")


# -- helpers ------------------------------------------------------------------


def _number(kind: str, schema: Mapping[str, object], path: str, source: str) -> _TypeInfo:
    is_int = kind == "integer"
    info = _TypeInfo(
        "int" if is_int else "StrictFloat",
        0,
        violations=[_wrong(kind)],
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


def _member_check(info: _TypeInfo, values: Sequence[Json]) -> None:
    """Compare the raw value by JSON equality (``True`` is not ``1``, ``1.0`` is)."""
    info.imports.add("functools:partial")
    info.validator("BeforeValidator", f"partial(_member_of, {tuple(values)!r})", "_member_of")


def _untyped() -> _TypeInfo:
    return _TypeInfo("JsonValue", "value", imports={"pydantic:JsonValue"}, kind="json")


def _assertions(schema: Mapping[str, object]) -> set[str]:
    return {str(k) for k in schema if k in _ENFORCED}


def _schema_or_empty(value: object) -> Mapping[str, object]:
    if value is False:
        return {"not": {}}
    return value if isinstance(value, Mapping) else {}


def _is_object_schema(schema: Mapping[str, object]) -> bool:
    return "object" in _types(schema) and any(
        k in schema for k in ("properties", "patternProperties", "required", "allOf")
    )


def _disjoint(options: Sequence[Mapping[str, object]]) -> bool:
    """Whether at most one option can match any instance (by type or const)."""
    kinds: list[str] = []
    for option in options:
        if "const" in option:
            kinds.append(f"const:{option['const']!r}")
            continue
        types = _types(option)
        if len(types) != 1 or "enum" in option:
            return False
        kinds.append("number" if types[0] == "integer" else types[0])
    return len(kinds) == len(set(kinds))


def _default_is_valid(
    schema: Mapping[str, object], value: Json, definitions: Mapping[str, object]
) -> bool:
    """Whether ``value`` satisfies ``schema`` (a JSON Schema validator never checks defaults)."""
    document = {**schema, "$defs": dict(definitions), "definitions": dict(definitions)}
    try:
        validator = jsonschema.Draft202012Validator(
            document, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        return bool(validator.is_valid(value))
    except (jsonschema.exceptions.SchemaError, referencing.exceptions.Unresolvable):
        return True


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
