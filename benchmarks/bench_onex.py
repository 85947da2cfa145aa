"""ONEX runtime: per-operation cost of the node plumbing next to a bare await.

Measured in one process and run:

* ``bare_await_us``: ``await handler(payload)``, the floor;
* ``run_operation_us``: ``NodeEffect.run_operation`` on a node without mixins
  (running check, hooks, error mapping);
* ``dispatch_us``: ``dispatch`` through an ``OperationRouter`` on the same node;
* ``dispatch_with_mixins_us``: ``dispatch`` on a node with ``MixinHealthCheck``,
  ``MixinMetrics``, ``MixinLogData`` (level INFO, so per-operation DEBUG lines
  are filtered) and ``MixinRequestResponseIntrospection``;
* ``cache_hit_us`` / ``dict_get_us``: ``MixinCaching.cache_get`` on a live
  entry next to a plain ``dict.get``.

Each figure is the median over repetitions of a timed loop; the cases take
turns within every repetition so that a change in machine load affects them
alike.

Run: ``python3 benchmarks/run.py --only onex`` (or this file directly).
"""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from omninode_bridge.onex import ModelONEXContainer, NodeEffect, OperationRouter
from omninode_bridge.onex.mixins import (
    MixinCaching,
    MixinHealthCheck,
    MixinLogData,
    MixinMetrics,
    MixinRequestResponseIntrospection,
)


async def _handler(payload: dict[str, Any]) -> dict[str, Any]:
    return payload


class NodePlainEffect(NodeEffect):
    async def execute_effect(self, input_data: Any) -> Any:
        return await _handler(input_data)


class NodeMixedEffect(
    NodeEffect,
    MixinHealthCheck,
    MixinMetrics,
    MixinLogData,
    MixinRequestResponseIntrospection,
    MixinCaching,
):
    async def execute_effect(self, input_data: Any) -> Any:
        return await _handler(input_data)


async def _per_call_us(call: Callable[[], Awaitable[object]], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        await call()
    return (time.perf_counter() - start) / calls * 1e6


async def _measure(quick: bool) -> dict[str, Any]:
    calls, repeats = (500, 3) if quick else (5000, 7)
    plain = NodePlainEffect(ModelONEXContainer())
    mixed = NodeMixedEffect(ModelONEXContainer())
    router: OperationRouter[dict[str, Any], dict[str, Any]] = OperationRouter({"echo": _handler})
    for node in (plain, mixed):
        await node.initialize()
    mixed.cache_set("k", 1)
    table = {"k": 1}
    payload = {"x": 1}

    async def dict_get() -> object:
        return table.get("k")

    async def cache_hit() -> object:
        return mixed.cache_get("k")

    cases: dict[str, Callable[[], Awaitable[object]]] = {
        "bare_await_us": lambda: _handler(payload),
        "run_operation_us": lambda: plain.run_operation("echo", _handler, payload),
        "dispatch_us": lambda: plain.dispatch(router, "echo", payload),
        "dispatch_with_mixins_us": lambda: mixed.dispatch(router, "echo", payload),
        "dict_get_us": dict_get,
        "cache_hit_us": cache_hit,
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, call in cases.items():
            samples[name].append(await _per_call_us(call, calls))
    for node in (plain, mixed):
        await node.shutdown()
    result: dict[str, Any] = {
        name: round(statistics.median(values), 3) for name, values in samples.items()
    }
    result["dispatch_overhead_factor"] = round(result["dispatch_us"] / result["bare_await_us"], 1)
    result["calls_per_repeat"] = calls
    result["repeats"] = repeats
    return result


def run(quick: bool = False) -> dict[str, Any]:
    """Measure and return the figures described in the module docstring."""
    # Keep node lifecycle lines off stdout, which carries the JSON result.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    return asyncio.run(_measure(quick))


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
