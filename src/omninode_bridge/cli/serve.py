"""``omninode serve``: the runs pages, Prometheus ``/metrics``, ``/health`` and a JSON API.

The server (Starlette on uvicorn, on this process's event loop) shows the run
history and analytics from the store as pages, and exposes the package
registry, fed by a signal exporter attached to the coordinator of every
workflow this process runs. ``--run-example N`` runs the built-in example
workflow N times first, so a fresh server has real workflow, stage and step
histograms. ``--no-database`` serves without the store.

It binds 127.0.0.1 by default and is read-only. With ``OMNINODE_SERVE_TOKEN``
set, every path but ``/health`` and ``/metrics`` needs the token; on any
non-loopback interface the token is required and the server will not start
without one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from omninode_bridge.config import Settings, load_settings
from omninode_bridge.engine.example import build_example_stages
from omninode_bridge.engine.executor import StagedParallelExecutor
from omninode_bridge.engine.signals import SignalCoordinator
from omninode_bridge.errors import ConfigError
from omninode_bridge.events import create_event_bus
from omninode_bridge.logs import configure_logging, get_logger
from omninode_bridge.observability.alerts import load_alert_config
from omninode_bridge.observability.health import configure_health_checks, get_health_checker
from omninode_bridge.observability.monitoring import get_monitoring_system
from omninode_bridge.observability.prometheus import (
    PrometheusSignalExporter,
    get_prometheus_metrics,
)
from omninode_bridge.web import (
    GuardOptions,
    WebOptions,
    WebServer,
    WebSources,
    create_app,
    is_loopback,
)

__all__ = ["register", "serve"]

log = get_logger(__name__, component="cli")

DEFAULT_PORT = 9464
TOKEN_VARIABLE = "OMNINODE_SERVE_TOKEN"


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="TCP port; 0 picks a free one.")
    ] = DEFAULT_PORT,
    run_example: Annotated[
        int, typer.Option(min=0, help="Run the example workflow this many times at start.")
    ] = 0,
    example_items: Annotated[
        int, typer.Option(min=1, max=100, help="Parallel steps per example stage.")
    ] = 3,
    alert_config: Annotated[
        Path | None, typer.Option(help="Alert rules/channels YAML (default: packaged rules).")
    ] = None,
    database: Annotated[
        bool, typer.Option("--database/--no-database", help="Read run history and analytics.")
    ] = True,
    alert_interval: Annotated[
        float,
        typer.Option(
            min=0.0,
            help="Seconds between evaluations of the alert rules on the store's new "
            "metrics (0: off).",
        ),
    ] = 15.0,
) -> None:
    """Serve the runs pages, /metrics, /health and /api/* until interrupted.

    Binds 127.0.0.1 unless told otherwise; another interface needs
    OMNINODE_SERVE_TOKEN set (every path but /health and /metrics then asks for it).
    """
    token = os.environ.get(TOKEN_VARIABLE) or None
    if token is None and not is_loopback(host):
        raise ConfigError(
            f"--host {host}: serving on a non-loopback interface needs a token; set "
            f"{TOKEN_VARIABLE} to a secret (browsers then open /?token=<secret> once), "
            "or bind 127.0.0.1"
        )
    settings = load_settings()
    configure_logging(settings)
    if alert_config is not None:
        load_alert_config(alert_config)
    asyncio.run(
        _serve(settings, host, port, run_example, example_items, database, token, alert_interval)
    )


def _bind(
    sources: WebSources, host: str, port: int, token: str | None, alert_interval: float
) -> WebServer:
    options = WebOptions(guard=GuardOptions(token=token), alert_interval_seconds=alert_interval)
    app = create_app(sources, options)
    try:
        return WebServer(app, host=host, port=port)
    except OSError as exc:
        raise ConfigError(f"--host {host} --port {port}: cannot listen: {exc.strerror}") from None


async def _serve(
    settings: Settings,
    host: str,
    port: int,
    run_example: int,
    example_items: int,
    database: bool,
    token: str | None,
    alert_interval: float = 15.0,
) -> None:
    loop = asyncio.get_running_loop()
    # the configured bus (Redis, Kafka) is probed by /health: a dead backend is reported
    bus = create_event_bus(settings)
    coordinator = SignalCoordinator()
    exporter = PrometheusSignalExporter(get_prometheus_metrics())
    exporter.attach(coordinator)
    store, run_history = await _open_store(settings, coordinator) if database else (None, None)
    monitoring = get_monitoring_system()
    if store is not None:
        monitoring.analytics = store
    configure_health_checks(persistence=store, event_bus=bus)
    sources = WebSources(
        monitoring=monitoring,
        health_checker=get_health_checker(),
        exporter=exporter,
        store=store,
        run_history=run_history,
    )
    try:
        server = _bind(sources, host, port, token, alert_interval)
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, server.stop)
        serving = asyncio.create_task(server.serve())
        print(f"serving {server.url}", flush=True)
        try:
            if run_example:
                await _run_examples(coordinator, run_example, example_items)
                print(f"example runs finished: {run_example}", flush=True)
        except BaseException:
            server.stop()
            raise
        finally:
            await serving
    finally:
        await coordinator.close()
        with contextlib.suppress(Exception):
            await bus.close()
        monitoring.alert_manager.close()
        if store is not None:
            await store.close()


async def _open_store(settings: Settings, coordinator: SignalCoordinator) -> tuple[Any, Any]:
    from omninode_bridge.persistence import OmniNodePersistence
    from omninode_bridge.persistence.recorder import RunRecorder

    settings.home.mkdir(parents=True, exist_ok=True)
    store = OmniNodePersistence(settings.resolved_database_url)
    await store.initialize()
    RunRecorder(store).attach(coordinator)

    async def run_history(limit: int) -> list[Any]:
        return list(await store.list_runs(limit=limit))

    return store, run_history


async def _run_examples(coordinator: SignalCoordinator, runs: int, items: int) -> None:
    executor = StagedParallelExecutor(signal_coordinator=coordinator)
    names = [f"contract_{i + 1}" for i in range(items)]
    for index in range(runs):
        result = await executor.execute_workflow(
            f"example-{index + 1}", build_example_stages(names, work_seconds=0.001)
        )
        log.info("serve.example_finished", workflow_id=result.workflow_id, success=result.success)
    await coordinator.drain()


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``omninode`` application."""
    app.command("serve")(serve)
