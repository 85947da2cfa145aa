"""Several processes on one fresh store; SIGKILL at random moments, then a repair run."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.reliability.conftest import MINIMAL, cli_env, omninode, start_omninode


def test_four_runs_on_a_fresh_store_are_all_recorded(tmp_path: Path, home: Path) -> None:
    env = cli_env(home)
    procs = [
        start_omninode(
            ["generate", str(MINIMAL), "--out", f"out{i}", "--json"], cwd=tmp_path, env=env
        )
        for i in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (stdout, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, stdout + stderr
        assert json.loads(stdout)["warnings"] == [], stderr
    listed = omninode(["runs", "list", "--json"], cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    assert [r["status"] for r in json.loads(listed.stdout)] == ["completed"] * 4


def test_sigkilled_runs_leave_nothing_half_written_and_show_abandoned(
    tmp_path: Path, home: Path
) -> None:
    env = cli_env(home)
    rng = random.Random(20)
    for _ in range(3):
        proc = start_omninode(["generate", str(MINIMAL), "--out", "out"], cwd=tmp_path, env=env)
        time.sleep(rng.uniform(0.5, 3.5))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    out = tmp_path / "out"
    assert not list(out.rglob("*.tmp")) if out.exists() else True
    listed = omninode(["runs", "list", "--json"], cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    statuses = [r["status"] for r in json.loads(listed.stdout)]
    assert "running" not in statuses  # a killed run is never left looking alive
    repair = omninode(["generate", str(MINIMAL), "--out", "out"], cwd=tmp_path, env=env)
    assert repair.returncode == 0, repair.stdout + repair.stderr
    check = omninode(["generate", str(MINIMAL), "--out", "out", "--check"], cwd=tmp_path, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert not list(out.rglob("*.tmp"))


_START_AND_HANG = """
import asyncio, sys, time
from omninode_bridge.persistence import OmniNodePersistence
from omninode_bridge.persistence.liveness import process_marker

async def main() -> None:
    store = OmniNodePersistence(sys.argv[1])
    await store.record_run_started("run-1", "codegen", metadata=process_marker())
    await store.close()

asyncio.run(main())
print("started", flush=True)
time.sleep(600)
"""


def test_a_killed_running_run_is_listed_abandoned(tmp_path: Path, home: Path) -> None:
    env = cli_env(home)
    proc = subprocess.Popen(
        [sys.executable, "-c", _START_AND_HANG, env["OMNINODE_DATABASE_URL"]],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    alive = omninode(["runs", "list", "--json"], cwd=tmp_path, env=env)
    assert [r["status"] for r in json.loads(alive.stdout)] == ["running"]
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    listed = omninode(["runs", "list", "--json"], cwd=tmp_path, env=env)
    assert [r["status"] for r in json.loads(listed.stdout)] == ["abandoned"]
    only = omninode(["runs", "list", "--status", "abandoned"], cwd=tmp_path, env=env)
    assert "run-1" in only.stdout
    assert "abandoned" in only.stdout
