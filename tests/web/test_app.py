"""The pages and JSON API over a real SQLite store (httpx's ASGI transport, one loop)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from omninode_bridge.observability import (
    AlertRule,
    AlertSeverity,
    HealthChecker,
    MonitoringSystem,
)
from omninode_bridge.persistence import OmniNodePersistence
from omninode_bridge.web import WebOptions, WebSources, create_app


def _app_client(
    monitoring: MonitoringSystem,
    health_checker: HealthChecker,
    store: OmniNodePersistence | None,
    **options: int,
) -> httpx.AsyncClient:
    sources = WebSources(monitoring=monitoring, health_checker=health_checker, store=store)
    app = create_app(sources, WebOptions(**options))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def client(
    monitoring: MonitoringSystem, health_checker: HealthChecker, store: OmniNodePersistence
) -> AsyncIterator[httpx.AsyncClient]:
    async with _app_client(monitoring, health_checker, store, page_size=2) as c:
        yield c


RecordRun = Callable[..., Awaitable[None]]


@pytest.fixture
def record_run(run_writer: RecordRun) -> RecordRun:
    return run_writer


def _run_ids(html: str) -> list[str]:
    return re.findall(r'data-run-id="([^"]+)"', html)


async def test_runs_page_lists_runs_newest_first_and_pages(
    client: httpx.AsyncClient, store: OmniNodePersistence, record_run: RecordRun
) -> None:
    for index in range(3):
        await record_run(store, f"run-{index}", start_ms=index * 1000)
    first = (await client.get("/")).text
    second = (await client.get("/", params={"page": 2})).text
    assert _run_ids(first) == ["run-2", "run-1"]
    assert 'href="/?page=2"' in first
    assert _run_ids(second) == ["run-0"]
    assert 'href="/?page=3"' not in second


async def test_runs_page_shows_store_values_and_dashes_for_missing_ones(
    client: httpx.AsyncClient, store: OmniNodePersistence, record_run: RecordRun
) -> None:
    await record_run(store, "with-meta", metadata={"contracts": ["a", "b", "c"], "workers": 4})
    await record_run(store, "bare", start_ms=500)
    html = (await client.get("/")).text
    rows = {
        m.group(1): m.group(2) for m in re.finditer(r'data-run-id="([^"]+)">(.*?)</tr>', html, re.S)
    }
    cells = {k: re.findall(r'<td class="num">([^<]*)</td>', v) for k, v in rows.items()}
    # duration, contracts, workers, parallelism (130 ms of steps in 100 ms), peak parallel
    assert cells["with-meta"] == ["100.0 ms", "3", "4", "1.30", "2"]
    assert cells["bare"] == ["100.0 ms", "–", "–", "1.30", "2"]


async def test_store_values_are_html_escaped(
    client: httpx.AsyncClient, store: OmniNodePersistence, record_run: RecordRun
) -> None:
    await record_run(store, "x", workflow_id="<script>alert(1)</script>")
    await store.record_validation(
        "x", target="<img src=x onerror=alert(1)>", validator="v", passed=False, issues=["<b>"]
    )
    listing = (await client.get("/")).text
    page = (await client.get("/runs/x")).text
    for html in (listing, page):
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in page
    assert "&lt;b&gt;" in page


async def test_run_page_draws_every_stage_and_the_parallel_steps_in_lanes(
    client: httpx.AsyncClient, store: OmniNodePersistence, record_run: RecordRun
) -> None:
    await record_run(store, "r1")
    await store.record_file_written("r1", "pkg/node.py", size_bytes=120)
    await store.record_validation(
        "r1", target="pkg/node.py", validator="ruff", passed=False, issues=["E501 line too long"]
    )
    html = (await client.get("/runs/r1")).text
    svg = html[html.index("<svg") : html.index("</svg>")]
    labels = re.findall(r'class="lane-label (\w+)"[^>]*>([^<]+)</text>', svg)
    assert labels == [
        ("stage", "parse"),
        ("lane", "lane 1"),
        ("lane", "lane 2"),
        ("stage", "models"),
        ("lane", "lane 1"),
    ]
    assert svg.count('class="bar step status-completed"') == 3
    assert "pkg/node.py" in html
    assert "ruff: failed" in html
    assert "E501 line too long" in html
    assert "stage.finished" in html
    assert 'id="live"' not in html


async def test_running_run_page_polls_for_changes(
    client: httpx.AsyncClient, store: OmniNodePersistence, record_run: RecordRun
) -> None:
    await record_run(store, "live", finished=False)
    html = (await client.get("/runs/live")).text
    before = (await client.get("/api/runs/live")).json()
    await store.record_run_finished("live", success=True, duration_ms=60)
    after = (await client.get("/api/runs/live")).json()
    assert 'data-live="/api/runs/live"' in html
    assert f'data-version="{before["version"]}"' in html
    assert '<script src="/static/live.js"></script>' in html
    assert before["run"]["status"] == "running"
    assert after["run"]["status"] == "completed"
    assert after["version"] != before["version"]


async def test_api_run_returns_stages_steps_and_404_for_unknown(
    client: httpx.AsyncClient, store: OmniNodePersistence, record_run: RecordRun
) -> None:
    await record_run(store, "r1")
    body = (await client.get("/api/runs/r1")).json()
    missing = await client.get("/api/runs/nope")
    missing_page = await client.get("/runs/nope")
    assert [s["stage_id"] for s in body["stages"]] == ["parse", "models"]
    assert [s["step_id"] for s in body["stages"][0]["steps"]] == ["parse_a", "parse_b"]
    assert missing.status_code == 404
    assert missing.json()["error"] == "no run nope"
    assert missing_page.status_code == 404
    assert "no run nope" in missing_page.text


async def test_api_runs_lists_persisted_runs(
    client: httpx.AsyncClient, store: OmniNodePersistence, record_run: RecordRun
) -> None:
    await record_run(store, "r1")
    body = (await client.get("/api/runs", params={"limit": 5})).json()
    assert body["recent"] == []
    assert [r["run_id"] for r in body["persisted"]] == ["r1"]


async def test_stats_page_says_no_data_yet_when_the_store_is_empty(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/stats")).text
    assert html.count("no data yet") == 4


async def test_stats_page_charts_what_the_analytics_hold(
    client: httpx.AsyncClient, store: OmniNodePersistence, record_run: RecordRun
) -> None:
    await record_run(store, "r1")
    await record_run(store, "r2", start_ms=1000)
    await store.upsert_template_cache_metadata("node.py.j2", "node", "k", "node.py.j2", "h", 10)
    await store.update_cache_metrics("node.py.j2", cache_hit=True)
    await store.update_cache_metrics("node.py.j2", cache_hit=False)
    await store.update_mixin_compatibility("EFFECT", ["MixinA", "MixinB"], success=True)
    await store.record_pattern_feedback("crud", "correct", 0.9, is_correct=True)
    html = (await client.get("/stats")).text
    assert "no data yet" not in html
    assert 'aria-label="stage time over runs"' in html
    assert html.count('class="series slot-') == 2
    assert "50% of 1 templates" in html
    assert "1 ok, 0 failed" in html
    assert "100% of 1" in html


async def test_alerts_page_lists_active_alerts(
    client: httpx.AsyncClient, monitoring: MonitoringSystem
) -> None:
    empty = (await client.get("/alerts")).text
    monitoring.alert_manager.add_rule(
        AlertRule("queue_full", "queue_depth", 10, AlertSeverity.WARNING, duration_seconds=0)
    )
    monitoring.record("queue_depth", 50)
    html = (await client.get("/alerts")).text
    assert "No active alerts." in empty
    assert "queue_full" in html
    assert '<span class="badge">1</span>' in html


async def test_pages_without_a_store_say_history_is_off(
    monitoring: MonitoringSystem, health_checker: HealthChecker
) -> None:
    async with _app_client(monitoring, health_checker, None) as client:
        runs = await client.get("/")
        stats = await client.get("/stats")
        run = await client.get("/api/runs/x")
    assert "Run history is off" in runs.text
    assert "Analytics are off" in stats.text
    assert run.status_code == 404


async def test_static_assets_come_from_the_package(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/style.css")
    js = await client.get("/static/live.js")
    assert css.headers["content-type"].startswith("text/css")
    assert js.headers["content-type"].startswith("text/javascript")
    assert "location.reload" in js.text
    page = (await client.get("/")).text
    assert re.findall(r'(?:src|href)="(https?:[^"]+)"', page) == []
