"""MixinCaching: TTL with an injected clock, LRU eviction, stats, shared misses."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omninode_bridge.onex import CLOCK, ModelONEXContainer, NodeCompute
from omninode_bridge.onex.mixins import MixinCaching, MixinMetrics, TTLCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class NodeCachedCompute(NodeCompute, MixinCaching, MixinMetrics):
    async def execute_compute(self, input_data: Any) -> Any:
        return input_data


def _node(config: dict[str, Any], clock: FakeClock | None = None) -> NodeCachedCompute:
    container = ModelONEXContainer()
    if clock is not None:
        container.register(CLOCK, clock)
    contract = {
        "name": "NodeCachedCompute",
        "node_type": "compute",
        "mixins": [
            {"name": "MixinCaching", "config": config},
            {"name": "MixinMetrics", "config": {"track_cache_hit_rate": True}},
        ],
    }
    return NodeCachedCompute(container, contract=contract)


def test_entries_expire_after_their_ttl() -> None:
    clock = FakeClock()
    node = _node({"cache_ttl_seconds": 10}, clock)
    node.cache_set("a", 1)
    node.cache_set("b", 2, ttl_seconds=100)
    clock.now += 9.9
    assert node.cache_get("a") == 1
    clock.now += 0.1
    assert node.cache_get("a") is None
    assert node.cache_get("b") == 2
    stats = node.cache_stats()
    assert (stats.hits, stats.misses, stats.expirations) == (2, 1, 1)
    assert stats.hit_rate == pytest.approx(2 / 3)


def test_least_recently_used_entry_is_evicted() -> None:
    node = _node({"max_cache_size": 2})
    node.cache_set("a", 1)
    node.cache_set("b", 2)
    assert node.cache_get("a") == 1  # a is now more recent than b
    node.cache_set("c", 3)
    assert node.cache_get("b") is None
    assert (node.cache_get("a"), node.cache_get("c")) == (1, 3)
    assert node.cache_stats().evictions == 1
    assert node.cache_stats().size == 2


def test_prefix_invalidate_clear_and_stored_none() -> None:
    node = _node({"cache_key_prefix": "compute_"})
    node.cache_set("k", None)
    assert node.cache_get("k", "default") is None
    assert node.cache_invalidate("k")
    assert not node.cache_invalidate("k")
    node.cache_set("x", 1)
    node.cache_clear()
    assert node.cache_get("x") is None


def test_disabled_cache_always_misses() -> None:
    node = _node({"cache_enabled": False})
    node.cache_set("a", 1)
    assert node.cache_get("a") is None
    assert node.get_metrics().counter("cache_misses_total") == 1


def test_hits_and_misses_reach_metrics() -> None:
    node = _node({})
    node.cache_set("a", 1)
    node.cache_get("a")
    node.cache_get("zzz")
    snapshot = node.get_metrics()
    assert (snapshot.counter("cache_hits_total"), snapshot.counter("cache_misses_total")) == (1, 1)


def test_cache_keys_are_stable_across_key_order() -> None:
    node = _node({})
    assert node.make_cache_key({"a": 1, "b": 2}, "x") == node.make_cache_key({"b": 2, "a": 1}, "x")
    assert node.make_cache_key(1) != node.make_cache_key("1")


async def test_concurrent_misses_share_one_computation() -> None:
    node = _node({})
    release = asyncio.Event()
    calls: list[int] = []

    async def compute() -> int:
        calls.append(1)
        await release.wait()
        return 42

    tasks = [asyncio.create_task(node.cache_get_or_compute("k", compute)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*tasks) == [42] * 5
    assert calls == [1]
    assert await node.cache_get_or_compute("k", compute) == 42
    assert calls == [1]


async def test_failed_computation_is_not_cached_and_reaches_every_waiter() -> None:
    node = _node({})
    release = asyncio.Event()

    async def compute() -> int:
        await release.wait()
        raise ValueError("no")

    tasks = [asyncio.create_task(node.cache_get_or_compute("k", compute)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, ValueError) for r in results)

    async def works() -> int:
        return 7

    assert await node.cache_get_or_compute("k", works) == 7


async def test_shutdown_clears_the_cache() -> None:
    node = _node({})
    await node.initialize()
    node.cache_set("a", 1)
    await node.shutdown()
    assert node.cache_stats().size == 0


def test_ttl_cache_standalone() -> None:
    clock = FakeClock()
    cache = TTLCache(max_size=1, ttl_seconds=1.0, clock=clock)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") is None
    assert cache.get("b") == 2
    assert cache.stats().max_size == 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["set", "get", "tick"]),
            st.sampled_from(["a", "b", "c", "d"]),
            st.integers(min_value=0, max_value=5),
        ),
        max_size=60,
    )
)
def test_ttl_cache_matches_a_reference_model(ops: list[tuple[str, str, int]]) -> None:
    clock = FakeClock()
    cache = TTLCache(max_size=3, ttl_seconds=4.0, clock=clock)
    model: dict[str, tuple[float, int]] = {}  # key -> (expiry, value), insertion = recency order
    for step, (op, key, n) in enumerate(ops):
        if op == "tick":
            clock.now += n
        elif op == "set":
            model.pop(key, None)
            model[key] = (clock.now + 4.0, step)
            cache.set(key, step)
            while len(model) > 3:
                del model[next(iter(model))]
        else:
            entry = model.get(key)
            expected = None
            if entry is not None and entry[0] > clock.now:
                expected = entry[1]
                model[key] = model.pop(key)
            elif entry is not None:
                del model[key]
            assert cache.get(key) == expected
    assert cache.stats().size == len(model)
