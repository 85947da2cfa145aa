"""``omninode generate`` records its run history and publishes its lifecycle."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omninode_bridge.cli.app import app
from omninode_bridge.persistence import OmniNodePersistence

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "examples" / "contracts", tmp_path / "contracts")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OMNINODE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    return tmp_path


async def test_generate_records_a_completed_run_with_stages_and_files(workdir: Path) -> None:
    runner = CliRunner()
    # The CLI runs its own event loop; run it in a thread so the test's loop stays untouched.
    result = await asyncio.to_thread(
        runner.invoke, app, ["generate", "contracts", "--out", "out"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    store = OmniNodePersistence(f"sqlite+aiosqlite:///{workdir / 'h.db'}")
    try:
        runs = await store.list_runs()
        assert len(runs) == 1
        detail = await store.get_run(runs[0].run_id)
        assert detail is not None
        assert detail.run.status == "completed"
        assert [s.stage_id for s in detail.stages] == [
            "parse", "models", "validators", "tests", "quality", "package",
        ]  # fmt: skip
        assert any(f.path.endswith("node.py") for f in detail.files)
    finally:
        await store.close()


@pytest.mark.parametrize("workers", ["0", "2"])
async def test_recorded_files_carry_their_hash_and_size(workdir: Path, workers: str) -> None:
    """`runs show` lists each written file with the sha256 and size of what is on disk."""
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        ["generate", "contracts", "--out", "out", "--workers", workers],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    store = OmniNodePersistence(f"sqlite+aiosqlite:///{workdir / 'h.db'}")
    try:
        detail = await store.get_run((await store.list_runs())[0].run_id)
    finally:
        await store.close()
    assert detail is not None and len(detail.files) > 10
    on_disk = {f.path: (workdir / f.path).read_bytes() for f in detail.files}
    for record in detail.files:
        data = on_disk[record.path]
        assert record.size_bytes == len(data), record.path
        assert record.sha256 == hashlib.sha256(data).hexdigest(), record.path


async def test_dry_run_records_nothing(workdir: Path) -> None:
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["generate", "contracts", "--out", "out", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert not (workdir / "h.db").exists()
    assert not (workdir / "out").exists()


@pytest.mark.parametrize("switch", ["flag", "env"])
async def test_no_history_generates_without_recording(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, switch: str
) -> None:
    args = ["generate", "contracts", "--out", "out"]
    if switch == "flag":
        args.append("--no-history")
    else:
        monkeypatch.setenv("OMNINODE_RECORD_HISTORY", "false")
    result = await asyncio.to_thread(CliRunner().invoke, app, args)
    assert result.exit_code == 0, result.output
    assert (workdir / "out").is_dir()  # the run itself happened
    assert not (workdir / "h.db").exists()  # the store was never opened


async def test_recorded_validations_arrive_in_one_batch_with_every_row(workdir: Path) -> None:
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["generate", "contracts", "--out", "out"]
    )
    assert result.exit_code == 0, result.output
    store = OmniNodePersistence(f"sqlite+aiosqlite:///{workdir / 'h.db'}")
    try:
        run = (await store.list_runs())[0]
        detail = await store.get_run(run.run_id)
        assert detail is not None
        nodes = sorted((workdir / "out").rglob("node.py"))
        assert len(nodes) == 3  # one per example contract
        checked = {v.target for v in detail.validations if Path(v.target).name == "node.py"}
        assert len(checked) == len(nodes)  # every package's verdicts arrived
    finally:
        await store.close()
