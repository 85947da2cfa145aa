"""Settings: every setting is honoured or refused at start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from omninode_bridge.config import load_settings
from omninode_bridge.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "tests" / "fixtures" / "contracts" / "sample_contracts" / "minimal_effect.yaml"


def _omninode(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OMNINODE_")}
    environ.update(env)
    code = "from omninode_bridge.cli.app import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_missing_template_dir_is_refused_at_start(tmp_path: Path) -> None:
    result = _omninode(
        ["generate", str(CONTRACT), "--out", "out"], tmp_path, OMNINODE_TEMPLATE_DIR="/nonexistent"
    )
    assert result.returncode == 2
    assert "template_dir" in result.stderr and "/nonexistent" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_template_dir_setting_is_honoured(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "readme_v1.j2").write_text("# CUSTOM-TEMPLATE-MARKER\n")
    result = _omninode(
        ["generate", str(CONTRACT), "--out", "out"],
        tmp_path,
        OMNINODE_TEMPLATE_DIR=str(templates),
        OMNINODE_HOME=str(tmp_path / "home"),
    )
    generated = "".join(p.read_text() for p in (tmp_path / "out").rglob("README.md"))
    assert "CUSTOM-TEMPLATE-MARKER" in generated, result.stderr


def test_load_settings_names_the_bad_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="template_dir"):
        load_settings({"OMNINODE_TEMPLATE_DIR": str(tmp_path / "missing")})
