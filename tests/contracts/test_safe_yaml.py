"""Safe YAML reading: plain data, lines per field, hostile input refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from omninode_bridge.contracts.problems import ContractValidationError
from omninode_bridge.contracts.safe_yaml import YamlLimits, parse_yaml, read_bounded, read_yaml_file

BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def test_plain_data_and_lines() -> None:
    doc = parse_yaml("a: 1\nb:\n  c: [x, 2.5]\n  d: null\n  e: true\n", source="f.yaml")

    assert doc.data == {"a": 1, "b": {"c": ["x", 2.5], "d": None, "e": True}}
    assert doc.lines["a"] == 1
    assert doc.lines["b.c"] == 3
    assert doc.lines["b.c[1]"] == 3
    assert doc.lines["b.e"] == 5
    assert doc.problems == ()


def test_line_of_falls_back_to_the_closest_parent() -> None:
    doc = parse_yaml("top:\n  inner:\n    leaf: 1\n")

    assert doc.line_of("top.inner.missing[3]") == 2


def test_duplicate_keys_are_reported_with_both_lines() -> None:
    doc = parse_yaml("a: 1\nb: 2\na: 3\n", source="f.yaml")

    assert doc.data == {"a": 1, "b": 2}
    (problem,) = doc.problems
    assert str(problem) == "f.yaml:3: a: duplicate key 'a' (first defined on line 1)"


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo hacked']\n",
        "a: !!python/name:os.system ''\n",
        "a: !custom {x: 1}\n",
        "a: !!set {x, y}\n",
        "a: !!binary aGVsbG8=\n",
    ],
    ids=["python-apply", "python-name", "custom-tag", "set", "binary"],
)
def test_no_python_object_is_built_from_a_tag(text: str) -> None:
    doc = parse_yaml(text, source="f.yaml")

    assert doc.problems
    assert "is not allowed" in doc.problems[0].message
    assert doc.problems[0].line == 1
    value = doc.data["a"]
    assert value is None or isinstance(value, dict | list | str)


def test_alias_bomb_is_refused_quickly() -> None:
    with pytest.raises(ContractValidationError, match="refusing to load"):
        parse_yaml(BILLION_LAUGHS, source="bomb.yaml")


def test_too_many_alias_references_are_refused() -> None:
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 20) + "]\n"

    with pytest.raises(ContractValidationError, match="more than 10 alias references"):
        parse_yaml(text, limits=YamlLimits(max_aliases=10))


def test_a_few_aliases_are_fine() -> None:
    doc = parse_yaml("base: &base {retries: 3}\ncopy: *base\nmerged:\n  <<: *base\n  extra: 1\n")

    assert doc.data["copy"] == {"retries": 3}
    assert doc.data["merged"] == {"extra": 1, "retries": 3}


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(ContractValidationError, match="recursive alias"):
        parse_yaml("a: &a [1, *a]\n")


@pytest.mark.parametrize(
    "text",
    ["[" * 70 + "]" * 70, "[" * 200_000 + "]" * 200_000, "- " * 100_000 + "x"],
    ids=["flow", "very-deep-flow", "very-deep-compact-sequence"],
)
def test_deep_nesting_is_refused_without_crashing(text: str) -> None:
    # Behaviour, not wording: PyYAML releases differ in which of their own
    # limits fires first on very deep flow collections (6.0.4 has one of its
    # own), so the test asserts one clear refusal and no crash.
    with pytest.raises(ContractValidationError) as caught:
        parse_yaml(text, source="deep.yaml")
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].file == "deep.yaml"


def test_nesting_just_past_the_limit_names_the_limit() -> None:
    with pytest.raises(ContractValidationError, match="nesting deeper than 64 levels"):
        parse_yaml("[" * 70 + "]" * 70)


def test_oversized_text_is_refused() -> None:
    with pytest.raises(ContractValidationError, match="larger than 100 bytes"):
        parse_yaml("a: " + "x" * 200, limits=YamlLimits(max_bytes=100))


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 2000)

    with pytest.raises(ContractValidationError) as caught:
        read_yaml_file(path, limits=YamlLimits(max_bytes=1000))

    assert str(caught.value).endswith(f"{path}: file is larger than 1000 bytes")


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(ContractValidationError) as caught:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n", source="f.yaml")

    (problem,) = caught.value.problems
    assert problem.line == 3
    assert problem.message.startswith("invalid YAML:")


def test_several_documents_are_refused() -> None:
    with pytest.raises(ContractValidationError, match="invalid YAML"):
        parse_yaml("a: 1\n---\nb: 2\n")


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"a: caf\xe9\n")

    with pytest.raises(ContractValidationError, match="not UTF-8"):
        read_yaml_file(path)


def test_unreadable_path_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ContractValidationError, match="cannot read"):
        read_yaml_file(tmp_path / "absent.yaml")


def test_non_scalar_key_is_a_problem() -> None:
    doc = parse_yaml("? [a, b]\n: 1\n")

    assert doc.problems[0].message == "mapping keys must be plain scalars"


def test_empty_document() -> None:
    doc = parse_yaml("# only a comment\n")

    assert doc.data is None


_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
_keys = st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]), min_size=1)
_data = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_keys, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=40, deadline=None, database=None)
@given(st.dictionaries(_keys, _data, max_size=5))
def test_plain_data_reads_back_like_safe_load(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, sort_keys=False)

    document = parse_yaml(text)

    assert document.data == yaml.safe_load(text)
    assert document.problems == ()
    assert all(key in document.lines for key in data)


def test_an_oversized_contract_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """``omninode generate`` on a 300 MB contract: exit 2, and the file is never read whole."""
    import tracemalloc

    from typer.testing import CliRunner

    from omninode_bridge.cli.app import app

    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(300 * 1024 * 1024)  # sparse: costs no disk
    tracemalloc.start()
    try:
        result = CliRunner().invoke(app, ["generate", str(big), "--out", str(tmp_path / "out")])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 2, result.output
    assert "larger than" in result.output
    assert peak < 50 * 1024 * 1024
    assert not (tmp_path / "out").exists()


def test_read_bounded_stops_at_the_limit_on_a_stream() -> None:
    """A device reports size 0; the read itself is bounded."""
    with pytest.raises(ContractValidationError):
        read_bounded("/dev/zero", max_bytes=1024)


def test_too_many_schema_fields_are_refused_from_the_event_stream() -> None:
    """Long documents are counted before any node is built; the count agrees with the loader's."""
    from omninode_bridge.contracts.values import MAX_FIELDS, size_problems

    def doc(fields: int, nested: bool) -> str:
        body = "".join(f"    f{i}: {{type: string}}\n" for i in range(fields - 1))
        inner = "    deep:\n      type: object\n      properties:\n        properties: {}\n"
        return "input_schema:\n  properties:\n" + body + (inner if nested else "    last: {}\n")

    for nested in (False, True):
        at_limit = parse_yaml(doc(MAX_FIELDS - nested, nested))
        assert size_problems(at_limit, at_limit.data) == []
        with pytest.raises(ContractValidationError, match=f"declares {MAX_FIELDS + 1} schema"):
            parse_yaml(doc(MAX_FIELDS + 1 - nested, nested))
