"""The CLI's run history: the order in which a run's records are written at its end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.cli import history as history_module
from omninode_bridge.cli.history import RunHistory
from omninode_bridge.codegen.workflow import CodegenWorkflow
from omninode_bridge.engine.executor import StagedParallelExecutor
from omninode_bridge.engine.signals import SignalCoordinator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "contracts"


async def test_the_events_are_written_before_the_analytics_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No event flush runs beside the analytics transaction (SQLite: one writer at a time)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OMNINODE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    coordinator = SignalCoordinator()
    workflow = CodegenWorkflow(executor=StagedParallelExecutor(signal_coordinator=coordinator))
    history = await RunHistory.open(coordinator, None, workflow)
    assert history.recorder is not None and history.publisher is not None
    processor = history.publisher.processor
    seen: list[int] = []
    record = history_module.record_run_telemetry

    async def recording(*args: Any, **kwargs: Any) -> None:
        seen.append(processor.metrics().pending_events)
        await record(*args, **kwargs)

    monkeypatch.setattr(history_module, "record_run_telemetry", recording)
    result = await workflow.generate([EXAMPLES], tmp_path / "out")
    assert processor.metrics().pending_events > 0  # the run's last events wait for a flush
    await history.finish(result)
    assert seen == [0]
    assert processor.metrics().total_events > 0
