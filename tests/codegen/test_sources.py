"""Source fragments: literals that fit the line length, sorted import blocks, docstrings."""

from __future__ import annotations

from omninode_bridge.codegen.sources import docstring, field_kwargs, import_block, literal

NESTED = {
    "lock_name": "example",
    "info": {"acquired_at": "2024-01-02T03:04:05Z", "tags": ["a" * 40, "b" * 40], "n": 1.5},
    "flag": True,
    "none": None,
    "long": "x" * 300,
    "text": "word " * 60,
}


def test_literal_round_trips_and_fits_100_columns() -> None:
    text = literal(NESTED, column=40)
    source = "X" * 36 + " = " + text
    assert eval(text) == NESTED  # the literal uses "x" * n for long runs
    assert all(len(line) <= 100 for line in source.splitlines())
    assert "'x' * 300" in text


def test_short_literal_stays_on_one_line() -> None:
    assert literal({"a": 1, "b": [True, None]}) == "{'a': 1, 'b': [True, None]}"


def test_import_block_sections_and_order() -> None:
    lines = import_block(
        ["re", "pytest", "pydantic:Field", "pydantic:BaseModel", "datetime:datetime"],
        local={
            "..models": ["ModelB", "ModelA"],
            "._runtime": ["emit_log_event", "EVENT_BUS", "NodeEffect"],
        },
    )
    assert lines == [
        "import re",
        "from datetime import datetime",
        "",
        "import pytest",
        "from pydantic import BaseModel, Field",
        "",
        "from ..models import ModelA, ModelB",
        "from ._runtime import EVENT_BUS, NodeEffect, emit_log_event",
    ]


def test_long_import_is_wrapped() -> None:
    names = [f"ModelVeryLongGeneratedName{i}" for i in range(5)]
    [block] = import_block((), local={".models": names})
    assert block.startswith("from .models import (\n")
    assert all(len(line) <= 100 for line in block.splitlines())


def test_docstring_is_safe_and_wrapped() -> None:
    text = docstring('He said """hi""" ' + "word " * 40, indent=4)
    assert '"""' not in text
    assert all(len(line) <= 100 for line in text.splitlines())


def test_field_kwargs_wrap_long_descriptions() -> None:
    kwargs = field_kwargs(
        default="None", alias="lockName", constraints=[("ge", "1")], description="d " * 80, indent=8
    )
    assert kwargs[:3] == ["default=None", "alias='lockName'", "ge=1"]
    assert kwargs[3].startswith("description=(\n")
    assert all(len(line) + 8 <= 100 for line in kwargs[3].splitlines())
