"""A run whose process died is written back to the store as ``abandoned`` (with
its open stages and steps), and shown so by ``omninode runs list`` and by the
runs page of ``omninode serve``; a store made before the status existed is
migrated and gets the same treatment."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.reliability.conftest import cli_env, omninode

from omninode_bridge.persistence import OmniNodePersistence
from omninode_bridge.persistence.migrate import head_revision, upgrade

_START_AND_HANG = """
import asyncio, sys, time
from omninode_bridge.persistence import OmniNodePersistence
from omninode_bridge.persistence.liveness import process_marker

async def main() -> None:
    store = OmniNodePersistence(sys.argv[1])
    await store.record_run_started("run-1", "codegen", metadata=process_marker())
    await store.record_step_started("run-1", "models", "models_0")
    await store.close()

asyncio.run(main())
print("started", flush=True)
time.sleep(600)
"""


def _killed_run(database_url: str) -> None:
    """Start a run in a process, then SIGKILL that process."""
    with subprocess.Popen(
        [sys.executable, "-c", _START_AND_HANG, database_url], stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "started"
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)


def _stored(db: Path) -> dict[str, object]:
    with sqlite3.connect(db) as conn:
        run = conn.execute("SELECT status, completed_at, error FROM runs").fetchone()
        stages = [s for (s,) in conn.execute("SELECT status FROM run_stages")]
        steps = [s for (s,) in conn.execute("SELECT status FROM run_steps")]
    return {"run": run[0], "completed": run[1], "error": run[2], "stages": stages, "steps": steps}


@pytest.fixture
def served(tmp_path: Path, home: Path) -> Iterator[str]:
    env = cli_env(home)
    args = [sys.executable, "-c", "from omninode_bridge.cli.app import main; main()"]
    with subprocess.Popen(
        [*args, "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline().strip()
            assert first.startswith("serving http://127.0.0.1:"), first
            yield first.removeprefix("serving ")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


def test_the_runs_page_writes_a_dead_run_back_as_abandoned(
    tmp_path: Path, home: Path, served: str
) -> None:
    db = home / "omninode.db"
    _killed_run(cli_env(home)["OMNINODE_DATABASE_URL"])
    assert _stored(db)["run"] == "running"
    page = httpx.get(served + "/", timeout=30)
    assert page.status_code == 200
    assert "status-abandoned" in page.text
    stored = _stored(db)
    assert stored["run"] == "abandoned"
    assert stored["completed"] is not None
    assert "abandoned" in str(stored["error"])
    assert stored["stages"] == ["abandoned"]
    assert stored["steps"] == ["abandoned"]


def test_runs_list_writes_back_abandoned_on_a_store_made_before_the_status(
    tmp_path: Path, home: Path
) -> None:
    env = cli_env(home)
    url = env["OMNINODE_DATABASE_URL"]

    async def at_first_revision() -> None:
        store = OmniNodePersistence(url, migrate=False)
        await store.initialize()
        await upgrade(store.engine, revision="0001")
        await store.close()

    asyncio.run(at_first_revision())
    _killed_run(url)  # opening the store migrates it to head first
    listed = omninode(["runs", "list", "--status", "abandoned", "--json"], cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    assert [(r["run_id"], r["status"]) for r in json.loads(listed.stdout)] == [
        ("run-1", "abandoned")
    ]
    assert _stored(home / "omninode.db")["run"] == "abandoned"
    with sqlite3.connect(home / "omninode.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            head_revision()
        )
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE runs SET status = 'bogus'")
