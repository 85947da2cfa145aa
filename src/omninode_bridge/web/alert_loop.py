"""The alert loop of ``omninode serve``: stored metrics in, alert rules evaluated.

``omninode generate`` records its metrics in the store's ``agent_metrics``
table (template loads, run time and parallelism, the run's cache hit rate,
validation pass rate, quality, mixin and pattern gauges, event processing).
:class:`StoredMetricAlerts` reads the rows added since its last poll, only
those of a metric some alert rule watches, and records each in the
monitoring system, which evaluates the rules on it; fired alerts then show on
``/alerts`` and ``/api/alerts``. The loop runs as a background task of the
app's lifespan, every ``WebOptions.alert_interval_seconds``; a failing read is
logged and retried at the next tick, never stopping the server.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Protocol, runtime_checkable

from omninode_bridge.logs import get_logger
from omninode_bridge.observability.monitoring import MetricType, MonitoringSystem

__all__ = ["MetricRowSource", "StoredMetricAlerts"]

log = get_logger(__name__, component="web")

_TYPES = {
    "timing": MetricType.HISTOGRAM,
    "counter": MetricType.COUNTER,
    "gauge": MetricType.GAUGE,
    "rate": MetricType.GAUGE,
}
_PAGE = 5_000


@runtime_checkable
class MetricRowSource(Protocol):
    """The store's stored-metrics reader (``OmniNodePersistence.get_metric_rows``)."""

    async def get_metric_rows(
        self, *, names: Sequence[str] | None = None, after_id: int = 0, limit: int = 10_000
    ) -> list[dict[str, Any]]: ...


class StoredMetricAlerts:
    """Feeds new ``agent_metrics`` rows to the alert rules, poll by poll.

    Args:
        store: Where the rows are read.
        monitoring: Records each row and evaluates the alert rules on it.
        on_loop: Runs a store read on the loop owning the store's connections.
    """

    def __init__(
        self,
        store: MetricRowSource,
        monitoring: MonitoringSystem,
        on_loop: Callable[[Coroutine[Any, Any, Any]], Awaitable[Any]] | None = None,
    ) -> None:
        self.store = store
        self.monitoring = monitoring
        self._on_loop = on_loop
        self.last_id = 0
        self.evaluated = 0
        self.errors = 0

    async def poll_once(self) -> int:
        """Evaluate the rows added since the last poll; returns how many."""
        manager = self.monitoring.alert_manager
        names = sorted({rule.metric_name for rule in manager.get_rules() if rule.enabled})
        if not names:
            return 0
        count = 0
        while True:
            read = self.store.get_metric_rows(names=names, after_id=self.last_id, limit=_PAGE)
            rows: list[dict[str, Any]] = await (self._on_loop(read) if self._on_loop else read)
            for row in rows:
                labels = {str(k): str(v) for k, v in dict(row.get("tags") or {}).items()}
                self.monitoring.record(
                    row["metric_name"],
                    row["value"],
                    _TYPES.get(row["metric_type"], MetricType.GAUGE),
                    labels=labels,
                )
                self.last_id = max(self.last_id, int(row["id"]))
            count += len(rows)
            if len(rows) < _PAGE:
                break
        manager.tick()
        self.evaluated += count
        return count

    async def run(self, interval_seconds: float) -> None:
        """Poll every ``interval_seconds`` until cancelled; a failed poll is logged."""
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the server keeps serving; the next tick retries
                self.errors += 1
                log.warning("serve.alert_poll_failed", error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(interval_seconds)


@contextlib.asynccontextmanager
async def alert_task(alerts: StoredMetricAlerts | None, interval_seconds: float) -> Any:
    """Run ``alerts`` in the background for the lifetime of the block."""
    if alerts is None or interval_seconds <= 0:
        yield
        return
    task = asyncio.create_task(alerts.run(interval_seconds), name="omninode-alert-loop")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
