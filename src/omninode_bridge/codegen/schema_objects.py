"""Object schemas to models: fields, defaults, and the object-level keywords.

A property becomes a :class:`FieldSpec` (its Python name, alias, default and
the rejected values of its type); ``additionalProperties``,
``patternProperties``, ``minProperties``/``maxProperties`` and the null
checks of optional fields become class-body validator lines.
"""

from __future__ import annotations

from collections.abc import Mapping

from omninode_bridge.codegen.naming import pascal_case
from omninode_bridge.codegen.schema_base import TranslatorBase
from omninode_bridge.codegen.schema_names import python_field_names
from omninode_bridge.codegen.schema_specs import (
    MISSING,
    FieldSpec,
    Json,
    ModelSpec,
    Violation,
)
from omninode_bridge.codegen.schema_types import (
    TypeInfo,
    as_mapping,
    as_sequence,
    int_or_none,
    one_line,
    raw_string,
    to_json,
)

__all__ = ["ObjectModels"]

_CHECKABLE_DEFAULTS = frozenset({"str", "int", "float", "bool", "enum"})


class ObjectModels(TranslatorBase):
    """Builds a :class:`ModelSpec` from an object schema already flattened."""

    def _build_model(
        self, name: str, schema: Mapping[str, object], module: str, path: str
    ) -> ModelSpec:
        self._note_unsupported(schema, path)
        properties = dict(as_mapping(schema.get("properties")))
        required = [str(item) for item in as_sequence(schema.get("required"))]
        for extra_name in required:
            properties.setdefault(extra_name, {})
        names = python_field_names(str(key) for key in properties)
        fields: list[FieldSpec] = []
        infos: list[TypeInfo] = []
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
        infos: list[TypeInfo],
        path: str,
    ) -> ModelSpec:
        owner = TypeInfo(name, None)
        for info in infos:
            owner.absorb(info)
        lines, extra = self._object_rules(name, schema, fields, owner, module, path)
        description = str(schema.get("description") or f"{name} generated from {self.origin}.")
        return ModelSpec(
            name=name,
            module=module,
            description=one_line(description),
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
        owner: TypeInfo,
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
        patterns = as_mapping(schema.get("patternProperties"))
        low = int_or_none(schema.get("minProperties"))
        high = int_or_none(schema.get("maxProperties"))
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
        owner: TypeInfo,
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
                f"if re.search({raw_string(str(pattern))}, key):",
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
    ) -> tuple[FieldSpec, TypeInfo]:
        hint = f"{owner.removeprefix('Model')}{pascal_case(json_name) or 'Field'}"
        info = self._type(schema, hint, module, path)
        has_default = "default" in schema
        default_value: Json = to_json(schema.get("default")) if has_default else None
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
            description=one_line(str(schema.get("description") or "")),
            example=info.example,
            violations=tuple(violations),
            default_value=default_value,
            has_checkable_default=has_default and info.kind in _CHECKABLE_DEFAULTS,
            validate_default=validate_default,
            rejects_null=rejects_null,
            has_example=required or info.kind != "recursive",
        )
        return spec, info


def _default_source(value: Json, info: TypeInfo) -> str:
    if info.kind == "enum" and isinstance(value, str):
        return f"{info.annotation.split(' | ')[0]}({value!r})"
    return repr(value)


def _default_is_valid(
    schema: Mapping[str, object], value: Json, definitions: Mapping[str, object]
) -> bool:
    """Whether ``value`` satisfies ``schema`` (a JSON Schema validator never checks defaults)."""
    # imported here: only schemas with defaults pay for jsonschema (``omninode models`` start-up)
    import jsonschema
    import referencing.exceptions

    document = {**schema, "$defs": dict(definitions), "definitions": dict(definitions)}
    try:
        validator = jsonschema.Draft202012Validator(
            document, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        return bool(validator.is_valid(value))
    except (jsonschema.exceptions.SchemaError, referencing.exceptions.Unresolvable):
        return True
