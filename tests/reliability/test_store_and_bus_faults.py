"""Store and bus faults: one clear message, no traceback, generation goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.reliability.conftest import MINIMAL, cli_env, omninode

UNREACHABLE_PG = "postgresql://nobody@127.0.0.1:1/none"


def _package_written(out: Path) -> bool:
    return (out / "minimal_service" / "v1_0_0" / "node.py").is_file()


def test_generate_with_an_unreachable_postgres_store_warns_once_and_generates(
    tmp_path: Path, home: Path
) -> None:
    env = cli_env(home, OMNINODE_DATABASE_URL=UNREACHABLE_PG)
    proc = omninode(["generate", str(MINIMAL), "--out", "out"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr.count("warning: run history is off") == 1
    assert _package_written(tmp_path / "out")


def test_json_output_carries_the_store_warning(tmp_path: Path, home: Path) -> None:
    env = cli_env(home, OMNINODE_DATABASE_URL=UNREACHABLE_PG)
    proc = omninode(["generate", str(MINIMAL), "--out", "out", "--json"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    document = json.loads(proc.stdout)
    assert document["success"] is True
    assert len(document["warnings"]) == 1
    assert "run history is off" in document["warnings"][0]["message"]


@pytest.mark.parametrize(
    "args", [["runs", "list"], ["stats"], ["db", "upgrade"]], ids=["runs", "stats", "db"]
)
def test_store_commands_with_an_unreachable_store_print_one_error(
    args: list[str], tmp_path: Path, home: Path
) -> None:
    env = cli_env(home, OMNINODE_DATABASE_URL=UNREACHABLE_PG)
    proc = omninode(args, cwd=tmp_path, env=env, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr.startswith("error:")
    assert proc.stderr.count("error:") == 1


def test_an_unusable_omninode_home_is_one_message(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    env = cli_env(blocker / "home")
    del env["OMNINODE_DATABASE_URL"]  # the default store lives under OMNINODE_HOME
    listed = omninode(["runs", "list"], cwd=tmp_path, env=env)
    assert listed.returncode == 2, listed.stdout + listed.stderr
    assert "Traceback" not in listed.stderr
    assert listed.stderr.count("error:") == 1
    generated = omninode(["generate", str(MINIMAL), "--out", "out"], cwd=tmp_path, env=env)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Traceback" not in generated.stderr
    assert generated.stderr.count("warning: run history is off") == 1
    assert _package_written(tmp_path / "out")


def _runs(tmp_path: Path, env: dict[str, str]) -> list[dict[str, object]]:
    proc = omninode(["runs", "list", "--json"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    runs: list[dict[str, object]] = json.loads(proc.stdout)
    return runs


def test_kafka_without_servers_keeps_the_working_store(tmp_path: Path, home: Path) -> None:
    env = cli_env(home, OMNINODE_EVENT_BUS="kafka")
    proc = omninode(["generate", str(MINIMAL), "--out", "out", "--json"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    warnings = json.loads(proc.stdout)["warnings"]
    assert len(warnings) == 1
    assert "event publishing is off" in warnings[0]["message"]
    assert [r["status"] for r in _runs(tmp_path, env)] == ["completed"]


def test_a_bus_that_is_down_is_one_warning_per_run(tmp_path: Path, home: Path) -> None:
    env = cli_env(home, OMNINODE_EVENT_BUS="redis", OMNINODE_REDIS_URL="redis://127.0.0.1:1/0")
    proc = omninode(["generate", str(MINIMAL), "--out", "out", "--json"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr.count("lifecycle_publish_failed") <= 1
    warnings = json.loads(proc.stdout)["warnings"]
    assert len(warnings) == 1
    assert "event bus failed" in warnings[0]["message"]
    assert [r["status"] for r in _runs(tmp_path, env)] == ["completed"]
