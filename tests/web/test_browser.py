"""The pages in a real browser: Debian's Chromium driven by Playwright, against real processes.

Two ``omninode generate`` runs fill a store in a temporary ``OMNINODE_HOME``;
``omninode serve`` runs as a subprocess on a free port; headless Chromium
loads the pages. Screenshots go to ``tests/artifacts/web/`` (git-ignored).

Chromium is the system one (``/usr/bin/chromium``); Playwright never downloads
a browser. Without it (or without Playwright) the tests skip with the reason,
and fail instead when ``OMNINODE_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from omninode_bridge.persistence import OmniNodePersistence

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "web"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CLI = "from omninode_bridge.cli.app import main; main()"
STAGES = ["parse", "models", "validators", "tests", "quality", "package"]
TOKEN = "browser-test-token"
GENERATE = [sys.executable, "-c", CLI, "generate", str(ROOT / "examples" / "contracts")]


def _need_browser() -> Any:
    reason = None
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[dev]')"
    if reason is None and not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if reason is not None:
        if os.environ.get("OMNINODE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} and OMNINODE_REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(reason)
    return sync_playwright, expect


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright, _ = _need_browser()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNINODE_")}
    env.update(OMNINODE_HOME=str(home), OMNINODE_LOG_FORMAT="json", **extra)
    return env


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def serve() -> Iterator[Callable[..., str]]:
    """Start ``omninode serve`` on a free port for a home; returns its URL."""
    procs: list[tuple[subprocess.Popen[str], IO[str]]] = []

    def start(home: Path, **env: str) -> str:
        log = (home / "serve.log").open("w", encoding="utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-c", CLI, "serve", "--port", "0"],
            cwd=home,
            env=_env(home, **env),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        procs.append((proc, log))
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith("serving http://127.0.0.1:"), (home / "serve.log").read_text()
        return first.removeprefix("serving ")

    yield start
    codes = []
    for proc, log in procs:
        proc.send_signal(signal.SIGTERM)
        codes.append(proc.wait(timeout=30))
        assert proc.stdout is not None
        proc.stdout.close()
        log.close()
    assert codes == [0] * len(procs)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, serve: Callable[..., str]) -> str:
    """Two real ``omninode generate`` runs in one home, served; returns the URL."""
    _need_browser()
    home = tmp_path_factory.mktemp("generated")
    for out in ("first", "second"):
        subprocess.run(
            [*GENERATE, "--out", str(home / out)],
            cwd=home,
            env=_env(home),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    return serve(home)


def _persisted_ids(url: str) -> list[str]:
    runs = httpx.get(f"{url}/api/runs", timeout=10).json()["persisted"]
    return [r["run_id"] for r in runs]


def test_runs_list_shows_both_generate_runs_newest_first(page: Any, generated: str) -> None:
    ids = _persisted_ids(generated)
    page.goto(generated + "/")
    rows = page.locator("tr.run")
    assert rows.count() == 2
    _shot(page, "runs-list")
    shown = [rows.nth(i).get_attribute("data-run-id") for i in range(2)]
    assert len(ids) == 2
    assert shown == ids
    for run_id in ids:
        assert page.get_by_text(run_id, exact=True).is_visible()
    assert page.locator("tr.run .status").all_text_contents() == ["completed", "completed"]


def test_run_page_timeline_shows_all_six_stages_and_their_steps(page: Any, generated: str) -> None:
    page.goto(generated + "/")
    first_id = page.locator("tr.run").first.get_attribute("data-run-id")
    page.locator("tr.run a").first.click()
    page.wait_for_url(f"**/runs/{first_id}")
    timeline = page.locator("svg.timeline")
    timeline.wait_for()
    _shot(page, "run-timeline")
    assert timeline.locator("text.lane-label.stage").all_text_contents() == STAGES
    assert timeline.locator("rect.bar.step").count() >= len(STAGES)
    assert timeline.bounding_box()["width"] > 500
    assert page.locator("table.files tbody tr").count() > 0
    assert "run.finished" in page.locator("table.events").inner_text()


def _write(db: Path, action: Callable[[OmniNodePersistence], Any]) -> None:
    """Run ``action`` on the store at ``db`` (on a thread: Playwright owns this one's loop)."""

    async def write() -> None:
        store = OmniNodePersistence(f"sqlite+aiosqlite:///{db}")
        await store.initialize()
        try:
            await action(store)
        finally:
            await store.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, write()).result(timeout=60)


def test_run_in_progress_updates_live(page: Any, tmp_path: Path, serve: Callable[..., str]) -> None:
    _, expect = _need_browser()
    db = tmp_path / "omninode.db"
    start = datetime.now(UTC)

    async def begin(store: OmniNodePersistence) -> None:
        await store.record_run_started("live-run", "codegen", started_at=start)
        await store.record_stage_started("live-run", "parse", started_at=start)
        await store.record_step_started("live-run", "parse", "parse_0", started_at=start)

    async def finish(store: OmniNodePersistence) -> None:
        end = start + timedelta(milliseconds=30)
        await store.record_step_finished(
            "live-run", "parse", "parse_0", success=True, completed_at=end, duration_ms=30
        )
        await store.record_stage_finished(
            "live-run", "parse", success=True, completed_at=end, duration_ms=30
        )
        await store.record_stage_started("live-run", "models", started_at=end)
        await store.record_stage_finished(
            "live-run", "models", success=True, completed_at=end, duration_ms=0
        )
        await store.record_run_finished("live-run", success=True, completed_at=end, duration_ms=30)

    _write(db, begin)
    url = serve(tmp_path)
    page.goto(f"{url}/runs/live-run")
    status = page.locator("#run-status")
    assert status.inner_text() == "running"
    assert page.locator("svg.timeline text.lane-label.stage").all_text_contents() == ["parse"]
    _shot(page, "live-before")

    _write(db, finish)
    expect(page.locator("#run-status")).to_have_text("completed", timeout=15_000)
    _shot(page, "live-after")
    stages = page.locator("svg.timeline text.lane-label.stage").all_text_contents()
    assert stages == ["parse", "models"]
    assert page.locator("#live").count() == 0


def test_token_wall_keeps_pages_behind_the_token(
    page: Any, tmp_path: Path, serve: Callable[..., str], browser: Any
) -> None:
    url = serve(tmp_path, OMNINODE_SERVE_TOKEN=TOKEN)
    wall = page.goto(url + "/")
    assert wall.status == 401
    assert page.locator("h1").inner_text() == "Token needed"
    _shot(page, "token-wall")
    assert page.goto(url + "/?token=wrong").status == 401

    opened = page.goto(url + f"/?token={TOKEN}")
    assert opened.status == 200
    assert page.url == url + "/"
    assert page.locator("h1").inner_text() == "Runs"
    assert page.goto(url + "/stats").status == 200
    _shot(page, "token-accepted")

    stranger = browser.new_context()
    try:
        assert stranger.request.get(url + "/health").status == 200
        assert stranger.request.get(url + "/metrics").status == 200
        assert stranger.request.get(url + "/api/runs").status == 401
    finally:
        stranger.close()
