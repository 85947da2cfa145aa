"""The Starlette application behind ``omninode serve``.

Pages (server-rendered, no script or style from anywhere but this package):

- ``/``: runs, newest first, paged (``?page=N``).
- ``/runs/{run_id}``: a run's Gantt timeline of stages and parallel steps, its
  files with their validation findings, and its events; a run still in
  progress polls ``/api/runs/{run_id}`` and reloads when it changes.
- ``/stats``: stage time over runs, template cache hit rate, mixin outcomes,
  pattern precision.
- ``/alerts``: active alerts.

Machine endpoints: ``/metrics`` (Prometheus), ``/health`` and the JSON API
``/api``, ``/api/runs``, ``/api/runs/{run_id}``, ``/api/alerts``,
``/api/metrics``, ``/api/dashboard``.

Store reads run on the event loop that owns the store's connections
(``WebSources.loop``) so the app can be served from another thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Protocol, TypeVar

from jinja2 import Environment, PackageLoader, select_autoescape
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from prometheus_client.exposition import generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from omninode_bridge.logs import get_logger
from omninode_bridge.observability import (
    HealthChecker,
    HealthStatus,
    MonitoringSystem,
    PrometheusSignalExporter,
)
from omninode_bridge.observability.dashboard import dashboard_data
from omninode_bridge.observability.health import derive_overall_status
from omninode_bridge.persistence import RunDetail, RunRecord
from omninode_bridge.web.alert_loop import MetricRowSource, StoredMetricAlerts, alert_task
from omninode_bridge.web.charts import bar_chart, line_chart
from omninode_bridge.web.guard import GuardOptions, RequestGuard
from omninode_bridge.web.timeline import build_timeline, peak_parallel, step_parallelism
from omninode_bridge.web.views import (
    build_events,
    findings_by_file,
    run_row,
    stage_series,
)

__all__ = ["ENDPOINTS", "RunHistorySource", "RunStore", "WebOptions", "WebSources", "create_app"]

log = get_logger(__name__, component="web")

T = TypeVar("T")

#: ``async (limit) -> runs`` reading persisted runs (``OmniNodePersistence.list_runs``).
RunHistorySource = Callable[[int], Coroutine[Any, Any, list[Any]]]

ENDPOINTS = [
    "/",
    "/stats",
    "/alerts",
    "/metrics",
    "/health",
    "/api/runs",
    "/api/runs/{run_id}",
    "/api/alerts",
    "/api/metrics",
    "/api/dashboard",
]
STATIC_FILES = {"style.css": "text/css; charset=utf-8", "live.js": "text/javascript; charset=utf-8"}
MAX_PAGE_ROWS = 10_000


class RunStore(Protocol):
    """The part of ``OmniNodePersistence`` the pages read."""

    async def list_runs(self, *, limit: int = 20, status: str | None = None) -> list[RunRecord]:
        """Newest runs first."""
        ...

    async def get_run(self, run_id: str) -> RunDetail | None:
        """One run with stages, steps, files and validations."""
        ...

    async def abandon_dead_runs(self) -> list[str]:
        """Mark ``abandoned`` the running runs whose process is gone."""
        ...

    async def get_template_cache_efficiency(self) -> list[dict[str, Any]]:
        """Per template type hit rate."""
        ...

    async def get_mixin_compatibility_by_node_type(self) -> list[dict[str, Any]]:
        """Per node type mixin successes and failures."""
        ...

    async def get_pattern_feedback_analysis(
        self, pattern_name: str | None = None, *, time_window_minutes: float | None = None
    ) -> list[dict[str, Any]]:
        """Per pattern precision and recall."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class WebSources:
    """Where the pages and the API read from.

    Attributes:
        monitoring: Metrics, analytics and the alert manager.
        health_checker: Checks behind ``/health``.
        exporter: Recent runs seen through lifecycle signals.
        store: Run history and analytics; None serves without them.
        run_history: Overrides how ``/api/runs`` reads persisted runs.
        registry: Prometheus registry; defaults to the monitoring system's.
        loop: Event loop owning the store's connections; None means the serving loop.
    """

    monitoring: MonitoringSystem
    health_checker: HealthChecker
    exporter: PrometheusSignalExporter | None = None
    store: RunStore | None = None
    run_history: RunHistorySource | None = None
    registry: CollectorRegistry | None = None
    loop: asyncio.AbstractEventLoop | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WebOptions:
    """Page sizes, live-update interval and the guard's limits.

    Attributes:
        page_size: Runs per page of ``/``.
        stats_runs: Runs the stage-time chart covers.
        poll_interval_ms: How often a page of a running run asks for changes.
        guard: Token, request limits and time limit.
        alert_interval_seconds: How often the alert rules are evaluated on the
            store's new metrics (0 turns the alert loop off).
    """

    page_size: int = 20
    stats_runs: int = 30
    poll_interval_ms: int = 1000
    guard: GuardOptions = field(default_factory=GuardOptions)
    alert_interval_seconds: float = 15.0


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def _json(body: Any, status: int = 200) -> Response:
    data = json.dumps(body, default=str)
    return Response(data, status_code=status, media_type="application/json")


def _query_int(request: Request, name: str, default: int, *, maximum: int) -> int:
    try:
        value = int(request.query_params.get(name, default))
    except ValueError:
        return default
    return min(max(1, value), maximum)


def _fmt_ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value / 1000:.2f} s" if value >= 10_000 else f"{value:.1f} ms"


def _fmt_time(value: datetime | None) -> str:
    return "–" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _dash(value: object, spec: str = "") -> str:
    return "–" if value is None else format(value, spec)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("omninode_bridge.web", "templates"),
        autoescape=select_autoescape(["html", "svg"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ms"] = _fmt_ms
    env.filters["when"] = _fmt_time
    env.filters["dash"] = _dash
    return env


def detail_json(detail: RunDetail) -> dict[str, Any]:
    """``/api/runs/{run_id}``: the run, stages, files and validations, and a version.

    ``version`` changes whenever anything in the rest does; a page of a running
    run compares it with the one it was rendered from.
    """
    body: dict[str, Any] = asdict(detail)
    digest = hashlib.sha256(json.dumps(body, default=str, sort_keys=True).encode("utf-8"))
    body["version"] = digest.hexdigest()[:16]
    return body


class _Site:
    """Route handlers sharing the sources, options and templates."""

    def __init__(self, sources: WebSources, options: WebOptions) -> None:
        self.sources = sources
        self.options = options
        self.templates = _environment()
        self.registry = sources.registry or sources.monitoring.registry

    async def on_loop(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the loop that owns the store's connections."""
        loop = self.sources.loop
        if loop is None or loop is asyncio.get_running_loop():
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault(
            "active_alerts", len(self.sources.monitoring.alert_manager.get_active_alerts())
        )
        html = self.templates.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})

    # -- pages -----------------------------------------------------------------

    async def runs_page(self, request: Request) -> Response:
        store = self.sources.store
        size = self.options.page_size
        page = _query_int(request, "page", 1, maximum=MAX_PAGE_ROWS // size)
        now = datetime.now(UTC)
        rows, has_next = [], False
        if store is not None:
            await self.on_loop(store.abandon_dead_runs())
            runs = await self.on_loop(store.list_runs(limit=page * size + 1))
            has_next = len(runs) > page * size
            for run in runs[(page - 1) * size : page * size]:
                detail = await self.on_loop(store.get_run(run.run_id))
                rows.append(run_row(run, detail, now=now))
        return self.page(
            "runs.html", rows=rows, page=page, has_next=has_next, has_store=store is not None
        )

    async def run_page(self, request: Request) -> Response:
        detail = await self._detail(request.path_params["run_id"])
        now = datetime.now(UTC)
        steps = [s for stage in detail.stages for s in stage.steps]
        live = detail.run.status == "running"
        return self.page(
            "run.html",
            detail=detail,
            run=detail.run,
            timeline=build_timeline(detail, now=now),
            events=build_events(detail),
            files=findings_by_file(detail),
            peak=peak_parallel(steps, now) if steps else None,
            parallelism=step_parallelism(detail),
            live=live,
            version=detail_json(detail)["version"],
            poll_interval_ms=self.options.poll_interval_ms,
        )

    async def stats_page(self, request: Request) -> Response:
        store = self.sources.store
        context: dict[str, Any] = {"has_store": store is not None}
        if store is not None:
            runs = await self.on_loop(store.list_runs(limit=self.options.stats_runs))
            details = []
            for run in reversed(runs):
                detail = await self.on_loop(store.get_run(run.run_id))
                if detail is not None:
                    details.append(detail)
            series = stage_series(details)
            context["stage_chart"] = line_chart(series) if series else None
            context["cache_chart"] = _cache_chart(
                await self.on_loop(store.get_template_cache_efficiency())
            )
            context["mixin_chart"] = _mixin_chart(
                await self.on_loop(store.get_mixin_compatibility_by_node_type())
            )
            context["pattern_chart"] = _pattern_chart(
                await self.on_loop(store.get_pattern_feedback_analysis())
            )
        return self.page("stats.html", **context)

    async def alerts_page(self, request: Request) -> Response:
        manager = self.sources.monitoring.alert_manager
        alerts = manager.get_active_alerts()
        return self.page("alerts.html", alerts=[a.to_dict() for a in alerts])

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        media = STATIC_FILES.get(name)
        if media is None:
            raise HTTPException(404)
        data = resources.files("omninode_bridge.web").joinpath("static", name).read_bytes()
        return Response(data, media_type=media, headers={"cache-control": "max-age=300"})

    async def _detail(self, run_id: str) -> RunDetail:
        store = self.sources.store
        detail = None if store is None else await self.on_loop(store.get_run(run_id))
        if detail is None:
            raise HTTPException(404, f"no run {run_id}")
        return detail

    # -- machine endpoints -----------------------------------------------------

    async def metrics(self, request: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    async def health(self, request: Request) -> Response:
        results = await self.on_loop(self.sources.health_checker.check_system_health())
        overall = derive_overall_status(results)
        code = 503 if overall is HealthStatus.CRITICAL else 200
        components = {name: r.to_dict() for name, r in results.items()}
        return _json({"status": overall.value, "components": components}, code)

    async def api_index(self, request: Request) -> Response:
        return _json({"endpoints": ENDPOINTS})

    async def api_runs(self, request: Request) -> Response:
        limit = _query_int(request, "limit", 20, maximum=1000)
        exporter = self.sources.exporter
        body: dict[str, Any] = {
            "recent": [r.to_dict() for r in exporter.recent_runs(limit)] if exporter else []
        }
        history = self.sources.run_history
        store = self.sources.store
        if history is not None:
            body["persisted"] = [_jsonable(r) for r in await self.on_loop(history(limit))]
        elif store is not None:
            await self.on_loop(store.abandon_dead_runs())
            runs = await self.on_loop(store.list_runs(limit=limit))
            body["persisted"] = [_jsonable(r) for r in runs]
        return _json(body)

    async def api_run(self, request: Request) -> Response:
        return _json(detail_json(await self._detail(request.path_params["run_id"])))

    async def api_alerts(self, request: Request) -> Response:
        manager = self.sources.monitoring.alert_manager
        return _json(
            {
                "active": [a.to_dict() for a in manager.get_active_alerts()],
                "statistics": manager.get_statistics(),
            }
        )

    async def api_metrics(self, request: Request) -> Response:
        window = float(_query_int(request, "window", 60, maximum=60 * 24 * 365))
        return _json(await self.on_loop(self.sources.monitoring.collect_all_metrics(window)))

    async def api_dashboard(self, request: Request) -> Response:
        return _json(
            dashboard_data(
                monitoring=self.sources.monitoring,
                health_checker=self.sources.health_checker,
                exporter=self.sources.exporter,
            )
        )

    # -- errors ----------------------------------------------------------------

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        detail = exc.detail if exc.status_code == 404 else "request refused"
        if request.url.path.startswith("/api") or exc.status_code != 404:
            return _json({"error": detail, "endpoints": ENDPOINTS}, exc.status_code)
        return self.page("error.html", status=exc.status_code, message=detail)

    async def server_error(self, request: Request, exc: Exception) -> Response:
        log.error("web.request_failed", path=request.url.path, error=repr(exc))
        return _json({"error": "internal error; see the server log"}, 500)

    def routes(self) -> list[Route]:
        return [
            Route("/", self.runs_page, methods=["GET"]),
            Route("/runs/{run_id}", self.run_page, methods=["GET"]),
            Route("/stats", self.stats_page, methods=["GET"]),
            Route("/alerts", self.alerts_page, methods=["GET"]),
            Route("/static/{name}", self.static, methods=["GET"]),
            Route("/metrics", self.metrics, methods=["GET"]),
            Route("/health", self.health, methods=["GET"]),
            Route("/api", self.api_index, methods=["GET"]),
            Route("/api/runs", self.api_runs, methods=["GET"]),
            Route("/api/runs/{run_id}", self.api_run, methods=["GET"]),
            Route("/api/alerts", self.api_alerts, methods=["GET"]),
            Route("/api/metrics", self.api_metrics, methods=["GET"]),
            Route("/api/dashboard", self.api_dashboard, methods=["GET"]),
        ]


def _cache_chart(rows: list[dict[str, Any]]) -> Any:
    data = [
        (
            str(r["template_type"]),
            [("ok", float(r["hit_rate"]))],
            f"{float(r['hit_rate']):.0%} of {r['template_count']} templates",
        )
        for r in rows
        if r.get("hit_rate") is not None
    ]
    return bar_chart(data, maximum=1.0) if data else None


def _mixin_chart(rows: list[dict[str, Any]]) -> Any:
    data = [
        (
            str(r["node_type"]),
            [("ok", float(r["total_successes"])), ("bad", float(r["total_failures"]))],
            f"{r['total_successes']} ok, {r['total_failures']} failed",
        )
        for r in rows
        if r["total_successes"] or r["total_failures"]
    ]
    return bar_chart(data) if data else None


def _pattern_chart(rows: list[dict[str, Any]]) -> Any:
    data = [
        (
            str(r["pattern_name"]),
            [("ok", float(r["precision"]))],
            f"{float(r['precision']):.0%} of {r['total_feedback']}",
        )
        for r in rows
        if r.get("precision") is not None
    ]
    return bar_chart(data, maximum=1.0) if data else None


def create_app(sources: WebSources, options: WebOptions | None = None) -> Starlette:
    """The app serving the pages and the API, behind the :class:`RequestGuard`."""
    options = options or WebOptions()
    site = _Site(sources, options)
    handlers: Mapping[Any, Any] = {HTTPException: site.http_error, Exception: site.server_error}
    store = sources.store
    alerts = (
        StoredMetricAlerts(store, sources.monitoring, on_loop=site.on_loop)
        if isinstance(store, MetricRowSource)
        else None
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with alert_task(alerts, options.alert_interval_seconds):
            yield

    app = Starlette(
        routes=site.routes(),
        middleware=[Middleware(RequestGuard, options=options.guard)],
        exception_handlers=dict(handlers),
        lifespan=lifespan,
    )
    app.state.alerts = alerts
    return app
