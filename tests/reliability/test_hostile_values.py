"""Contract values that are long, quoted, escaped or unusual unicode still give a
package that passes ruff (line length 100), mypy --strict and its own tests,
and keeps every value exactly."""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path

import yaml
from tests.reliability.conftest import cli_env, omninode

LONG = "v" * 20 + " long value with spaces " + "x" * 480
VALUES = [
    LONG,
    "y" * 500,
    "a\u2028b",
    "q\"uo'te",
    "back\\slash",
    'tri"""ple',
    "'''",
    "new\nline",
    "tab\there",
    "trailing\\",
    "\u00e9t\u00e9 \u2013 dash",
    "\u0430pple",
    "x\u2029y\u0085z",
    "emoji \U0001f600",
]
DESCRIPTION = (
    'Quotes " \' backslash \\ triple """ a line\u2028separator, en \u2013 dash, '
    "Cyrillic \u0430 and a word " + "w" * 150 + " "
) * 4
ERROR_CODES = ["E_" + "VERY_LONG_ERROR_CODE_" * 12, "LOCK\u2028HELD", "with space \u2013 dash"]
LONG_NAME = "a property name with spaces that is rather long and goes on " * 3


def _contract() -> str:
    contract = {
        "name": "hostile_values_effect",
        "version": {"major": 1, "minor": 0, "patch": 0},
        "description": DESCRIPTION,
        "node_type": "effect",
        "input_state": {
            "type": "object",
            "description": DESCRIPTION,
            "properties": {
                "mode": {"type": "string", "enum": VALUES, "description": DESCRIPTION},
                "text": {"type": "string", "maxLength": 900, "default": LONG},
                "spaced": {"type": "string", "pattern": "^(" + "a b " * 60 + ")?$"},
                "unicode_default": {"type": "string", "default": "\u2013\u0430\u2028"},
                "tags": {"type": "array", "items": {"type": "string", "enum": VALUES[2:7]}},
                LONG_NAME: {"type": "string", "minLength": 2, "description": DESCRIPTION},
                "\u0430\u2013name": {"type": "integer", "minimum": 1},
            },
            "required": ["mode"],
        },
        "output_state": {
            "type": "object",
            "properties": {
                "success": {"type": "boolean"},
                "error_code": {"type": "string", "enum": ERROR_CODES},
            },
        },
        "advanced_features": {
            "security_validation": {
                "enabled": True,
                "sanitize_inputs": True,
                "max_input_length": 5000,
                "forbidden_patterns": [
                    "<script   " + "x" * 200,
                    "drop\\s+table \u2013 " + "y" * 150,
                ],
                "redact_fields": ["secret \u2013 key " + "z" * 150, "password"],
            }
        },
    }
    # JSON is YAML; the supplementary-plane character as a YAML escape.
    return json.dumps(contract, indent=2).replace("\\ud83d\\ude00", "\\U0001F600")


def _enum_values(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    cls = next(node for node in tree.body if isinstance(node, ast.ClassDef))
    # Values are literals or ``'y' * 500``: evaluated with no names available.
    return [
        eval(compile(ast.Expression(stmt.value), str(path), "eval"), {"__builtins__": {}})
        for stmt in cls.body
        if isinstance(stmt, ast.Assign)
    ]


def test_hostile_values_generate_a_package_that_passes_ruff_mypy_and_its_tests(
    tmp_path: Path, home: Path
) -> None:
    (tmp_path / "hostile.yaml").write_text(_contract(), encoding="utf-8")
    env = cli_env(
        home,
        OMNINODE_MYPY_CACHE_DIR=str(tmp_path / "mypy-cache"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    proc = omninode(
        ["generate", "hostile.yaml", "--out", "out", "--run-tests", "--json"],
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    package = tmp_path / "out" / "hostile_values_effect" / "v1_0_0"
    for source in package.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        ast.parse(text)
        assert text.isascii(), source
        # Over 100 only where ruff allows it: one "word", or an identifier marked.
        assert all(
            len(line) <= 100 or " " not in line.strip() or line.endswith("# noqa: E501")
            for line in text.splitlines()
        )
    # Every value reaches the generated enums unchanged.
    enums = package / "enums"
    assert _enum_values(enums / "enum_hostile_values_input_mode.py") == VALUES
    assert _enum_values(enums / "enum_hostile_values_output_error_code.py") == ERROR_CODES
    # The normalised contract written beside the package keeps them too.
    written = yaml.safe_load((package / "contract.yaml").read_text(encoding="utf-8"))
    assert json.dumps(written).count(json.dumps(VALUES[12])[1:-1]) >= 1
