"""The README's two commands are what CI runs, verbatim."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    spec = importlib.util.spec_from_file_location(
        "readme_commands", ROOT / ".ci" / "readme_commands.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("readme_commands", module)
    spec.loader.exec_module(module)
    commands: list[str] = module.readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    return commands


def test_the_readme_has_two_commands_generate_then_test() -> None:
    first, second = _readme_commands()
    assert "[check]" in first and "omninode generate" in first and "--run-tests" in first
    assert "[dev]" in second and "pytest" in second


def test_ci_runs_the_readme_commands_in_a_new_virtualenv() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m venv" in script
    assert ".ci/readme_commands.py README.md" in script
    assert "OMNINODE_REQUIRE_SERVICES=1" in script
