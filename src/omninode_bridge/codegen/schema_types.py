"""A type under construction and the JSON helpers the translator shares.

:class:`TypeInfo` gathers what one schema maps to: the annotation, a valid
example, the ``Field`` constraints, a rejected value per constraint, and the
imports, helpers and models the annotation needs. The functions read schema
keywords and JSON values without raising on unexpected shapes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from omninode_bridge.codegen.schema_specs import Json, Violation

__all__ = [
    "ENFORCED",
    "TypeInfo",
    "apply_examples",
    "as_mapping",
    "as_sequence",
    "assertions",
    "int_or_none",
    "json_types",
    "null_type",
    "one_line",
    "raw_string",
    "to_json",
    "unique_name",
    "untyped",
    "wrong",
]

_WRONG_TYPE: dict[str, Json] = {
    "string": 12345,
    "integer": "not-an-integer",
    "number": "not-a-number",
    "boolean": "not-a-boolean",
    "array": "not-an-array",
    "object": "not-an-object",
    "null": "not-null",
}


#: Keywords the translator enforces.
ENFORCED = frozenset(
    {
        "type", "enum", "const", "properties", "required", "additionalProperties",
        "patternProperties", "minProperties", "maxProperties", "items", "prefixItems",
        "minItems", "maxItems", "uniqueItems", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "format",
        "anyOf", "oneOf", "allOf", "$ref",
    }
)  # fmt: skip


@dataclass(slots=True)
class TypeInfo:
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

    def absorb(self, other: TypeInfo) -> None:
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


def wrong(kind: str) -> Violation:
    return Violation("type", _WRONG_TYPE[kind])


def untyped() -> TypeInfo:
    return TypeInfo("JsonValue", "value", imports={"pydantic:JsonValue"}, kind="json")


def null_type() -> TypeInfo:
    """The type of a schema that accepts only ``null``."""
    return TypeInfo("None", None, violations=[wrong("null")], kind="null")


def assertions(schema: Mapping[str, object]) -> set[str]:
    return {str(k) for k in schema if k in ENFORCED}


def apply_examples(info: TypeInfo, schema: Mapping[str, object]) -> None:
    examples = as_sequence(schema.get("examples"))
    if examples:
        info.example = to_json(examples[0])
    elif "example" in schema:
        info.example = to_json(schema["example"])


def json_types(schema: Mapping[str, object]) -> list[str]:
    raw = schema.get("type")
    if raw is None:
        if "properties" in schema:
            return ["object"]
        if "items" in schema:
            return ["array"]
        return []
    if isinstance(raw, str):
        return [raw]
    return [str(item) for item in as_sequence(raw)]


def unique_name(name: str, taken: Mapping[str, object]) -> str:
    candidate, index = name, 2
    while candidate in taken:
        candidate, index = f"{name}{index}", index + 1
    return candidate


def raw_string(pattern: str) -> str:
    if "'" not in pattern and not pattern.endswith("\\"):
        return f"r'{pattern}'"
    return repr(pattern)


def one_line(text: str) -> str:
    return " ".join(text.split()).replace('"""', "'''")


def as_mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def as_sequence(value: object) -> Sequence[object]:
    return value if isinstance(value, list | tuple) else ()


def int_or_none(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def to_json(value: object) -> Json:
    """Copy ``value`` into plain JSON types (YAML may give dates, tuples...)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return str(value)
