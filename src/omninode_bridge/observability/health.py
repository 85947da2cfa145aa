"""Health checks: database, template cache, event bus and quorum providers.

Each check is an async callable returning a :class:`HealthCheckResult`; the
:class:`HealthChecker` runs them concurrently, each under its own timeout
(5 s by default) inside a whole-system timeout (10 s), and derives the overall
status: critical if any check is critical, else degraded if any is degraded,
else healthy; unknown when no check could say anything (nothing configured).
A check that raises or times out is critical, with the error recorded.

The process-wide checker (:func:`check_system_health`), until
:func:`configure_health_checks` attaches objects, probes what a run uses with
the settings: the configured store, the template cache, the event bus, and
the quorum only when a model can vote (see "embedded defaults" below).

The standard checks take the objects they probe through small protocols, so
this module imports no driver: a store with ``async ping() -> ms``
(``OmniNodePersistence``), anything with ``get_cache_stats()``
(``TemplateManager``), an event bus with ``async ping()`` or
``async health_check()``, and a quorum with ``async health_check()`` or
``health()`` returning provider counts.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from enum import Enum
from typing import Any

from omninode_bridge.logs import get_logger

__all__ = [
    "HealthCheck",
    "HealthCheckResult",
    "HealthChecker",
    "HealthStatus",
    "check_component_health",
    "check_system_health",
    "configure_health_checks",
    "configured_event_bus_check",
    "configured_quorum_check",
    "configured_store_check",
    "configured_templates_check",
    "database_check",
    "derive_overall_status",
    "event_bus_check",
    "get_health_checker",
    "get_overall_health_status",
    "quorum_check",
    "set_health_checker",
    "stats_mapping",
    "template_cache_check",
]

log = get_logger(__name__, component="health")


class HealthStatus(str, Enum):
    """Health of one component or of the whole system.

    A status equals its value (``"healthy"``, what JSON carries) and its name
    (``"HEALTHY"``, so ``h.status == "HEALTHY"`` holds as the integration guide writes it).
    """

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    CRITICAL = "critical"
    UNKNOWN = "unknown"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, str):
            return NotImplemented
        if str.__eq__(self, other):
            return True
        return not isinstance(other, Enum) and other == self.name

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = Enum.__hash__


@dataclass(frozen=True, slots=True)
class HealthCheckResult:
    """Outcome of one check."""

    component: str
    status: HealthStatus
    message: str
    check_duration_ms: float = 0.0
    metadata: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def healthy(self) -> bool:
        """Whether the status is ``healthy``."""
        return self.status is HealthStatus.HEALTHY

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "component": self.component,
            "status": self.status.value,
            "healthy": self.healthy,
            "message": self.message,
            "check_duration_ms": round(self.check_duration_ms, 3),
            "metadata": dict(self.metadata),
            "error": self.error,
        }


HealthCheck = Callable[[], Awaitable[HealthCheckResult]]


def derive_overall_status(results: Mapping[str, HealthCheckResult]) -> HealthStatus:
    """Critical > degraded > healthy; unknown when every component is unknown."""
    statuses = {r.status for r in results.values()}
    if HealthStatus.CRITICAL in statuses:
        return HealthStatus.CRITICAL
    if HealthStatus.DEGRADED in statuses:
        return HealthStatus.DEGRADED
    if HealthStatus.HEALTHY in statuses:
        return HealthStatus.HEALTHY
    return HealthStatus.UNKNOWN


class HealthChecker:
    """Runs registered checks with timeouts and remembers the latest results.

    Args:
        check_timeout_seconds: Per-check limit.
        system_timeout_seconds: Limit for a whole :meth:`check_system_health`.
    """

    def __init__(
        self, *, check_timeout_seconds: float = 5.0, system_timeout_seconds: float = 10.0
    ) -> None:
        self.check_timeout_seconds = check_timeout_seconds
        self.system_timeout_seconds = system_timeout_seconds
        self._checks: dict[str, HealthCheck] = {}
        self._last: dict[str, HealthCheckResult] = {}
        self._lock = threading.Lock()

    def register(self, component: str, check: HealthCheck) -> None:
        """Add or replace the check for ``component``."""
        with self._lock:
            self._checks[component] = check

    def unregister(self, component: str) -> None:
        """Remove a check (and its last result)."""
        with self._lock:
            self._checks.pop(component, None)
            self._last.pop(component, None)

    @property
    def components(self) -> list[str]:
        """Registered component names."""
        with self._lock:
            return list(self._checks)

    async def check_component(self, component: str) -> HealthCheckResult:
        """Run one check under its timeout; failures become ``critical`` results."""
        with self._lock:
            check = self._checks.get(component)
        if check is None:
            return HealthCheckResult(component, HealthStatus.UNKNOWN, "no such health check")
        start = time.perf_counter()
        try:
            async with asyncio.timeout(self.check_timeout_seconds):
                result = await check()
        except TimeoutError:
            result = HealthCheckResult(
                component,
                HealthStatus.CRITICAL,
                f"check did not finish within {self.check_timeout_seconds:g} s",
                error="timeout",
            )
        except Exception as exc:
            result = HealthCheckResult(
                component,
                HealthStatus.CRITICAL,
                "check failed",
                error=f"{type(exc).__name__}: {exc}",
            )
        elapsed = (time.perf_counter() - start) * 1000
        result = HealthCheckResult(
            component, result.status, result.message, elapsed, result.metadata, result.error
        )
        with self._lock:
            self._last[component] = result
        if result.status in (HealthStatus.CRITICAL, HealthStatus.DEGRADED):
            log.warning(
                "health.check_unhealthy",
                check=component,
                status=result.status.value,
                message=result.message,
                error=result.error,
            )
        return result

    async def check_system_health(self) -> dict[str, HealthCheckResult]:
        """Run every check concurrently; results keyed by component."""
        names = self.components
        tasks = [asyncio.ensure_future(self.check_component(name)) for name in names]
        done, pending = await asyncio.wait(tasks, timeout=self.system_timeout_seconds)
        for task in pending:
            task.cancel()
        results: dict[str, HealthCheckResult] = {}
        for name, task in zip(names, tasks, strict=True):
            if task in done:
                results[name] = task.result()
            else:
                results[name] = HealthCheckResult(
                    name,
                    HealthStatus.CRITICAL,
                    f"system check did not finish within {self.system_timeout_seconds:g} s",
                    error="timeout",
                )
        with self._lock:
            self._last.update(results)
        return results

    def last_results(self) -> dict[str, HealthCheckResult]:
        """The latest result of each component."""
        with self._lock:
            return dict(self._last)

    def get_overall_health_status(self) -> HealthStatus:
        """Overall status from the latest results (unknown before any check)."""
        return derive_overall_status(self.last_results())


# ---------------------------------------------------------------------- standard checks


def stats_mapping(stats: Any) -> dict[str, Any]:
    """Cache statistics as a dict, from a mapping or a stats record.

    ``TemplateManager.get_cache_stats()`` returns a frozen dataclass
    (``TemplateCacheStats``); older APIs return a dict.
    """
    if isinstance(stats, Mapping):
        return dict(stats)
    if is_dataclass(stats) and not isinstance(stats, type):
        return asdict(stats)
    return {
        name: getattr(stats, name)
        for name in ("hits", "misses", "hit_rate")
        if hasattr(stats, name)
    }


def _not_configured(component: str) -> HealthCheckResult:
    return HealthCheckResult(component, HealthStatus.UNKNOWN, "not configured")


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def database_check(store: Any | None, *, degraded_ms: float = 100.0) -> HealthCheck:
    """``SELECT 1`` through ``store.ping()``; degraded above ``degraded_ms``."""

    async def check() -> HealthCheckResult:
        if store is None:
            return _not_configured("database")
        latency = float(await store.ping())
        meta = {"latency_ms": round(latency, 3)}
        if latency > degraded_ms:
            return HealthCheckResult(
                "database",
                HealthStatus.DEGRADED,
                f"SELECT 1 took {latency:.1f} ms (> {degraded_ms:g} ms)",
                metadata=meta,
            )
        return HealthCheckResult(
            "database", HealthStatus.HEALTHY, f"SELECT 1 in {latency:.1f} ms", metadata=meta
        )

    return check


def template_cache_check(
    stats: Callable[[], Any] | None, *, degraded_hit_rate: float = 0.5
) -> HealthCheck:
    """Degraded when the cache hit rate is below ``degraded_hit_rate``.

    Args:
        stats: ``template_manager.get_cache_stats`` (a record or mapping with
            ``hits``, ``misses`` and optionally ``hit_rate``).
        degraded_hit_rate: Threshold.
    """

    async def check() -> HealthCheckResult:
        if stats is None:
            return _not_configured("template_cache")
        data = stats_mapping(await _maybe_await(stats()))
        hits = int(data.get("hits", 0) or 0)
        misses = int(data.get("misses", 0) or 0)
        lookups = hits + misses
        if lookups == 0:
            return HealthCheckResult(
                "template_cache", HealthStatus.HEALTHY, "no lookups yet", metadata=data
            )
        rate = float(data.get("hit_rate", hits / lookups))
        if rate < degraded_hit_rate:
            return HealthCheckResult(
                "template_cache",
                HealthStatus.DEGRADED,
                f"hit rate {rate:.1%} below {degraded_hit_rate:.0%}",
                metadata=data,
            )
        return HealthCheckResult(
            "template_cache", HealthStatus.HEALTHY, f"hit rate {rate:.1%}", metadata=data
        )

    return check


def event_bus_check(bus: Any | None) -> HealthCheck:
    """Probe the bus with ``ping()`` or ``health_check()``; a false/raising probe is critical."""

    async def check() -> HealthCheckResult:
        if bus is None:
            return _not_configured("event_bus")
        probe = getattr(bus, "ping", None) or getattr(bus, "health_check", None)
        name = type(bus).__name__
        if probe is None:
            return HealthCheckResult(
                "event_bus", HealthStatus.HEALTHY, f"{name} (in-process, nothing to probe)"
            )
        outcome = await _maybe_await(probe())
        if outcome is False:
            return HealthCheckResult(
                "event_bus", HealthStatus.CRITICAL, f"{name} reports it is not connected"
            )
        meta = dict(outcome) if isinstance(outcome, Mapping) else {}
        return HealthCheckResult(
            "event_bus", HealthStatus.HEALTHY, f"{name} answered", metadata=meta
        )

    return check


def quorum_check(quorum: Any | None) -> HealthCheck:
    """Provider reachability from ``quorum.health_check()`` / ``quorum.health()``.

    The probe returns a mapping with ``providers_configured`` and
    ``providers_reachable`` (or a ``providers`` mapping of name to reachable
    flag). A quorum without a probe (``AIQuorum``) is judged on readiness:
    enabled models that have a registered client with credentials. No
    provider configured is healthy (the quorum is off); some unreachable is
    degraded; none reachable is critical.
    """

    async def check() -> HealthCheckResult:
        if quorum is None:
            return _not_configured("quorum")
        probe = getattr(quorum, "health_check", None) or getattr(quorum, "health", None)
        if probe is not None:
            data = dict(await _maybe_await(probe()))
        elif hasattr(quorum, "model_configs") and hasattr(quorum, "clients"):
            data = _quorum_readiness(quorum)
        else:
            return HealthCheckResult("quorum", HealthStatus.UNKNOWN, "quorum has no health probe")
        providers = data.get("providers")
        if isinstance(providers, Mapping):
            configured = len(providers)
            reachable = sum(1 for ok in providers.values() if _reachable(ok))
        else:
            configured = int(data.get("providers_configured", 0))
            reachable = int(data.get("providers_reachable", 0))
        meta = {**data, "providers_configured": configured, "providers_reachable": reachable}
        word = "reachable" if probe is not None else "ready (credentials set; not probed)"
        if configured == 0:
            return HealthCheckResult(
                "quorum",
                HealthStatus.HEALTHY,
                "no providers configured (quorum off)",
                metadata=meta,
            )
        if reachable == 0:
            status, message = HealthStatus.CRITICAL, f"none of {configured} providers {word}"
        elif reachable < configured:
            status = HealthStatus.DEGRADED
            message = f"{reachable} of {configured} providers {word}"
        else:
            status, message = HealthStatus.HEALTHY, f"all {configured} providers {word}"
        return HealthCheckResult("quorum", status, message, metadata=meta)

    return check


def _quorum_readiness(quorum: Any) -> dict[str, Any]:
    """Provider readiness of an ``AIQuorum`` without a probe: enabled models with a
    registered client holding its credentials (reachability itself is not probed)."""
    clients = quorum.clients
    providers = {}
    for config in quorum.model_configs:
        if not config.enabled:
            continue
        client = clients.get(config.model_id)
        providers[config.model_id] = bool(client is not None and client.has_api_key)
    return {"providers": providers, "probe": "credentials only"}


def _reachable(value: Any) -> bool:
    if isinstance(value, Mapping):
        return bool(value.get("reachable", value.get("healthy", False)))
    return bool(value)


# ---------------------------------------------------------------------- embedded defaults
#
# What the process-wide checker probes when nothing was configured: the objects
# a run builds from the settings (``OMNINODE_*``, the config file), each made
# for the probe and closed after it. So with the embedded defaults every
# component is really checked (SQLite store, built-in templates, in-process
# bus), and a configured remote backend (PostgreSQL, Kafka, Redis) is probed
# for real: configured but down is critical. Optional backends nobody
# configured are not components: the quorum is listed only when a model can
# vote (its API key is set, it needs none, or a recording is replayed).


def configured_store_check() -> HealthCheck:
    """The configured store (SQLite in ``./.omninode/`` by default): opened, ``SELECT 1``, closed.

    Opening migrates the schema on first use, as any run would; a store that
    cannot be opened is critical.
    """

    async def check() -> HealthCheckResult:
        from omninode_bridge.persistence import OmniNodePersistence
        from omninode_bridge.persistence.engine import redact_url

        store = OmniNodePersistence()
        try:
            result = await database_check(store)()
            url = redact_url(store.engine.url)
        finally:
            await store.close()
        return replace(result, metadata={**result.metadata, "url": url})

    return check


def configured_templates_check() -> HealthCheck:
    """Every built-in template id loaded through a template cache, as a run loads them.

    The settings' ``template_dir`` overrides count: a broken override is
    critical. The cache is the probe's own (each workflow has its own), so its
    hit rate says nothing; the load time is in the metadata.
    """

    async def check() -> HealthCheckResult:
        from omninode_bridge.codegen.render import TEMPLATE_IDS
        from omninode_bridge.codegen.template_manager import TemplateManager, TemplateType
        from omninode_bridge.config import load_settings

        manager = TemplateManager(load_settings().template_dir)
        started = time.perf_counter()
        await manager.start()
        try:
            for template_id in TEMPLATE_IDS:
                await manager.load_template(template_id, TemplateType.infer(template_id))
        finally:
            await manager.stop()
        elapsed = (time.perf_counter() - started) * 1000
        meta = {
            "templates": len(TEMPLATE_IDS),
            "load_ms": round(elapsed, 3),
            "search_path": [str(p) for p in manager.search_path],
        }
        return HealthCheckResult(
            "template_cache",
            HealthStatus.HEALTHY,
            f"{len(TEMPLATE_IDS)} templates loaded in {elapsed:.0f} ms",
            metadata=meta,
        )

    return check


def configured_event_bus_check() -> HealthCheck:
    """The configured bus: Kafka or Redis answer their ``ping``; the in-process bus
    (the default) delivers a probe event published on a topic of its own."""

    async def check() -> HealthCheckResult:
        from omninode_bridge.events import create_event_bus

        bus = create_event_bus()
        try:
            if getattr(bus, "ping", None) is None:
                return await _round_trip(bus)
            return await event_bus_check(bus)()
        finally:
            await bus.close()

    return check


async def _round_trip(bus: Any) -> HealthCheckResult:
    from omninode_bridge.events import ModelEvent

    topic = f"omninode.health.{uuid.uuid4().hex[:12]}"
    sent = ModelEvent("health.probe", source="health")
    await bus.publish(topic, sent)
    got = await bus.consume(topic, group="health", consumer="probe", max_count=1, block_ms=1000)
    for delivery in got:
        await bus.ack(delivery)
    name = type(bus).__name__
    if [d.event.event_id for d in got] != [sent.event_id]:
        return HealthCheckResult(
            "event_bus", HealthStatus.CRITICAL, f"{name} did not deliver a probe event"
        )
    return HealthCheckResult(
        "event_bus", HealthStatus.HEALTHY, f"{name}: probe event published and delivered"
    )


def _quorum_configured() -> bool:
    """Whether a quorum model can vote (an invalid configuration counts: the check says why)."""
    from omninode_bridge.errors import OmniNodeError
    from omninode_bridge.quorum.settings import can_vote, load_quorum_settings

    try:
        settings = load_quorum_settings()
    except OmniNodeError:
        return True
    return settings.enabled and any(
        model.enabled and can_vote(settings, model) for model in settings.model_settings
    )


def configured_quorum_check() -> HealthCheck:
    """The configured quorum's readiness (see :func:`quorum_check`), its clients closed after."""

    async def check() -> HealthCheckResult:
        from omninode_bridge.quorum.settings import build_quorum_from_settings

        quorum = build_quorum_from_settings()
        try:
            return await quorum_check(quorum)()
        finally:
            if quorum is not None:
                await quorum.close()

    return check


# ---------------------------------------------------------------------- module API

_checker: HealthChecker | None = None
_checker_lock = threading.Lock()


def _default_checker() -> HealthChecker:
    checker = HealthChecker()
    checker.register("database", configured_store_check())
    checker.register("template_cache", configured_templates_check())
    checker.register("event_bus", configured_event_bus_check())
    if _quorum_configured():
        checker.register("quorum", configured_quorum_check())
    return checker


def get_health_checker() -> HealthChecker:
    """The process-wide checker.

    Until :func:`configure_health_checks` attaches the objects to probe, it
    probes what a run uses with the configured settings (see "Embedded
    defaults" above): the store, the template cache, the event bus, and the
    quorum when a model can vote (an absent quorum is not a component)."""
    global _checker
    with _checker_lock:
        if _checker is None:
            _checker = _default_checker()
        return _checker


def set_health_checker(checker: HealthChecker | None) -> None:
    """Replace (or with ``None``, forget) the process-wide checker."""
    global _checker
    with _checker_lock:
        _checker = checker


def configure_health_checks(
    *,
    persistence: Any | None = None,
    template_cache_stats: Callable[[], Any] | None = None,
    event_bus: Any | None = None,
    quorum: Any | None = None,
    checker: HealthChecker | None = None,
) -> HealthChecker:
    """Attach the objects the standard checks probe (``None`` leaves a check unconfigured)."""
    target = checker or get_health_checker()
    target.register("database", database_check(persistence))
    target.register("template_cache", template_cache_check(template_cache_stats))
    target.register("event_bus", event_bus_check(event_bus))
    target.register("quorum", quorum_check(quorum))
    return target


async def check_system_health() -> dict[str, HealthCheckResult]:
    """Run every check of the process-wide checker."""
    return await get_health_checker().check_system_health()


async def check_component_health(component: str) -> HealthCheckResult:
    """Run one check of the process-wide checker."""
    return await get_health_checker().check_component(component)


def get_overall_health_status() -> HealthStatus:
    """Overall status from the latest results of the process-wide checker."""
    return get_health_checker().get_overall_health_status()
