"""Fixtures for the observability tests: a local webhook server, and fresh
process-wide monitoring/alerting state (captured log lines: ``tests/conftest.py``)."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from omninode_bridge.observability import alerts, health, monitoring, prometheus
from omninode_bridge.observability.alerts import AlertManager


class FakeClock:
    """A settable clock (seconds since the epoch)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@dataclass
class WebhookServer:
    """A local HTTP server recording POSTed JSON; answers with ``statuses`` in turn."""

    statuses: list[int] = field(default_factory=list)
    gate: threading.Event | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    state = WebhookServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.gate is not None:
                state.gate.wait(timeout=10)
            with state.lock:
                state.requests += 1
                status = state.statuses.pop(0) if state.statuses else 200
                if status < 300:
                    state.received.append(json.loads(body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    if state.gate is not None:
        state.gate.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def no_sleep() -> tuple[list[float], Callable[[float], Any]]:
    """An async sleep that records the delays instead of sleeping."""
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    return delays, sleep


@pytest.fixture
async def fresh_monitoring(clock: FakeClock) -> AsyncIterator[monitoring.MonitoringSystem]:
    """Process-wide monitoring, alerting, metrics and health state, fresh per test."""
    manager = AlertManager(rules=alerts.read_alert_config().rules, clock=clock)
    alerts.set_alert_manager(manager)
    metrics = prometheus.OmniNodeMetrics(CollectorRegistry())
    prometheus.set_prometheus_metrics(metrics)
    system = await monitoring.initialize_monitoring_system(
        alert_manager=manager, registry=metrics.registry, clock=clock
    )
    health.set_health_checker(None)
    yield system
    system.close()
    manager.close()
    alerts.set_alert_manager(None)
    prometheus.set_prometheus_metrics(None)
    monitoring.set_monitoring_system(None)
    health.set_health_checker(None)
