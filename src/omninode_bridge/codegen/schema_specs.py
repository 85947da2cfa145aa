"""The records a schema translation yields: models, fields, enums, warnings.

:class:`ModelSpec` and :class:`EnumSpec` are what the templates render. Every
:class:`FieldSpec` carries a valid example and one :class:`Violation` per
constraint, from which the generated tests build their accepted and rejected
payloads.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MISSING", "EnumSpec", "FieldSpec", "Json", "ModelSpec", "SchemaWarning", "Violation"]

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
