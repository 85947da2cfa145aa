"""The HTTP endpoint behind ``omninode serve``.

A stdlib ``ThreadingHTTPServer`` on its own thread serves:

- ``GET /metrics``: Prometheus text of the registry.
- ``GET /health``: runs the health checks; 200 unless the system is critical (503).
- ``GET /api/runs?limit=N``: recent workflow runs (signal exporter and, when a
  store is attached, the persisted run history).
- ``GET /api/alerts``: active alerts and alert statistics.
- ``GET /api/metrics?window=MINUTES``: ``collect_all_metrics`` output.
- ``GET /api/dashboard``: the JSON dashboard.

Async work (health checks, store reads) runs on the event loop passed as
``loop`` (the one owning the store's connections) via
``run_coroutine_threadsafe``; without a loop each request runs it with
``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine
from dataclasses import asdict, is_dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from prometheus_client.exposition import generate_latest

from omninode_bridge.logs import get_logger
from omninode_bridge.observability.dashboard import dashboard_data
from omninode_bridge.observability.health import (
    HealthChecker,
    HealthStatus,
    derive_overall_status,
    get_health_checker,
)
from omninode_bridge.observability.monitoring import MonitoringSystem, get_monitoring_system
from omninode_bridge.observability.prometheus import PrometheusSignalExporter

__all__ = ["ObservabilityServer", "RunHistorySource"]

log = get_logger(__name__, component="server")

T = TypeVar("T")

#: ``async (limit) -> runs`` reading persisted runs (``OmniNodePersistence.list_runs``).
RunHistorySource = Callable[[int], Coroutine[Any, Any, list[Any]]]

_ENDPOINTS = ["/metrics", "/health", "/api/runs", "/api/alerts", "/api/metrics", "/api/dashboard"]


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


class ObservabilityServer:
    """Serves metrics, health and the JSON API on ``host:port`` (0 picks a free port).

    Args:
        host: Interface to bind; keep 127.0.0.1 unless a scraper needs more.
        port: TCP port; 0 lets the OS choose (see :attr:`port`).
        registry: Registry for ``/metrics``; defaults to the monitoring system's.
        monitoring: Defaults to the process-wide monitoring system.
        health_checker: Defaults to the process-wide checker.
        exporter: Source of recent runs seen through signals.
        run_history: Persisted runs, e.g. ``store.list_runs`` wrapped to take a limit.
        loop: Event loop to run async work on.
        request_timeout_seconds: Limit for async work behind one request.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        registry: CollectorRegistry | None = None,
        monitoring: MonitoringSystem | None = None,
        health_checker: HealthChecker | None = None,
        exporter: PrometheusSignalExporter | None = None,
        run_history: RunHistorySource | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        request_timeout_seconds: float = 15.0,
    ) -> None:
        self.monitoring = monitoring or get_monitoring_system()
        self.registry = registry or self.monitoring.registry
        self.health_checker = health_checker or get_health_checker()
        self.exporter = exporter
        self.run_history = run_history
        self.loop = loop
        self.request_timeout_seconds = request_timeout_seconds
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        """Bound interface."""
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        """Bound port."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> ObservabilityServer:
        """Serve on a daemon thread; returns self."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.1,), name="omninode-serve", daemon=True
        )
        self._thread.start()
        log.info("serve.started", url=self.url)
        return self

    def stop(self) -> None:
        """Stop serving and release the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        log.info("serve.stopped", url=self.url)

    def __enter__(self) -> ObservabilityServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ request work

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self.loop is not None:
            future = asyncio.run_coroutine_threadsafe(coro, self.loop)
            return future.result(timeout=self.request_timeout_seconds)

        async def bounded() -> T:
            async with asyncio.timeout(self.request_timeout_seconds):
                return await coro

        return asyncio.run(bounded())

    def metrics_body(self) -> bytes:
        """``/metrics``."""
        return generate_latest(self.registry)

    def health_body(self) -> tuple[int, dict[str, Any]]:
        """``/health``: status code and document."""
        results = self._run(self.health_checker.check_system_health())
        overall = derive_overall_status(results)
        code = 503 if overall is HealthStatus.CRITICAL else 200
        return code, {
            "status": overall.value,
            "components": {name: r.to_dict() for name, r in results.items()},
        }

    def runs_body(self, limit: int) -> dict[str, Any]:
        """``/api/runs``."""
        recent = [r.to_dict() for r in self.exporter.recent_runs(limit)] if self.exporter else []
        body: dict[str, Any] = {"recent": recent}
        if self.run_history is not None:
            stored = self._run(self.run_history(limit))
            body["persisted"] = [_jsonable(r) for r in stored]
        return body

    def alerts_body(self) -> dict[str, Any]:
        """``/api/alerts``."""
        manager = self.monitoring.alert_manager
        return {
            "active": [a.to_dict() for a in manager.get_active_alerts()],
            "statistics": manager.get_statistics(),
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "omninode-serve"

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("serve.request", line=format % args)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                try:
                    self._route(parts.path.rstrip("/") or "/", query)
                except Exception as exc:
                    log.warning("serve.request_failed", path=parts.path, error=repr(exc))
                    self._json(500, {"error": f"{type(exc).__name__}: {exc}"})

            def _route(self, path: str, query: dict[str, list[str]]) -> None:
                if path == "/metrics":
                    self._send(200, server.metrics_body(), CONTENT_TYPE_LATEST)
                elif path == "/health":
                    self._json(*server.health_body())
                elif path == "/api/runs":
                    self._json(200, server.runs_body(_int(query, "limit", 20)))
                elif path == "/api/alerts":
                    self._json(200, server.alerts_body())
                elif path == "/api/metrics":
                    window = float(_int(query, "window", 60))
                    self._json(200, server._run(server.monitoring.collect_all_metrics(window)))
                elif path == "/api/dashboard":
                    self._json(
                        200,
                        dashboard_data(
                            monitoring=server.monitoring,
                            health_checker=server.health_checker,
                            exporter=server.exporter,
                        ),
                    )
                elif path == "/":
                    self._json(200, {"endpoints": _ENDPOINTS})
                else:
                    self._json(404, {"error": f"no such endpoint {path}", "endpoints": _ENDPOINTS})

            def _json(self, code: int, body: Any) -> None:
                data = json.dumps(body, default=str).encode("utf-8")
                self._send(code, data, "application/json")

            def _send(self, code: int, data: bytes, content_type: str) -> None:
                self.send_response(HTTPStatus(code))
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _int(query: dict[str, list[str]], name: str, default: int) -> int:
    values = query.get(name)
    if not values:
        return default
    try:
        return max(1, int(values[0]))
    except ValueError:
        return default
