"""benchmarks/bench_recovery.py measures handle_error through the real orchestrator."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_recovery.py"


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("bench_recovery", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_recovery"] = module
    spec.loader.exec_module(module)
    return module


def test_overhead_is_wall_time_less_backoff_and_operation() -> None:
    figures = _load().run(quick=True)

    cases = figures["cases"]
    assert set(cases) == {"transient", "retried", "escalated"}
    assert cases["transient"]["success"] and cases["retried"]["success"]
    assert cases["escalated"]["strategy"] == "escalation"
    retried = cases["retried"]
    # the documented base_delay (1 s, jittered) is slept once before the retry that works
    assert retried["backoff_ms"] >= 500
    assert all(c["overhead_ms"] >= 0 for c in cases.values())
