"""MixinMetrics: counters, gauges, timings, percentiles, buckets, operation metrics."""

from __future__ import annotations

import math
from typing import Any

import pytest

from omninode_bridge.onex import EnumCoreErrorCode, ModelONEXContainer, ModelOnexError, NodeCompute
from omninode_bridge.onex.mixins import MixinMetrics


class NodeMeteredCompute(NodeCompute, MixinMetrics):
    async def execute_compute(self, input_data: Any) -> Any:
        async def handler(value: int) -> int:
            if value < 0:
                raise ModelOnexError(error_code=EnumCoreErrorCode.INVALID_INPUT, message="negative")
            return value * 2

        return await self.run_operation("double", handler, input_data)


def _node(config: dict[str, Any] | None = None) -> NodeMeteredCompute:
    contract = {
        "name": "NodeMeteredCompute",
        "node_type": "compute",
        "mixins": [{"name": "MixinMetrics", "config": config or {}}],
    }
    return NodeMeteredCompute(ModelONEXContainer(), contract=contract)


def test_counters_gauges_and_labels() -> None:
    node = _node({"metric_labels": {"service": "calc"}})
    node.increment_counter("requests")
    node.increment_counter("requests", 2, route="a")
    node.set_gauge("queue_depth", 7)
    snapshot = node.get_metrics()
    assert snapshot.counter("requests") == 1.0
    assert snapshot.counter("requests", route="a") == 2.0
    assert snapshot.gauges == {"queue_depth": 7}
    assert snapshot.labels == {"service": "calc"}
    with pytest.raises(ValueError, match="cannot decrease"):
        node.increment_counter("requests", -1)


def test_timing_summary_percentiles_and_buckets() -> None:
    node = _node({"percentiles": [50, 90, 99.9], "histogram_buckets": [10, 100]})
    for value in range(1, 101):
        node.record_timing("latency", float(value))
    summary = node.get_metrics().timings["latency"]
    assert (summary.count, summary.min_ms, summary.max_ms) == (100, 1.0, 100.0)
    assert summary.mean_ms == pytest.approx(50.5)
    assert summary.percentiles == {50.0: 50.0, 90.0: 90.0, 99.9: 100.0}
    assert summary.buckets == {10.0: 10, 100.0: 100, math.inf: 100}
    as_dict = node.get_metrics().to_dict()["timings"]["latency"]
    assert as_dict["buckets"] == {"10": 10, "100": 100, "+Inf": 100}


async def test_operations_are_counted_and_timed() -> None:
    node = _node()
    await node.initialize()
    assert await node.execute_compute(4) == 8
    with pytest.raises(ModelOnexError):
        await node.execute_compute(-1)
    snapshot = node.get_metrics()
    assert snapshot.counter("operations_total", operation="double") == 2
    assert (
        snapshot.counter(
            "operation_errors_total", operation="double", error_code="ONEX_INVALID_INPUT"
        )
        == 1
    )
    assert snapshot.timings["operation_duration_ms{operation=double}"].count == 2
    assert snapshot.gauges["operations_in_flight"] == 0


async def test_switches_turn_operation_metrics_off() -> None:
    node = _node({"collect_throughput": False, "track_latency": False, "track_error_rate": False})
    await node.initialize()
    with pytest.raises(ModelOnexError):
        await node.execute_compute(-1)
    snapshot = node.get_metrics()
    assert snapshot.counter("operations_total", operation="double") == 0
    assert snapshot.timings == {}
    assert not any(k.startswith("operation_errors_total") for k in snapshot.counters)


def test_disabled_metrics_record_nothing_and_reset_clears() -> None:
    disabled = _node({"metrics_enabled": False})
    disabled.increment_counter("x")
    disabled.record_timing("t", 1.0)
    assert disabled.get_metrics().counters == {}
    enabled = _node()
    enabled.increment_counter("x")
    enabled.reset_metrics()
    assert enabled.get_metrics().counters == {}


def test_sample_bound_keeps_the_newest_samples() -> None:
    node = _node({"max_samples": 10})
    for value in range(100):
        node.record_timing("t", float(value))
    summary = node.get_metrics().timings["t"]
    assert summary.count == 100
    assert summary.min_ms == 0.0
    assert summary.percentiles[50.0] == 94.0  # over the newest 10 samples (90..99)
