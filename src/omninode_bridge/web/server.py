"""The HTTP endpoint behind ``omninode serve``, on a thread of its own.

``ObservabilityServer`` serves the web app (:func:`omninode_bridge.web.create_app`)
with uvicorn on a daemon thread:

- ``GET /metrics``: Prometheus text of the registry.
- ``GET /health``: runs the health checks; 200 unless the system is critical (503).
- ``GET /api/runs?limit=N``: recent workflow runs (signal exporter and, when a
  store is attached, the persisted run history); ``/api/runs/{run_id}`` one run.
- ``GET /api/alerts``, ``/api/metrics?window=MINUTES``, ``/api/dashboard``.
- ``GET /``: the pages of runs, stats and alerts.

Async work (health checks, store reads) runs on the event loop passed as
``loop`` (the one owning the store's connections); without a loop it runs on
the server thread's own loop. ``omninode serve`` itself serves on its main
loop with :class:`~omninode_bridge.web.serving.WebServer` directly.
"""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry

from omninode_bridge.observability.health import HealthChecker, get_health_checker
from omninode_bridge.observability.monitoring import MonitoringSystem, get_monitoring_system
from omninode_bridge.observability.prometheus import PrometheusSignalExporter
from omninode_bridge.web.app import RunHistorySource, RunStore, WebOptions, WebSources, create_app
from omninode_bridge.web.guard import GuardOptions
from omninode_bridge.web.serving import WebServer

__all__ = ["ObservabilityServer", "RunHistorySource"]


class ObservabilityServer:
    """Serves metrics, health, the JSON API and the pages on ``host:port``.

    Args:
        host: Interface to bind; keep 127.0.0.1 unless a scraper needs more.
        port: TCP port; 0 lets the OS choose (see :attr:`port`).
        registry: Registry for ``/metrics``; defaults to the monitoring system's.
        monitoring: Defaults to the process-wide monitoring system.
        health_checker: Defaults to the process-wide checker.
        exporter: Source of recent runs seen through signals.
        run_history: Persisted runs, e.g. ``store.list_runs`` wrapped to take a limit.
        store: Run history and analytics for the pages and ``/api/runs/{run_id}``.
        loop: Event loop to run async work on.
        request_timeout_seconds: Limit for one request.
        token: Token every path but ``/health`` and ``/metrics`` needs; None for none.
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
        store: RunStore | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        request_timeout_seconds: float = 15.0,
        token: str | None = None,
    ) -> None:
        self.monitoring = monitoring or get_monitoring_system()
        self.registry = registry or self.monitoring.registry
        self.health_checker = health_checker or get_health_checker()
        sources = WebSources(
            monitoring=self.monitoring,
            health_checker=self.health_checker,
            exporter=exporter,
            store=store,
            run_history=run_history,
            registry=self.registry,
            loop=loop,
        )
        guard = GuardOptions(token=token, request_timeout_seconds=request_timeout_seconds)
        self._server = WebServer(create_app(sources, WebOptions(guard=guard)), host=host, port=port)

    @property
    def host(self) -> str:
        """Bound interface."""
        return self._server.host

    @property
    def port(self) -> int:
        """Bound port."""
        return self._server.port

    @property
    def url(self) -> str:
        """Base URL."""
        return self._server.url

    def start(self) -> ObservabilityServer:
        """Serve on a daemon thread; returns self."""
        self._server.start_thread()
        return self

    def stop(self) -> None:
        """Stop serving and release the socket."""
        self._server.join()

    def __enter__(self) -> ObservabilityServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
