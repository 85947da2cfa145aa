"""Pattern feedback closes the loop: ``omninode validate`` reports a demoted pattern as a
hint (not failing), and ``omninode stats`` shows each pattern's precision and demotion."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omninode_bridge.cli.app import app
from omninode_bridge.intelligence.pattern_demotion import (
    DEMOTE_BELOW_PRECISION,
    DEMOTE_MIN_DETECTIONS,
)
from omninode_bridge.intelligence.pattern_feedback import (
    PatternFeedbackLearner,
    PersistenceFeedbackStore,
)
from omninode_bridge.persistence import OmniNodePersistence

BARE_EXCEPT = '''"""A module."""


def read(path: str) -> str:
    """Read a file."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except:
        return ""
'''


async def _feedback(url: str, verdicts: list[str]) -> None:
    async with OmniNodePersistence(url) as store:
        learner = PatternFeedbackLearner(PersistenceFeedbackStore(store))
        for verdict in verdicts:
            await learner.record("bare_except", verdict, confidence=0.9)


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OMNINODE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    path = tmp_path / "mod.py"
    path.write_text(BARE_EXCEPT, encoding="utf-8")
    return path


def _validate(module: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["validate", str(module), *extra])
    return result.exit_code, result.output


def test_a_pattern_below_the_precision_threshold_is_a_hint(module: Path, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    # 3 right, 9 wrong: precision 0.25 over 12 detections
    asyncio.run(_feedback(url, ["true_positive"] * 3 + ["false_positive"] * 9))
    assert DEMOTE_BELOW_PRECISION > 3 / 12 and DEMOTE_MIN_DETECTIONS <= 12
    code, output = _validate(module)
    assert code == 0, output
    assert "PAT001 [info]" in output
    assert "hint: pattern bare_except demoted" in " ".join(output.split())
    code, output = _validate(module, "--json")
    assert code == 0
    document = json.loads(output)
    assert document["demoted_patterns"]["bare_except"]["detections"] == 12
    assert [f["severity"] for f in document["files"][0]["findings"]] == ["info"]
    # turning the feedback off restores the error
    code, _ = _validate(module, "--no-feedback")
    assert code == 1
    stats = json.loads(CliRunner().invoke(app, ["stats", "--json"]).output)
    row = next(r for r in stats["pattern_feedback"] if r["pattern_name"] == "bare_except")
    assert row["demoted"] is True
    assert row["precision"] == pytest.approx(0.25)


def test_too_few_detections_keep_the_pattern_failing(module: Path, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    asyncio.run(_feedback(url, ["false_positive"] * (DEMOTE_MIN_DETECTIONS - 1)))
    code, output = _validate(module)
    assert code == 1, output
    assert "PAT001 [error]" in output


def test_a_precise_pattern_keeps_failing(module: Path, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    asyncio.run(_feedback(url, ["true_positive"] * 10 + ["false_positive"] * 2))
    code, output = _validate(module)
    assert code == 1, output
    stats = json.loads(CliRunner().invoke(app, ["stats", "--json"]).output)
    row = next(r for r in stats["pattern_feedback"] if r["pattern_name"] == "bare_except")
    assert row["demoted"] is False


def test_validate_without_a_store_creates_none(module: Path, tmp_path: Path) -> None:
    code, _ = _validate(module)
    assert code == 1
    assert not (tmp_path / "store.db").exists()
