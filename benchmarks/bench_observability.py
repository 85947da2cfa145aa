"""Cost of one structured log line and one ``record_metric`` next to bare stdlib logging.

Every case writes to ``os.devnull`` through a stdlib ``StreamHandler``, so the
numbers compare formatting and dispatch, not disk speed:

- ``stdlib_line``: ``logging.getLogger(...).info("event %s", i)`` with a
  plain ``%(asctime)s %(levelname)s %(name)s %(message)s`` formatter (baseline).
- ``structured_line``: ``get_logger(...).info("event", index=i)`` inside a
  log context, rendered as one JSON object (timestamp, level, logger,
  correlation id, ...) by ``configure_logging``.
- ``structured_filtered``: a ``debug`` call below the configured level.
- ``record_metric``: ``MonitoringSystem.record`` on a metric no rule watches,
  and ``record_metric_with_rules`` on ``cache_hit_rate``, which the default
  rules evaluate (two rules, healthy value, no alert).

Usage: ``python3 benchmarks/bench_observability.py [--quick]``.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry

from omninode_bridge.logs import configure_logging, get_logger, log_context
from omninode_bridge.observability.alerts import AlertManager, read_alert_config
from omninode_bridge.observability.monitoring import MetricType, MonitoringSystem


def _per_call_us(func: Callable[[int], Any], calls: int, repeats: int) -> dict[str, float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        for i in range(calls):
            func(i)
        samples.append((time.perf_counter_ns() - start) / calls / 1000)
    return {"median_us": round(statistics.median(samples), 3), "min_us": round(min(samples), 3)}


def run(quick: bool = False) -> dict[str, Any]:
    """Measure the cases; returns per-call microseconds (median and min of repeats)."""
    calls = 2_000 if quick else 20_000
    repeats = 3 if quick else 7
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - closed in finally
    try:
        for handler in saved_handlers:
            root.removeHandler(handler)
        baseline_logger = logging.getLogger("bench.stdlib")
        baseline_logger.propagate = False
        baseline_handler = logging.StreamHandler(devnull)
        baseline_handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
        )
        baseline_logger.addHandler(baseline_handler)
        baseline_logger.setLevel(logging.INFO)

        installed = configure_logging(level="INFO", log_format="json", stream=devnull)
        structured = get_logger("bench.structured", component="bench")

        results: dict[str, Any] = {"calls": calls, "repeats": repeats}
        results["stdlib_line"] = _per_call_us(
            lambda i: baseline_logger.info("event %s", i), calls, repeats
        )
        with log_context(correlation_id="bench-correlation-id", session_id="bench-session"):
            results["structured_line"] = _per_call_us(
                lambda i: structured.info("event", index=i), calls, repeats
            )
            results["structured_filtered"] = _per_call_us(
                lambda i: structured.debug("event", index=i), calls, repeats
            )

        manager = AlertManager(rules=read_alert_config().rules)
        system = MonitoringSystem(alert_manager=manager, registry=CollectorRegistry())
        results["record_metric"] = _per_call_us(
            lambda i: system.record("bench_metric", float(i), MetricType.GAUGE, {"k": "v"}),
            calls,
            repeats,
        )
        results["record_metric_with_rules"] = _per_call_us(
            lambda i: system.record("cache_hit_rate", 0.9, MetricType.GAUGE), calls, repeats
        )
        system.close()
        manager.close()
        base = results["stdlib_line"]["median_us"]
        results["structured_vs_stdlib"] = round(results["structured_line"]["median_us"] / base, 2)
        results["record_metric_vs_stdlib"] = round(results["record_metric"]["median_us"] / base, 2)
        for handler in installed:
            root.removeHandler(handler)
        baseline_logger.removeHandler(baseline_handler)
        return results
    finally:
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        devnull.close()


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
