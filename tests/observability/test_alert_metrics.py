"""The built-in alert rules watch metrics a real run records; ``omninode serve`` evaluates them;
webhooks go to a real local HTTP server, are retried, and never hold up the caller."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from typer.testing import CliRunner

from omninode_bridge.cli.app import app
from omninode_bridge.observability.alert_models import AlertChannel, AlertRule, AlertSettings
from omninode_bridge.observability.alerts import AlertManager, read_alert_config
from omninode_bridge.persistence import OmniNodePersistence

ROOT = Path(__file__).resolve().parents[2]
CLI = "from omninode_bridge.cli.app import main; main()"


def _generate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    shutil.copytree(ROOT / "examples" / "contracts", tmp_path / "contracts")
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("OMNINODE_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["generate", "contracts", "--out", "out"])
    assert result.exit_code == 0, result.output
    return url


async def _stored_names(url: str) -> set[str]:
    async with OmniNodePersistence(url) as store:
        return {row["metric_name"] for row in await store.get_metric_rows()}


def test_every_built_in_rule_watches_a_metric_a_generation_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _generate(tmp_path, monkeypatch)
    emitted = asyncio.run(_stored_names(url))
    rules = read_alert_config().rules
    assert len(rules) == 21
    missing = {r.name: r.metric_name for r in rules if r.metric_name not in emitted}
    assert missing == {}, f"rules watching metrics no run records: {missing}; emitted {emitted}"


_FIRING_CONFIG = """
rules:
  - name: template_load_seen
    metric_name: template_load_ms
    threshold: 0
    comparison: greater_than
    severity: warning
    duration_seconds: 0
  - name: pass_rate_impossible
    metric_name: validation_pass_rate
    threshold: 2.0
    comparison: less_than
    severity: critical
    duration_seconds: 0
channels:
  - name: log
    type: log
"""


def test_serve_evaluates_the_rules_on_the_stored_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _generate(tmp_path, monkeypatch)
    config = tmp_path / "alerts.yaml"
    config.write_text(_FIRING_CONFIG, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNINODE_")}
    env["OMNINODE_DATABASE_URL"] = url
    args = [
        sys.executable, "-c", CLI, "serve", "--port", "0",
        "--alert-config", str(config), "--alert-interval", "0.2",
    ]  # fmt: skip
    with subprocess.Popen(
        args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline().strip()
            assert first.startswith("serving http://127.0.0.1:"), first
            base = first.removeprefix("serving ")
            active: list[dict[str, object]] = []
            deadline = time.monotonic() + 20
            with httpx.Client(base_url=base, timeout=10) as client:
                while time.monotonic() < deadline:
                    active = client.get("/api/alerts").json()["active"]
                    if {a["alert_name"] for a in active} >= {"template_load_seen"}:
                        break
                    time.sleep(0.2)
                page = client.get("/alerts").text
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    names = {a["alert_name"] for a in active}
    assert names == {"template_load_seen", "pass_rate_impossible"}, active
    assert "template_load_seen" in page


class _Hook(BaseHTTPRequestHandler):
    bodies: ClassVar[list[dict[str, object]]] = []
    fail_first = 0
    delay = 0.0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(type(self).delay)
        if type(self).fail_first > 0:
            type(self).fail_first -= 1
            self.send_response(503)
        else:
            type(self).bodies.append(json.loads(body))
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[tuple[str, type[_Hook]]]:
    handler = type("Hook", (_Hook,), {"bodies": [], "fail_first": 0, "delay": 0.0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler
    finally:
        server.shutdown()
        server.server_close()


async def _no_sleep(_: float) -> None:
    return None


def _manager(url: str, **settings: float) -> AlertManager:
    return AlertManager(
        rules=[AlertRule("slow", "template_load_ms", 10.0, duration_seconds=0)],
        channels=[AlertChannel("hook", "webhook", config={"url": url})],
        settings=AlertSettings(**settings),  # type: ignore[arg-type]
        sleep=_no_sleep,
    )


def test_webhook_reaches_a_local_server_after_retries(hook: tuple[str, type[_Hook]]) -> None:
    url, handler = hook
    handler.fail_first = 2
    manager = _manager(url, webhook_attempts=3)
    try:
        fired = manager.evaluate("template_load_ms", 50.0)
        assert manager.wait_for_deliveries(timeout=10)
    finally:
        manager.close()
    assert len(fired) == 1
    assert [b["alert_name"] for b in handler.bodies] == ["slow"]
    record = manager.deliveries[-1]
    assert (record.status, record.attempts) == ("delivered", 3)


def test_webhook_gives_up_after_the_attempts_and_records_it(
    hook: tuple[str, type[_Hook]],
) -> None:
    url, handler = hook
    handler.fail_first = 10
    manager = _manager(url, webhook_attempts=2)
    try:
        manager.evaluate("template_load_ms", 50.0)
        assert manager.wait_for_deliveries(timeout=10)
    finally:
        manager.close()
    record = manager.deliveries[-1]
    assert (record.status, record.attempts) == ("failed", 2)
    assert handler.bodies == []


def test_a_slow_webhook_never_blocks_the_evaluation(hook: tuple[str, type[_Hook]]) -> None:
    url, handler = hook
    handler.delay = 1.5
    manager = _manager(url, webhook_attempts=1)
    try:
        started = time.perf_counter()
        fired = manager.evaluate("template_load_ms", 50.0)
        elapsed = time.perf_counter() - started
        assert fired and manager.pending_deliveries() == 1
        assert elapsed < 0.5
        assert manager.wait_for_deliveries(timeout=10)
    finally:
        manager.close()
    assert manager.deliveries[-1].status == "delivered"
