"""The documented Python API records its runs in the store, once, unless switched off."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import structlog

from omninode_bridge.cli.history import RunHistory
from omninode_bridge.codegen.parallel import ParallelCodeGenerator
from omninode_bridge.codegen.workflow import CodegenWorkflow
from omninode_bridge.engine.signals import SignalCoordinator
from omninode_bridge.persistence import OmniNodePersistence

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "contracts").glob("*.yaml"))
PRD = """# Inventory Tracking Service

## Overview
Track stock levels for warehouses and store every movement.
Node type: effect, compute

## Functional Requirements
- Create stock items with a SKU and a quantity
- Calculate reorder points from movement history
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with the embedded defaults: recording on, SQLite in ./.omninode/."""
    monkeypatch.chdir(tmp_path)
    for name in ("OMNINODE_RECORD_HISTORY", "OMNINODE_DATABASE_URL", "OMNINODE_HOME"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def default_store(workdir: Path) -> Path:
    return workdir / ".omninode" / "omninode.db"


async def test_generate_from_prd_records_performance_in_the_default_store(workdir: Path) -> None:
    result = await CodegenWorkflow().generate_from_prd(
        prd_content="Sample PRD content", output_directory=workdir / "out", enable_parallel=True
    )
    assert result.success

    store = OmniNodePersistence()  # the guide's check: a new store, the configured database
    try:
        summary = await store.get_performance_metrics_summary(time_window_minutes=1)
        runs = await store.list_runs()
        detail = await store.get_run(result.correlation_id)
        gauges = await store.get_metric_rows(names=["validation_pass_rate"])
    finally:
        await store.close()
    assert default_store(workdir).is_file()
    assert {row["phase"] for row in summary} >= {"total", "code_gen", "validation"}
    total = next(row for row in summary if row["phase"] == "total")
    assert total["execution_count"] == 1
    assert [run.run_id for run in runs] == [result.correlation_id]
    assert detail is not None and detail.run.status == "completed"
    assert detail.run.metadata["entry"] == "CodegenWorkflow"
    assert any(f.path.endswith("node.py") for f in detail.files)
    assert [g["correlation_id"] for g in gauges] == [result.correlation_id]


async def test_each_run_is_one_run_with_its_rows(workdir: Path) -> None:
    workflow = CodegenWorkflow()
    first = await workflow.generate(EXAMPLES, workdir / "out")
    again = await workflow.generate(EXAMPLES, workdir / "out")  # fresh: nothing regenerated
    async with OmniNodePersistence() as store:
        runs = {run.run_id for run in await store.list_runs()}
        total = next(
            row for row in await store.get_performance_metrics_summary() if row["phase"] == "total"
        )
    assert runs == {first.correlation_id, again.correlation_id}
    assert total["execution_count"] == 2


async def test_the_settings_database_url_is_used(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{workdir / 'configured.db'}"
    monkeypatch.setenv("OMNINODE_DATABASE_URL", url)
    result = await CodegenWorkflow().generate(EXAMPLES[:1], workdir / "out")
    async with OmniNodePersistence(url) as store:
        assert [run.run_id for run in await store.list_runs()] == [result.correlation_id]
    assert not default_store(workdir).exists()


@pytest.mark.parametrize("switch", ["setting", "argument"])
async def test_recording_can_be_switched_off(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, switch: str
) -> None:
    if switch == "setting":
        monkeypatch.setenv("OMNINODE_RECORD_HISTORY", "false")
    workflow = CodegenWorkflow(record_history=False if switch == "argument" else None)
    result = await workflow.generate(EXAMPLES, workdir / "out")
    assert result.success and (workdir / "out").is_dir()
    assert not default_store(workdir).exists()


async def test_the_argument_wins_over_the_setting(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMNINODE_RECORD_HISTORY", "false")
    await CodegenWorkflow(record_history=True).generate(EXAMPLES[:1], workdir / "out")
    assert default_store(workdir).is_file()


@pytest.mark.parametrize("mode", ["dry_run", "check"])
async def test_a_dry_run_or_check_records_nothing(workdir: Path, mode: str) -> None:
    result = await CodegenWorkflow().generate(EXAMPLES, workdir / "out", **{mode: True})
    assert result.success
    assert not default_store(workdir).exists()


async def test_parallel_generator_records_its_run_once(workdir: Path) -> None:
    """ParallelCodeGenerator records the run itself (with the speedup); the workflow does not."""
    store = OmniNodePersistence(f"sqlite+aiosqlite:///{workdir / 'own.db'}")
    try:
        result = await ParallelCodeGenerator(persistence=store).generate_parallel(
            PRD, None, workdir / "out"
        )
        runs = await store.list_runs()
    finally:
        await store.close()
    assert [run.run_id for run in runs] == [result.correlation_id]
    assert not default_store(workdir).exists()


async def test_the_cli_history_takes_the_recording_over(workdir: Path) -> None:
    """``omninode generate`` records through RunHistory: its workflow's own recording is off."""
    workflow = CodegenWorkflow()
    history = await RunHistory.open(SignalCoordinator(), None, workflow, record=False)
    try:
        await workflow.generate(EXAMPLES, workdir / "out")
    finally:
        await history.finish(None)
    assert workflow.record_history is False
    assert not default_store(workdir).exists()


async def test_a_broken_store_does_not_fail_the_run(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = workdir / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("OMNINODE_DATABASE_URL", f"sqlite+aiosqlite:///{blocker / 'x.db'}")
    with structlog.testing.capture_logs() as logs:
        result = await CodegenWorkflow().generate(EXAMPLES[:1], workdir / "out")
    assert result.success and result.packages[0].written
    assert [e["run_id"] for e in logs if e["event"] == "codegen.run_not_recorded"] == [
        result.correlation_id
    ]
    shutil.rmtree(workdir / "out")


async def test_recording_does_not_count_as_template_cache_lookups(workdir: Path) -> None:
    workflow = CodegenWorkflow()
    result = await workflow.generate(EXAMPLES, workdir / "out")

    assert default_store(workdir).is_file()
    stats = workflow.template_engine.get_cache_stats()
    assert result.cache_hit_rate is not None
    assert stats["hit_rate"] == pytest.approx(result.cache_hit_rate)  # the run's lookups only
