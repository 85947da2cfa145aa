"""SignalCoordinator: filters, ordering, non-blocking delivery, metrics."""

from __future__ import annotations

import asyncio

from omninode_bridge.agents.coordination import Signal, SignalCoordinator, SignalType
from omninode_bridge.agents.metrics import MetricsCollector


def sig(kind: SignalType, workflow: str = "wf", step: str | None = None) -> Signal:
    return Signal(signal_type=kind, workflow_id=workflow, step_id=step)


async def test_filters_by_type_workflow_and_predicate() -> None:
    c = SignalCoordinator()
    by_type: list[Signal] = []
    by_wf: list[Signal] = []
    by_pred: list[Signal] = []
    c.subscribe(by_type.append, signal_types=[SignalType.STEP_FAILED])
    c.subscribe(by_wf.append, workflow_id="other")
    c.subscribe(by_pred.append, predicate=lambda s: s.step_id == "x")
    c.emit(sig(SignalType.STEP_FAILED, step="x"))
    c.emit(sig(SignalType.STEP_COMPLETED, workflow="other", step="y"))
    await c.drain()
    assert [s.signal_type for s in by_type] == [SignalType.STEP_FAILED]
    assert [s.workflow_id for s in by_wf] == ["other"]
    assert [s.step_id for s in by_pred] == ["x"]


async def test_delivery_keeps_order_per_subscriber() -> None:
    c = SignalCoordinator()
    got: list[str | None] = []

    async def cb(s: Signal) -> None:
        await asyncio.sleep(0)
        got.append(s.step_id)

    c.subscribe(cb)
    for i in range(50):
        c.emit(sig(SignalType.STEP_STARTED, step=str(i)))
    await c.drain()
    assert got == [str(i) for i in range(50)]


async def test_full_queue_drops_and_counts_without_blocking() -> None:
    c = SignalCoordinator()
    gate = asyncio.Event()

    async def blocked(s: Signal) -> None:
        await gate.wait()

    c.subscribe(blocked, max_queue=5)
    for _ in range(20):
        c.emit(sig(SignalType.STEP_STARTED))
    metrics = c.get_signal_metrics()
    assert metrics.total_signals_sent == 20
    assert metrics.total_signals_dropped >= 14
    gate.set()
    await c.drain()


async def test_failing_subscriber_is_counted_and_others_still_receive() -> None:
    c = SignalCoordinator()
    good: list[Signal] = []

    def bad(s: Signal) -> None:
        raise RuntimeError("subscriber bug")

    c.subscribe(bad)
    c.subscribe(good.append)
    c.emit(sig(SignalType.WORKFLOW_STARTED))
    await c.drain()
    assert len(good) == 1
    assert c.get_signal_metrics().subscriber_errors == 1


async def test_unsubscribe_stops_delivery() -> None:
    c = SignalCoordinator()
    got: list[Signal] = []
    sub = c.subscribe(got.append)
    c.emit(sig(SignalType.WORKFLOW_STARTED))
    await c.drain()
    await sub.aclose()
    c.emit(sig(SignalType.WORKFLOW_COMPLETED))
    await c.drain()
    assert len(got) == 1
    assert not c.has_subscribers


async def test_history_is_bounded_and_filterable() -> None:
    c = SignalCoordinator(max_history_size=3)
    for i in range(5):
        c.emit(sig(SignalType.STEP_COMPLETED, workflow=f"w{i}"))
    assert [s.workflow_id for s in c.get_signal_history()] == ["w2", "w3", "w4"]
    assert [s.workflow_id for s in c.get_signal_history(workflow_id="w3")] == ["w3"]


async def test_metrics_collector_counts_signals() -> None:
    m = MetricsCollector()
    c = SignalCoordinator(metrics_collector=m)
    c.subscribe(lambda s: None)
    c.emit(sig(SignalType.STAGE_COMPLETED))
    await c.close()
    summary = m.get_summary("coordination_signals_sent")
    assert summary is not None and summary.count == 1
    assert m.get_summary("coordination_signal_propagation_time_ms") is not None
    assert c.get_signal_metrics().signals_by_type == {"stage_completed": 1}


def test_signal_scope() -> None:
    assert SignalType.STAGE_SKIPPED.scope == "stage"
    assert SignalType.WORKFLOW_FAILED.scope == "workflow"
