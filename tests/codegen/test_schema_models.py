"""JSON Schema to model specs: types, enums, constraints, formats, nesting, refs, and errors."""

from __future__ import annotations

import pytest

from omninode_bridge.codegen.schema_models import (
    MISSING,
    FieldSpec,
    ModelSpec,
    SchemaTranslator,
    SchemaWarning,
)
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
        "count": "Annotated[int, BeforeValidator(_json_integer)]",
        "ratio": "StrictFloat",
        "mode": "EnumThingMode",
        "when": (
            "Annotated[AwareDatetime, BeforeValidator(_format_date_time), "
            "BeforeValidator(_json_string)] | None"
        ),
        "tags": "list[str] | None",
        "owner": "ModelThingOwner | None",
        "extra": "dict[str, Annotated[int, BeforeValidator(_json_integer)]] | None",
        "anything": "JsonValue | None",
        "maybe": "str | None",
        "level": (
            "Annotated[Literal[1, 2, 3], BeforeValidator(partial(_member_of, (1, 2, 3)))] | None"
        ),
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


def test_colliding_and_reserved_names_get_safe_names_with_aliases() -> None:
    schema = {
        "properties": {
            "fooBar": {},
            "foo_bar": {},
            "str": {},
            "model_dump": {},
            "class": {},
        }
    }
    model = SchemaTranslator().add_model("ModelM", schema, module="m", path="p")
    names = {f.json_name: (f.name, f.alias) for f in model.fields}
    assert names == {
        "fooBar": ("foo_bar_2", "fooBar"),
        "foo_bar": ("foo_bar", None),
        "str": ("str_", "str"),
        "model_dump": ("model_dump_", "model_dump"),
        "class": ("class_", "class"),
    }


def test_nested_constraints_and_null_branches_are_kept() -> None:
    schema = {
        "properties": {
            "u": {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]},
            "items": {"type": "array", "items": {"type": "string", "minLength": 2}},
            "z": {"type": "null"},
        }
    }
    model = SchemaTranslator().add_model("ModelM", schema, module="m", path="p")
    assert field(model, "u").annotation == "Annotated[str, Field(max_length=3)] | None"
    assert field(model, "items").annotation == "list[Annotated[str, Field(min_length=2)]] | None"
    assert field(model, "z").annotation == "None"
    assert not field(model, "u").rejects_null
    assert field(model, "items").rejects_null


def test_a_default_that_breaks_its_schema_is_not_validated_and_warned() -> None:
    t = SchemaTranslator()
    schema = {"properties": {"n": {"type": "integer", "minimum": 5, "default": 1}}}
    model = t.add_model("ModelM", schema, module="m", path="p")
    assert not field(model, "n").validate_default
    assert (
        SchemaWarning("p.properties.n", "default", "the default breaks the property's own schema")
        in t.warnings
    )


def test_unenforced_keywords_are_reported_with_their_path() -> None:
    t = SchemaTranslator()
    schema = {
        "properties": {
            "a": {"type": "string", "not": {"const": "x"}},
            "b": {"type": "string", "format": "iri"},
        },
        "dependentRequired": {"a": ["b"]},
    }
    t.add_model("ModelM", schema, module="m", path="input_schema")
    found = {(w.path, w.keyword) for w in t.warnings}
    assert found == {
        ("input_schema.properties.a", "not"),
        ("input_schema.properties.b", "format"),
        ("input_schema", "dependentRequired"),
    }


def test_all_of_root_and_recursive_root_ref() -> None:
    t = SchemaTranslator()
    schema = {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"kids": {"type": "array", "items": {"$ref": "#"}}}},
        ]
    }
    model = t.add_model("ModelTree", schema, module="m", path="p")
    assert [f.json_name for f in model.fields] == ["a", "kids"]
    assert field(model, "a").required
    assert field(model, "kids").annotation == "list[ModelTree] | None"
