"""TemplateManager: hits, misses, evictions, hit rate, invalidation, preload, concurrency."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.agents.metrics import MetricsCollector
from omninode_bridge.agents.workflows import (
    Template,
    TemplateCache,
    TemplateLRUCache,
    TemplateManager,
    TemplateRenderContext,
    TemplateType,
)
from omninode_bridge.codegen.template_manager import BUILTIN_TEMPLATE_DIR
from omninode_bridge.errors import TemplateError, TemplateRenderError


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    path = tmp_path / "user"
    path.mkdir()
    return path


@pytest.fixture
def builtin_dir(tmp_path: Path) -> Path:
    path = tmp_path / "builtin"
    path.mkdir()
    return path


def put(directory: Path, template_id: str, text: str, *, mtime_ns: int | None = None) -> Path:
    path = directory / f"{template_id}.j2"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


async def started(
    user_dir: Path, builtin_dir: Path | None = None, **kwargs: object
) -> TemplateManager:
    manager = TemplateManager(user_dir, builtin_dir=builtin_dir, **kwargs)  # type: ignore[arg-type]
    await manager.start()
    return manager


async def test_first_load_misses_then_hits(user_dir: Path) -> None:
    put(user_dir, "node_effect_v1", "class {{ name }}: pass\n")
    manager = await started(user_dir)

    first = await manager.load_template("node_effect_v1", TemplateType.EFFECT)
    second = await manager.load_template("node_effect_v1", TemplateType.EFFECT)

    assert isinstance(first, Template)
    assert first.content == "class {{ name }}: pass\n"
    assert first.size_bytes == len(first.content)
    assert first.template_type is TemplateType.EFFECT
    assert first.metadata is not None
    assert first.metadata.builtin is False
    assert second is first
    stats = manager.get_cache_stats()
    assert (stats.hits, stats.misses, stats.total_requests) == (1, 1, 2)
    assert stats.hit_rate == 0.5
    assert stats.cache_hits == 1
    assert stats.cache_misses == 1
    assert stats.loads == 1
    assert stats.current_size == 1
    assert stats.total_size_bytes == first.size_bytes
    assert stats.avg_get_time_ms > 0


async def test_hit_rate_over_many_requests(user_dir: Path) -> None:
    for name in ("a", "b"):
        put(user_dir, name, name)
    manager = await started(user_dir)

    for _ in range(5):
        for name in ("a", "b"):
            await manager.load_template(name, TemplateType.MODEL)

    stats = manager.get_cache_stats()
    assert (stats.hits, stats.misses) == (8, 2)
    assert stats.hit_rate == pytest.approx(0.8)


async def test_least_recently_used_template_is_evicted(user_dir: Path) -> None:
    for name in ("a", "b", "c"):
        put(user_dir, name, f"template {name}")
    manager = await started(user_dir, cache_size=2)

    await manager.load_template("a", TemplateType.MODEL)
    await manager.load_template("b", TemplateType.MODEL)
    await manager.load_template("a", TemplateType.MODEL)
    await manager.load_template("c", TemplateType.MODEL)

    stats = manager.get_cache_stats()
    assert stats.evictions == 1
    assert stats.current_size == 2
    assert stats.max_size == 2
    assert sorted(manager.cache.keys()) == ["a", "c"]  # preloads finish in any order


async def test_memory_limit_evicts_too(user_dir: Path) -> None:
    put(user_dir, "big1", "x" * 600)
    put(user_dir, "big2", "y" * 600)
    cache = TemplateLRUCache(max_size=10, max_memory_mb=1000 / (1024 * 1024))
    manager = await started(user_dir, cache=cache)

    await manager.load_template("big1", TemplateType.MODEL)
    await manager.load_template("big2", TemplateType.MODEL)

    assert cache.keys() == ["big2"]
    assert manager.get_cache_stats().evictions == 1


async def test_changed_file_content_invalidates_the_entry(user_dir: Path) -> None:
    put(user_dir, "tpl", "version one", mtime_ns=1_000_000_000)
    manager = await started(user_dir)
    await manager.load_template("tpl", TemplateType.MODEL)

    put(user_dir, "tpl", "version two", mtime_ns=2_000_000_000)
    reloaded = await manager.load_template("tpl", TemplateType.MODEL)

    assert reloaded.content == "version two"
    stats = manager.get_cache_stats()
    assert (stats.hits, stats.misses, stats.invalidations, stats.loads) == (0, 2, 1, 2)
    assert await manager.render_template("tpl", {}) == "version two"


async def test_touched_file_with_same_content_stays_cached(user_dir: Path) -> None:
    put(user_dir, "tpl", "same", mtime_ns=1_000_000_000)
    manager = await started(user_dir)
    first = await manager.load_template("tpl", TemplateType.MODEL)

    put(user_dir, "tpl", "same", mtime_ns=3_000_000_000)
    second = await manager.load_template("tpl", TemplateType.MODEL)
    third = await manager.load_template("tpl", TemplateType.MODEL)

    assert second is first
    assert third is first
    stats = manager.get_cache_stats()
    assert (stats.hits, stats.invalidations, stats.loads) == (2, 0, 1)


async def test_user_template_overrides_builtin(user_dir: Path, builtin_dir: Path) -> None:
    put(builtin_dir, "readme", "built-in {{ name }}")
    manager = await started(user_dir, builtin_dir)

    assert await manager.render_template("readme", {"name": "x"}) == "built-in x"
    loaded = await manager.load_template("readme", TemplateType.MODEL)
    assert loaded.metadata is not None
    assert loaded.metadata.builtin is True

    put(user_dir, "readme", "user {{ name }}")

    assert await manager.render_template("readme", {"name": "x"}) == "user x"
    assert manager.template_path("readme") == user_dir / "readme.j2"
    assert manager.get_cache_stats().invalidations == 1


async def test_removed_file_is_noticed(user_dir: Path) -> None:
    path = put(user_dir, "gone", "here")
    manager = await started(user_dir)
    await manager.load_template("gone", TemplateType.MODEL)

    path.unlink()

    with pytest.raises(TemplateError, match="template 'gone' not found"):
        await manager.load_template("gone", TemplateType.MODEL)


async def test_typed_subfolder_is_searched(user_dir: Path) -> None:
    put(user_dir / "effect", "node_v1", "typed")
    manager = await started(user_dir)

    template = await manager.load_template("node_v1", TemplateType.EFFECT)

    assert template.content == "typed"
    assert not manager.has_template("node_v1")
    assert manager.has_template("node_v1", TemplateType.EFFECT)


async def test_force_reload_reads_the_file_again(user_dir: Path) -> None:
    put(user_dir, "tpl", "one")
    manager = await started(user_dir)
    first = await manager.load_template("tpl", TemplateType.MODEL)

    again = await manager.load_template("tpl", TemplateType.MODEL, force_reload=True)

    assert again is not first
    assert again.content == "one"
    stats = manager.get_cache_stats()
    assert (stats.misses, stats.loads) == (2, 2)


async def test_invalidate_one_or_all(user_dir: Path) -> None:
    for name in ("a", "b", "c"):
        put(user_dir, name, name)
    manager = await started(user_dir)
    await manager.preload_templates([(n, TemplateType.MODEL) for n in ("a", "b", "c")])

    assert manager.invalidate("b") == 1
    assert manager.invalidate("b") == 0
    assert sorted(manager.cache.keys()) == ["a", "c"]  # preloads finish in any order
    assert manager.invalidate() == 2
    assert manager.get_cache_stats().invalidations == 3
    assert manager.get_cache_stats().current_size == 0


async def test_preload_fills_the_cache(user_dir: Path) -> None:
    ids = ["node_effect_v1", "node_compute_v1", "node_reducer_v1"]
    for name in ids:
        put(user_dir, name, name)
    manager = await started(user_dir)

    await manager.preload_templates([(name, TemplateType.infer(name)) for name in ids])
    for name in ids:
        await manager.render_template(name, {})

    stats = manager.get_cache_stats()
    assert stats.current_size == 3
    assert (stats.misses, stats.hits, stats.loads) == (3, 3, 3)
    assert manager.cache.peek("node_compute_v1") is not None


async def test_preload_reports_every_missing_template(user_dir: Path) -> None:
    put(user_dir, "present", "ok")
    manager = await started(user_dir)

    with pytest.raises(TemplateError) as caught:
        await manager.preload_templates(
            [
                ("present", TemplateType.MODEL),
                ("absent_one", TemplateType.MODEL),
                ("absent_two", TemplateType.TEST),
            ]
        )

    message = str(caught.value)
    assert message.startswith("2 of 3 templates could not be preloaded")
    assert "'absent_one'" in message
    assert "'absent_two'" in message
    assert "present" in manager.cache


async def test_concurrent_renders_from_many_tasks(user_dir: Path) -> None:
    ids = [f"tpl_{i}" for i in range(4)]
    for name in ids:
        put(user_dir, name, name + ": {{ n }}\n")
    manager = await started(user_dir)

    async def render(n: int) -> tuple[int, str]:
        return n, await manager.render_template(ids[n % 4], {"n": n})

    results = await asyncio.gather(*(render(n) for n in range(200)))

    assert all(text == f"tpl_{n % 4}: {n}\n" for n, text in results)
    stats = manager.get_cache_stats()
    assert stats.loads == 4
    assert stats.renders == 200
    assert stats.total_requests == 200

    await asyncio.gather(*(render(n) for n in range(200)))

    assert manager.get_cache_stats().hits >= 200
    assert manager.get_cache_stats().loads == 4


async def test_concurrent_first_loads_share_one_read(user_dir: Path) -> None:
    put(user_dir, "shared", "x")
    manager = await started(user_dir)

    loaded = await asyncio.gather(
        *(manager.load_template("shared", TemplateType.MODEL) for _ in range(50))
    )

    assert all(t is loaded[0] for t in loaded)
    assert manager.get_cache_stats().loads == 1


async def test_undefined_variable_is_an_error_with_file_and_line(user_dir: Path) -> None:
    path = put(user_dir, "strict", "line one\n{{ missing }}\n")
    manager = await started(user_dir)

    with pytest.raises(TemplateRenderError) as caught:
        await manager.render_template("strict", {})

    assert str(caught.value).startswith(f"{path}:2: cannot render template 'strict'")
    assert caught.value.variable == "missing"
    assert caught.value.template_id == "strict"
    assert "'missing'" in str(caught.value)


async def test_syntax_error_names_file_and_line(user_dir: Path) -> None:
    path = put(user_dir, "broken", "ok\n{% if x %}\nno end\n")
    manager = await started(user_dir)

    with pytest.raises(TemplateError, match=rf"^{path}:\d+: template syntax error"):
        await manager.load_template("broken", TemplateType.MODEL)


@pytest.mark.parametrize(
    "template_id",
    ["../escape", "/etc/passwd", "a/../../b", "a\\b", "", "with space"],
    ids=["dotdot", "absolute", "nested-dotdot", "backslash", "empty", "space"],
)
async def test_ids_that_leave_the_template_folders_are_refused(
    user_dir: Path, template_id: str
) -> None:
    manager = await started(user_dir)

    with pytest.raises(TemplateError, match="invalid template id"):
        await manager.load_template(template_id, TemplateType.MODEL)


async def test_missing_template_lists_where_it_looked(user_dir: Path, builtin_dir: Path) -> None:
    manager = await started(user_dir, builtin_dir)

    with pytest.raises(TemplateError) as caught:
        await manager.render_template("nope", {})

    assert "nope.j2" in str(caught.value)
    assert str(user_dir) in str(caught.value)
    assert str(builtin_dir) in str(caught.value)


async def test_render_context_with_filters_and_globals(user_dir: Path) -> None:
    put(user_dir, "ctx", "{{ greeting }} {{ name | shout }}")
    manager = await started(user_dir)
    context = TemplateRenderContext(
        variables={"name": "node"},
        filters={"shout": lambda s: s.upper() + "!"},
        globals={"greeting": "hello", "name": "overridden"},
    )

    assert await manager.render_template("ctx", context) == "hello NODE!"
    with pytest.raises(TemplateError, match="No filter named 'shout'"):
        await manager.render_template("ctx", {"name": "node", "greeting": "hi"})


async def test_manager_wide_filters(user_dir: Path) -> None:
    put(user_dir, "f", "{{ 'a b' | dashes }}")
    manager = await started(user_dir, filters={"dashes": lambda s: s.replace(" ", "-")})

    assert await manager.render_template("f", {}) == "a-b"


async def test_whitespace_control_and_trailing_newline(user_dir: Path) -> None:
    put(user_dir, "ws", "items:\n    {% for i in items %}\n- {{ i }}\n    {% endfor %}\n")
    manager = await started(user_dir)

    assert await manager.render_template("ws", {"items": [1, 2]}) == "items:\n- 1\n- 2\n"


async def test_no_autoescape_for_code(user_dir: Path) -> None:
    put(user_dir, "code", "x = {{ value }}")
    manager = await started(user_dir)

    assert await manager.render_template("code", {"value": "'<a>' & \"b\""}) == (
        "x = '<a>' & \"b\""
    )


async def test_includes_resolve_through_the_search_path(user_dir: Path, builtin_dir: Path) -> None:
    put(builtin_dir, "header", "# header\n")
    put(user_dir, "body", "{% include 'header.j2' %}body")
    manager = await started(user_dir, builtin_dir)

    assert await manager.render_template("body", {}) == "# header\nbody"


async def test_a_missing_directory_means_no_overrides_with_a_warning(
    tmp_path: Path, log_capture: Any
) -> None:
    manager = TemplateManager(tmp_path / "absent")

    await manager.start()
    template = await manager.load_template("node_effect_v1", TemplateType.EFFECT)

    assert template.metadata.builtin
    warnings = [r for r in log_capture.records() if r["event"] == "templates.dir_missing"]
    assert warnings and warnings[0]["level"] == "warning"


async def test_start_refuses_a_file_given_as_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    manager = TemplateManager(tmp_path / "file")

    with pytest.raises(TemplateError, match="not a directory"):
        await manager.start()


async def test_stop_keeps_the_shared_cache(user_dir: Path) -> None:
    put(user_dir, "t", "t")
    manager = await started(user_dir)
    await manager.load_template("t", TemplateType.MODEL)

    await manager.stop()

    assert not manager.is_started
    assert "t" in manager.cache


async def test_shared_template_cache_alias(user_dir: Path) -> None:
    put(user_dir, "shared", "s")
    cache = TemplateCache(max_templates=10, max_size_mb=1)
    first = await started(user_dir, cache=cache)
    second = await started(user_dir, cache=cache)

    await first.load_template("shared", TemplateType.MODEL)
    await second.load_template("shared", TemplateType.MODEL)

    assert isinstance(cache, TemplateLRUCache)
    stats = cache.get_stats()
    assert stats["hits"] == 1
    assert stats["misses"] == 1
    assert stats["hit_rate"] == 0.5
    assert stats["cached_templates"] == 1
    assert stats["max_size"] == 10
    assert second.get_cache_stats().loads == 0


async def test_metrics_collector_receives_counts_and_timings(user_dir: Path) -> None:
    put(user_dir, "m", "{{ x }}")
    metrics = MetricsCollector()
    manager = await started(user_dir, metrics_collector=metrics)

    await manager.render_template("m", {"x": 1})
    await manager.render_template("m", {"x": 2})

    hits = metrics.get_summary("template_cache_hit")
    misses = metrics.get_summary("template_cache_miss")
    assert hits is not None
    assert misses is not None
    assert (hits.count, misses.count) == (1, 1)
    assert metrics.get_summary("template_render_ms") is not None
    assert metrics.get_summary("template_load_ms") is not None


async def test_take_activity_reports_the_lookups_loads_and_renders_since_the_last_take(
    user_dir: Path,
) -> None:
    put(user_dir, "a", "{{ x }}")
    put(user_dir, "b", "{{ x }}")
    manager = await started(user_dir)
    await manager.render_template("a", {"x": 1})
    manager.take_activity()

    await manager.render_template("a", {"x": 2})
    await manager.render_template("b", {"x": 3})
    manager.load_template_now("b", TemplateType.MODEL)
    activity = manager.take_activity()

    assert dict(activity.hits) == {"a": 1, "b": 1}
    assert dict(activity.misses) == {"b": 1}
    assert [(load.template_id, load.count) for load in activity.loads] == [("b", 1)]
    assert activity.renders == 2
    assert not manager.take_activity()


async def test_merged_activity_counts_in_the_stats_and_the_metrics(user_dir: Path) -> None:
    put(user_dir, "a", "{{ x }}")
    metrics = MetricsCollector()
    manager = await started(user_dir, metrics_collector=metrics)
    await manager.render_template("a", {"x": 1})  # one miss here
    worker = await started(user_dir)
    for x in range(4):  # one miss, three hits in "another process"
        await worker.render_template("a", {"x": x})

    manager.merge_activity(worker.take_activity())

    stats = manager.get_cache_stats()
    assert (stats.hits, stats.misses, stats.total_requests) == (3, 2, 5)
    assert stats.hit_rate == 0.6
    assert (stats.loads, stats.renders) == (2, 5)
    assert manager.cache.get_stats().hits == 0  # this manager's own cache saw no hit
    hits = metrics.get_summary("template_cache_hit")
    misses = metrics.get_summary("template_cache_miss")
    loads = metrics.get_summary("template_load_ms")
    assert hits is not None and misses is not None and loads is not None
    assert (hits.total, misses.total, loads.count) == (3, 2, 2)
    assert not manager.take_activity().hits  # merged activity is not this manager's to report


def test_template_type_values_and_inference() -> None:
    assert [t.value for t in TemplateType] == [
        "effect",
        "compute",
        "reducer",
        "orchestrator",
        "model",
        "validator",
        "test",
        "contract",
    ]
    assert TemplateType("effect") == "effect"
    assert TemplateType.infer("node_reducer_v1") is TemplateType.REDUCER
    assert TemplateType.infer("readme_v1") is TemplateType.MODEL


def test_builtin_directory_is_the_codegen_template_folder() -> None:
    assert BUILTIN_TEMPLATE_DIR.parts[-2:] == ("codegen", "templates")


async def test_stop_during_a_load_fails_waiters_cleanly(user_dir: Path) -> None:
    import threading

    put(user_dir, "slow_v1", "hello {{ name }}")
    manager = TemplateManager(user_dir, builtin_dir=None)
    await manager.start()
    release = threading.Event()
    reading = threading.Event()
    original = manager._read_and_compile

    def slow_read(*args: object) -> object:
        reading.set()
        release.wait(5)
        return original(*args)  # type: ignore[arg-type]

    manager._read_and_compile = slow_read  # type: ignore[method-assign]
    first = asyncio.ensure_future(manager.load_template("slow_v1", TemplateType.EFFECT))
    await asyncio.to_thread(reading.wait, 5)
    second = asyncio.ensure_future(manager.load_template("slow_v1", TemplateType.EFFECT))
    await asyncio.sleep(0)
    await manager.stop()
    release.set()
    loaded = await first
    assert loaded.content == "hello {{ name }}"
    with pytest.raises(TemplateError, match="stopped"):
        await second


async def test_load_template_now_shares_the_cache_with_load_template(user_dir: Path) -> None:
    put(user_dir, "node_effect_v1", "class {{ name }}: pass\n")
    manager = TemplateManager(user_dir)

    first = manager.load_template_now("node_effect_v1", TemplateType.EFFECT)
    again = await manager.load_template("node_effect_v1", TemplateType.EFFECT)

    assert again is first
    stats = manager.get_cache_stats()
    assert (stats.misses, stats.hits, stats.loads) == (1, 1, 1)


def test_load_template_now_reports_an_unknown_id(user_dir: Path) -> None:
    manager = TemplateManager(user_dir, builtin_dir=None)

    with pytest.raises(TemplateError, match="'absent' not found"):
        manager.load_template_now("absent", TemplateType.MODEL)
