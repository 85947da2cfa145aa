"""One ``omninode generate`` plus one ``omninode validate`` fill every store table
and every section of ``omninode stats --json``, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from omninode_bridge.cli.app import app
from omninode_bridge.persistence import OmniNodePersistence
from omninode_bridge.persistence.schema import metadata

ROOT = Path(__file__).resolve().parents[2]


async def _invoke(args: list[str]) -> tuple[int, str]:
    result = await asyncio.to_thread(CliRunner().invoke, app, args, catch_exceptions=False)
    return result.exit_code, result.output


async def _counts(url: str) -> dict[str, int]:
    async with OmniNodePersistence(url) as store, store.engine.connect() as conn:
        return {
            table.name: int(
                (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            )
            for table in metadata.sorted_tables
        }


async def _one_run_fills_everything(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "examples" / "contracts", tmp_path / "contracts")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OMNINODE_DATABASE_URL", url)
    code, output = await _invoke(["generate", "contracts", "--out", "out", "--json"])
    assert code == 0, output
    run_id = json.loads(output)["correlation_id"]
    package = next((tmp_path / "out").glob("*/v*"))
    code, output = await _invoke(["validate", str(package)])
    assert code == 0, output
    counts = await _counts(url)
    assert all(counts.values()), counts
    code, output = await _invoke(["stats", "--json"])
    assert code == 0, output
    stats = json.loads(output)
    assert set(stats) == {
        "performance", "template_cache", "mixin_compatibility", "pattern_feedback",
        "event_processing", "metrics",
    }  # fmt: skip
    assert all(stats[k] for k in stats if k != "event_processing")
    assert stats["event_processing"]["total_events"] > 0
    phases = {row["phase"] for row in stats["performance"]}
    assert {"total", "code_gen", "validation"} <= phases
    code, output = await _invoke(["runs", "show", run_id, "--json"])
    assert code == 0, output
    detail = json.loads(output)
    assert detail["validations"] and detail["files"] and detail["stages"]


async def test_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await _one_run_fills_everything(
        f"sqlite+aiosqlite:///{tmp_path / 'store.db'}", tmp_path, monkeypatch
    )


async def test_postgresql(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = f"{postgres_url}?schema={schema}"
    try:
        await _one_run_fills_everything(url, tmp_path, monkeypatch)
    finally:
        # A plain engine: opening a store on the default schema would migrate it.
        engine = create_async_engine(postgres_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            await engine.dispose()
