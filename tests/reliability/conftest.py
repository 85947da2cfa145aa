"""Helpers of the reliability suite: the real ``omninode`` CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "tests" / "fixtures" / "contracts" / "fixtures" / "minimal_effect_contract.yaml"
_LAUNCH = "from omninode_bridge.cli.app import main; main()"


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment with its own store under ``home`` and no inherited settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNINODE_")}
    env["OMNINODE_HOME"] = str(home)
    env["OMNINODE_DATABASE_URL"] = f"sqlite:///{home / 'omninode.db'}"
    env.update(extra)
    return env


def omninode(
    args: Sequence[str], *, cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``omninode ARGS`` to completion."""
    return subprocess.run(
        [sys.executable, "-c", _LAUNCH, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_omninode(args: Sequence[str], *, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start ``omninode ARGS`` without waiting."""
    return subprocess.Popen(
        [sys.executable, "-c", _LAUNCH, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wide_contract(fields: int, *, name: str = "wide") -> str:
    """A node_id contract with ``fields`` schema fields in all (one is the output's)."""
    lines = [
        f"node_id: {name}_node",
        "node_type: effect",
        "version: v1_0_0",
        "metadata:",
        f"  service_name: {name}",
        "  domain: test",
        "  description: A contract with many fields",
        "input_schema:",
        "  type: object",
        "  properties:",
    ]
    for index in range(fields - 1):
        lines += [f"    field_{index}:", "      type: string", "      maxLength: 20"]
    lines += ["output_schema:", "  type: object", "  properties:", "    result:"]
    lines += ["      type: string"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path
