"""``omninode runs list|show``, ``omninode stats`` and ``omninode db upgrade``."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from omninode_bridge.cli.app import app
from omninode_bridge.persistence import OmniNodePersistence
from omninode_bridge.persistence.migrate import head_revision

runner = CliRunner()


async def _seed(url: str) -> None:
    async with OmniNodePersistence(url) as store:
        await store.record_run_started("run-ok", "codegen")
        await store.record_stage_started("run-ok", "parse", stage_number=1)
        await store.record_step_finished("run-ok", "parse", "s1", success=True, duration_ms=5.0)
        await store.record_stage_finished("run-ok", "parse", success=True, duration_ms=7.5)
        await store.record_file_written("run-ok", "out/node.py", size_bytes=42)
        await store.record_validation(
            "run-ok", target="out/node.py", validator="ast", passed=True, score=1.0
        )
        await store.record_run_finished("run-ok", success=True, duration_ms=12.0)
        await store.record_run_started("run-bad", "codegen")
        await store.record_stage_finished(
            "run-bad", "models", success=False, error="template missing", duration_ms=3.0
        )
        await store.record_run_finished("run-bad", success=False, error="template missing")
        await store.insert_performance_metric(uuid.uuid4(), "EFFECT", "code_gen", 10.0)
        await store.record_pattern_feedback("CRUD", "correct", 0.9)
        await store.insert_event_processing_metric("code_generated", 4.0)


@pytest.fixture
async def url(tmp_path: Path) -> str:
    database_url = f"sqlite:///{tmp_path / 'cli.db'}"
    await _seed(database_url)
    return database_url


async def invoke(args: list[str]) -> Result:
    """Run the CLI in a worker thread: its ``asyncio.run`` gets a loop of its own."""
    return await asyncio.to_thread(runner.invoke, app, args)


async def test_runs_list_shows_runs_with_status(url: str) -> None:
    result = await invoke(["runs", "list", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "run-ok" in result.output
    assert "failed" in result.output


async def test_runs_list_json_filters_by_status(url: str) -> None:
    result = await invoke(["runs", "list", "--database-url", url, "--status", "failed", "--json"])
    assert result.exit_code == 0, result.output
    assert [r["run_id"] for r in json.loads(result.output)] == ["run-bad"]


async def test_runs_show_lists_stages_with_durations_and_outcomes(url: str) -> None:
    result = await invoke(["runs", "show", "run-ok", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "parse" in result.output
    assert "7.5" in result.output
    assert "completed" in result.output
    assert "out/node.py" in result.output


async def test_runs_show_json(url: str) -> None:
    result = await invoke(["runs", "show", "run-bad", "--database-url", url, "--json"])
    data = json.loads(result.output)
    assert data["run"]["status"] == "failed"
    assert data["stages"][0]["error"] == "template missing"
    steps = sum(s["duration_ms"] or 0 for st in data["stages"] for s in st["steps"])
    run_ms = data["run"]["duration_ms"]
    expected = steps / run_ms if steps and run_ms else None
    assert data["parallelism"] == (None if expected is None else pytest.approx(expected))


async def test_runs_show_unknown_run_exits_2(url: str) -> None:
    result = await invoke(["runs", "show", "nope", "--database-url", url])
    assert result.exit_code == 2
    assert "no such run" in result.output
    assert "Traceback" not in result.output


async def test_stats_prints_every_summary(url: str) -> None:
    result = await invoke(["stats", "--database-url", url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"performance", "template_cache", "mixin_compatibility",
                         "pattern_feedback", "event_processing", "metrics"}  # fmt: skip
    assert data["performance"][0]["phase"] == "code_gen"
    assert data["event_processing"]["total_events"] == 1
    table = await invoke(["stats", "--database-url", url])
    assert "performance by phase" in table.output


async def test_db_upgrade_reports_head_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = await invoke(["db", "upgrade", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert f"at revision {head_revision()}" in result.output


async def test_bad_database_url_is_one_clear_error() -> None:
    result = await invoke(["runs", "list", "--database-url", "mysql://x/y"])
    assert result.exit_code == 2
    assert "unsupported database URL" in result.output
    assert "Traceback" not in result.output
