"""``omninode serve``: Prometheus ``/metrics``, ``/health`` and a JSON API.

The server exposes the package registry, fed by a signal exporter attached to
the coordinator of every workflow this process runs. ``--run-example N`` runs
the built-in example workflow N times first, so a fresh server has real
workflow, stage and step histograms. Run history is read from the store
(``--no-database`` to serve without one).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from omninode_bridge.config import Settings, load_settings
from omninode_bridge.engine.example import build_example_stages
from omninode_bridge.engine.executor import StagedParallelExecutor
from omninode_bridge.engine.signals import SignalCoordinator
from omninode_bridge.logs import configure_logging, get_logger
from omninode_bridge.observability.alerts import load_alert_config
from omninode_bridge.observability.health import configure_health_checks, get_health_checker
from omninode_bridge.observability.monitoring import get_monitoring_system
from omninode_bridge.observability.prometheus import (
    PrometheusSignalExporter,
    get_prometheus_metrics,
)
from omninode_bridge.observability.server import ObservabilityServer

__all__ = ["register", "serve"]

log = get_logger(__name__, component="cli")

DEFAULT_PORT = 9464


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
) -> None:
    """Serve /metrics, /health and /api/{runs,alerts,metrics,dashboard} until interrupted."""
    settings = load_settings()
    configure_logging(settings)
    if alert_config is not None:
        load_alert_config(alert_config)
    asyncio.run(_serve(settings, host, port, run_example, example_items, database))


async def _serve(
    settings: Settings,
    host: str,
    port: int,
    run_example: int,
    example_items: int,
    database: bool,
) -> None:
    loop = asyncio.get_running_loop()
    coordinator = SignalCoordinator()
    exporter = PrometheusSignalExporter(get_prometheus_metrics())
    exporter.attach(coordinator)
    store, run_history = await _open_store(settings, coordinator) if database else (None, None)
    monitoring = get_monitoring_system()
    if store is not None:
        monitoring.analytics = store
    configure_health_checks(persistence=store)
    server = ObservabilityServer(
        host=host,
        port=port,
        monitoring=monitoring,
        health_checker=get_health_checker(),
        exporter=exporter,
        run_history=run_history,
        loop=loop,
    )
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    server.start()
    print(f"serving {server.url}", flush=True)
    try:
        if run_example:
            await _run_examples(coordinator, run_example, example_items)
            print(f"example runs finished: {run_example}", flush=True)
        await stop.wait()
    finally:
        server.stop()
        await coordinator.close()
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
