"""JSON Schema to model specs: types, enums, constraints, formats, nesting, refs, and errors."""

from __future__ import annotations

import pytest

from omninode_bridge.codegen.schema_models import MISSING, FieldSpec, ModelSpec, SchemaTranslator
from omninode_bridge.errors import GenerationError

SCHEMA = {
    "type": "object",
    "required": ["name", "count"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 2, "maxLength": 8, "pattern": "^[a-z]+$"},
        "count": {"type": "integer", "minimum": 1, "maximum": 10, "multipleOf": 2},
        "ratio": {"type": "number", "exclusiveMinimum": 0, "default": 0.5},
        "mode": {"type": "string", "enum": ["fast", "safe"], "default": "safe"},
        "when": {"type": "string", "format": "date-time"},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
        "owner": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "string", "format": "uuid"}},
        },
        "extra": {"type": "object", "additionalProperties": {"type": "integer"}},
        "anything": {},
        "maybe": {"type": ["string", "null"]},
        "level": {"enum": [1, 2, 3]},
        "ref": {"$ref": "#/definitions/Point"},
    },
}
DEFINITIONS = {"Point": {"type": "object", "properties": {"x": {"type": "number"}}}}


@pytest.fixture
def translator() -> SchemaTranslator:
    t = SchemaTranslator(definitions=DEFINITIONS, source="c.yaml")
    t.add_model("ModelThing", SCHEMA, module="model_input", path="input_schema")
    return t


def field(model: ModelSpec, name: str) -> FieldSpec:
    return next(f for f in model.fields if f.json_name == name)


def test_types_and_annotations(translator: SchemaTranslator) -> None:
    model = translator.models["ModelThing"]
    annotations = {f.json_name: f.annotation for f in model.fields}
    assert annotations == {
        "name": "str",
        "count": "int",
        "ratio": "float",
        "mode": "EnumThingMode",
        "when": "datetime | None",
        "tags": "list[str] | None",
        "owner": "ModelThingOwner | None",
        "extra": "dict[str, int] | None",
        "anything": "JsonValue | None",
        "maybe": "str | None",
        "level": "Literal[1, 2, 3] | None",
        "ref": "ModelPoint | None",
    }
    assert model.forbid_extra
    assert list(translator.models) == ["ModelThingOwner", "ModelPoint", "ModelThing"]
    assert translator.enums["EnumThingMode"].members == (("FAST", "fast"), ("SAFE", "safe"))


def test_constraints_and_defaults(translator: SchemaTranslator) -> None:
    model = translator.models["ModelThing"]
    assert dict(field(model, "name").constraints) == {
        "pattern": "r'^[a-z]+$'",
        "min_length": "2",
        "max_length": "8",
    }
    assert dict(field(model, "count").constraints) == {"ge": "1", "le": "10", "multiple_of": "2"}
    assert dict(field(model, "ratio").constraints) == {"gt": "0.0"}
    assert field(model, "ratio").default == "0.5"
    assert field(model, "mode").default == "EnumThingMode('safe')"
    assert dict(field(model, "tags").constraints) == {"min_length": "1", "max_length": "3"}
    assert field(model, "when").default == "None"


def test_valid_example_satisfies_every_constraint(translator: SchemaTranslator) -> None:
    payload = translator.models["ModelThing"].valid_payload
    assert payload["count"] == 2
    assert 2 <= len(str(payload["name"])) <= 8 and str(payload["name"]).isalpha()
    assert payload["ratio"] > 0
    assert payload["owner"] == {"id": "12345678-1234-4678-9234-567812345678"}


def test_one_violation_per_constraint(translator: SchemaTranslator) -> None:
    model = translator.models["ModelThing"]
    cases = dict(model.violation_payloads())
    assert "name" not in cases["name-required"]
    assert cases["count-maximum"]["count"] == 11
    assert cases["count-minimum"]["count"] == 0
    assert cases["count-multiple_of"]["count"] == 3
    assert cases["ratio-exclusive_minimum"]["ratio"] == 0.0
    assert cases["name-max_length"]["name"] == "x" * 9
    assert cases["mode-enum"]["mode"] == "__not_a_member__"
    assert cases["when-format_date_time"]["when"] == "not-a-valid-value"
    assert cases["tags-max_items"]["tags"] == ["example"] * 4
    assert "tags-min_items" in cases and "name-pattern" in cases


def test_identical_enums_are_shared() -> None:
    t = SchemaTranslator()
    schema = {"properties": {"a": {"enum": ["x", "y"]}, "b": {"enum": ["x", "y"]}}}
    model = t.add_model("ModelM", schema, module="m", path="p")
    assert field(model, "a").annotation == field(model, "b").annotation
    assert len(t.enums) == 1


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"properties": {"a": {"type": "strange"}}}, "unknown JSON Schema type 'strange'"),
        ({"properties": {"a": {"$ref": "#/definitions/Nope"}}}, "does not name an entry"),
        (
            {"properties": {"a": {"type": "integer", "minimum": 5, "maximum": 1}}},
            "no integer satisfies",
        ),
        ({"properties": {"a": {"enum": []}}}, "at least one value"),
        ({"properties": {"a-b": {}, "a_b": {}}}, "collides"),
    ],
)
def test_untranslatable_schemas_name_the_path(schema: dict[str, object], message: str) -> None:
    with pytest.raises(GenerationError, match=message) as caught:
        SchemaTranslator(source="c.yaml").add_model(
            "ModelM", schema, module="m", path="input_schema"
        )
    assert str(caught.value).startswith("c.yaml: input_schema.properties.a")


def test_missing_marker_is_distinct() -> None:
    assert repr(MISSING) == "MISSING"
