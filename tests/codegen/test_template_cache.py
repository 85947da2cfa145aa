"""TemplateLRUCache on its own: order, limits, counters, timings, threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import jinja2
import pytest

from omninode_bridge.agents.workflows import (
    Template,
    TemplateCache,
    TemplateLRUCache,
    TemplateType,
)
from omninode_bridge.codegen.template_cache import CachedTemplate, FileFingerprint


def entry(name: str, size: int = 10) -> CachedTemplate:
    content = "x" * size
    template = Template(name, TemplateType.MODEL, content, size_bytes=size)
    return CachedTemplate(
        template,
        jinja2.Template(content),
        FileFingerprint(f"/t/{name}.j2", 1, size, "0" * 64),
    )


class FakeClock:
    """Advances by a fixed step on every reading."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_get_counts_hits_and_misses() -> None:
    cache = TemplateLRUCache(max_size=3)
    cache.put("a", entry("a"))

    assert cache.get("a") is not None
    assert cache.get("b") is None

    stats = cache.get_stats()
    assert (stats.hits, stats.misses, stats.total_requests, stats.hit_rate) == (1, 1, 2, 0.5)


def test_least_recently_used_goes_first() -> None:
    cache = TemplateLRUCache(max_size=2)
    cache.put("a", entry("a"))
    cache.put("b", entry("b"))
    cache.get("a")

    cache.put("c", entry("c"))

    assert cache.keys() == ["a", "c"]
    assert cache.get_stats().evictions == 1


def test_memory_limit_evicts_until_the_new_entry_fits() -> None:
    cache = TemplateLRUCache(max_size=10, max_memory_mb=25 / (1024 * 1024))
    cache.put("a", entry("a", 10))
    cache.put("b", entry("b", 10))

    cache.put("c", entry("c", 12))

    assert cache.keys() == ["b", "c"]
    assert cache.get_stats().total_size_bytes == 22


def test_entry_larger_than_the_memory_limit_is_not_stored() -> None:
    cache = TemplateLRUCache(max_size=10, max_memory_mb=5 / (1024 * 1024))

    cache.put("big", entry("big", 6))

    assert "big" not in cache
    assert cache.get_stats().evictions == 0


def test_stale_entry_is_invalidated_and_counted_as_a_miss() -> None:
    cache = TemplateLRUCache()
    cache.put("a", entry("a"))

    assert cache.get("a", is_fresh=lambda e: False) is None

    stats = cache.get_stats()
    assert (stats.hits, stats.misses, stats.invalidations, stats.current_size) == (0, 1, 1, 0)


def test_replace_keeps_order_and_counters() -> None:
    cache = TemplateLRUCache()
    cache.put("a", entry("a", 10))
    cache.put("b", entry("b", 10))

    cache.replace("a", entry("a", 20))
    cache.replace("absent", entry("absent"))

    assert cache.keys() == ["a", "b"]
    assert cache.get_stats().total_size_bytes == 30
    assert "absent" not in cache


def test_timings_use_the_injected_clock() -> None:
    cache = TemplateLRUCache(clock=FakeClock(step=0.001))
    cache.put("a", entry("a"))
    cache.get("a")
    cache.get("a")

    stats = cache.get_stats()
    assert stats.avg_get_time_ms == pytest.approx(1.0)
    assert stats.avg_put_time_ms == pytest.approx(1.0)


def test_clear_resets_everything() -> None:
    cache = TemplateLRUCache()
    cache.put("a", entry("a"))
    cache.get("a")

    cache.clear()

    stats = cache.get_stats()
    assert (stats.current_size, stats.hits, stats.total_size_bytes) == (0, 0, 0)


@pytest.mark.parametrize(("size", "memory"), [(0, 1.0), (1, 0.0)], ids=["size", "memory"])
def test_limits_must_be_positive(size: int, memory: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        TemplateLRUCache(max_size=size, max_memory_mb=memory)


def test_threads_share_one_cache_safely() -> None:
    cache = TemplateLRUCache(max_size=16)
    names = [f"t{i}" for i in range(32)]
    start = threading.Barrier(8)

    def worker(offset: int) -> None:
        start.wait()
        for round_ in range(200):
            name = names[(offset + round_) % len(names)]
            if cache.get(name) is None:
                cache.put(name, entry(name))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stats = cache.get_stats()
    assert stats.total_requests == 8 * 200
    assert stats.current_size == 16
    assert stats.total_size_bytes == sum(e.size_bytes for e in _entries(cache))


def _entries(cache: TemplateLRUCache) -> Iterator[CachedTemplate]:
    for name in cache:
        found = cache.peek(name)
        assert found is not None
        yield found


def test_template_cache_is_the_same_cache_under_the_guide_name() -> None:
    cache = TemplateCache(max_templates=2, max_size_mb=1)
    cache.put("a", entry("a"))
    cache.get("a")

    stats = cache.get_stats()

    assert isinstance(cache, TemplateLRUCache)
    assert stats["max_size"] == 2
    assert stats["max_size_bytes"] == 1024 * 1024
    assert stats["hits"] == 1
    assert stats["cached_templates"] == 1
    assert cache.snapshot().hits == 1
