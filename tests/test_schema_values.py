"""The JSON Schema value checks shared by the contract loader and ``omninode models``."""

from __future__ import annotations

from omninode_bridge.schema_values import regex_problem, schema_problems


def test_regexes_must_compile_and_hold_no_control_character() -> None:
    assert regex_problem("^[a-z]+$") is None
    assert regex_problem("(") is not None
    assert regex_problem("a\nb") is not None
    assert regex_problem(5) is not None


def test_problems_are_found_in_nested_subschemas_with_their_paths() -> None:
    schema = {
        "properties": {
            "a": {"type": "string", "pattern": "["},
            "b": {"type": "array", "items": {"minItems": -1}},
            "c": {"anyOf": [{"type": "string"}, {"minLength": 4, "maxLength": 2}]},
        },
        "patternProperties": {"(": {}},
        "$defs": {"d": {"type": "number", "multipleOf": 0}},
    }
    fields = {field for field, _ in schema_problems("$", schema)}
    assert fields == {
        "$.properties.a.pattern",
        "$.properties.b.items.minItems",
        "$.properties.c.anyOf[1].minLength",
        "$.patternProperties.(",
        "$.$defs.d.multipleOf",
    }


def test_a_clean_schema_has_no_problem() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "maxLength": 3}}}
    assert list(schema_problems("input_schema", schema)) == []
