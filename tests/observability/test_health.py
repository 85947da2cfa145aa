"""Health checks: standard checks, timeouts, failures and the derived overall status."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.observability.health import (
    HealthChecker,
    HealthCheckResult,
    HealthStatus,
    database_check,
    derive_overall_status,
    event_bus_check,
    quorum_check,
    template_cache_check,
)
from omninode_bridge.persistence import OmniNodePersistence


def _result(status: HealthStatus) -> HealthCheckResult:
    return HealthCheckResult("x", status, "")


@pytest.mark.parametrize(
    ("statuses", "overall"),
    [
        ([], HealthStatus.UNKNOWN),
        ([HealthStatus.UNKNOWN, HealthStatus.UNKNOWN], HealthStatus.UNKNOWN),
        ([HealthStatus.HEALTHY, HealthStatus.UNKNOWN], HealthStatus.HEALTHY),
        ([HealthStatus.HEALTHY, HealthStatus.DEGRADED], HealthStatus.DEGRADED),
        ([HealthStatus.DEGRADED, HealthStatus.CRITICAL], HealthStatus.CRITICAL),
    ],
    ids=["none", "all-unknown", "healthy", "degraded", "critical"],
)
def test_overall_status_is_derived(statuses: list[HealthStatus], overall: HealthStatus) -> None:
    results = {str(i): _result(s) for i, s in enumerate(statuses)}
    assert derive_overall_status(results) is overall


async def test_database_check_against_a_real_store(tmp_path: Path) -> None:
    store = OmniNodePersistence(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    await store.initialize()
    try:
        result = await database_check(store)()
        slow = await database_check(store, degraded_ms=-1)()
    finally:
        await store.close()
    assert result.status is HealthStatus.HEALTHY
    assert result.metadata["latency_ms"] >= 0
    assert slow.status is HealthStatus.DEGRADED


async def test_database_check_on_postgres(postgres_url: str) -> None:
    store = OmniNodePersistence(postgres_url, schema="health_check_test")
    await store.initialize()
    try:
        result = await database_check(store)()
    finally:
        await store.close()
    assert result.status in (HealthStatus.HEALTHY, HealthStatus.DEGRADED)


@pytest.mark.parametrize(
    ("stats", "status"),
    [
        ({"hits": 0, "misses": 0}, HealthStatus.HEALTHY),
        ({"hits": 9, "misses": 1}, HealthStatus.HEALTHY),
        ({"hits": 4, "misses": 6}, HealthStatus.DEGRADED),
        ({"hits": 4, "misses": 6, "hit_rate": 0.9}, HealthStatus.HEALTHY),
    ],
    ids=["no-lookups", "high", "low", "reported-rate"],
)
async def test_template_cache_check(stats: dict[str, Any], status: HealthStatus) -> None:
    assert (await template_cache_check(lambda: stats)()).status is status


@pytest.mark.parametrize(
    ("probe", "status"),
    [
        ({"providers_configured": 0, "providers_reachable": 0}, HealthStatus.HEALTHY),
        ({"providers_configured": 3, "providers_reachable": 3}, HealthStatus.HEALTHY),
        ({"providers_configured": 3, "providers_reachable": 2}, HealthStatus.DEGRADED),
        ({"providers_configured": 3, "providers_reachable": 0}, HealthStatus.CRITICAL),
        ({"providers": {"gemini": True, "glm": {"reachable": False}}}, HealthStatus.DEGRADED),
    ],
    ids=["off", "all", "some", "none", "per-provider"],
)
async def test_quorum_check(probe: dict[str, Any], status: HealthStatus) -> None:
    class Quorum:
        async def health_check(self) -> dict[str, Any]:
            return probe

    assert (await quorum_check(Quorum())()).status is status


async def test_event_bus_check() -> None:
    class Up:
        async def ping(self) -> dict[str, Any]:
            return {"lag": 0}

    class Down:
        async def health_check(self) -> bool:
            return False

    class InProcess:
        pass

    up = await event_bus_check(Up())()
    assert (up.status, up.metadata) == (HealthStatus.HEALTHY, {"lag": 0})
    assert (await event_bus_check(Down())()).status is HealthStatus.CRITICAL
    assert (await event_bus_check(InProcess())()).status is HealthStatus.HEALTHY


async def test_unconfigured_checks_are_unknown() -> None:
    for check in (database_check(None), template_cache_check(None), event_bus_check(None)):
        assert (await check()).status is HealthStatus.UNKNOWN
    assert (await quorum_check(None)()).status is HealthStatus.UNKNOWN


async def test_a_hanging_check_times_out_as_critical() -> None:
    never = asyncio.Event()

    async def hangs() -> HealthCheckResult:
        await never.wait()
        raise AssertionError("unreachable")

    checker = HealthChecker(check_timeout_seconds=0.01)
    checker.register("stuck", hangs)
    checker.register("fine", lambda: _ok("fine"))
    results = await checker.check_system_health()
    assert results["stuck"].status is HealthStatus.CRITICAL
    assert results["stuck"].error == "timeout"
    assert results["fine"].status is HealthStatus.HEALTHY
    assert checker.get_overall_health_status() is HealthStatus.CRITICAL


async def _ok(name: str) -> HealthCheckResult:
    return HealthCheckResult(name, HealthStatus.HEALTHY, "fine")


async def test_a_raising_check_is_critical_with_the_error() -> None:
    async def broken() -> HealthCheckResult:
        raise ConnectionError("refused")

    checker = HealthChecker()
    checker.register("db", broken)
    result = await checker.check_component("db")
    assert result.status is HealthStatus.CRITICAL
    assert result.error == "ConnectionError: refused"
    assert result.check_duration_ms >= 0


def test_overall_is_unknown_before_any_check() -> None:
    assert HealthChecker().get_overall_health_status() is HealthStatus.UNKNOWN


async def test_guide_health_check_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from omninode_bridge.observability.health import (
        HealthStatus,
        check_system_health,
        configure_health_checks,
        get_overall_health_status,
        set_health_checker,
    )

    store = OmniNodePersistence(f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
    await store.initialize()
    set_health_checker(None)
    configure_health_checks(
        persistence=store, template_cache_stats=lambda: {"hits": 1, "misses": 3}
    )
    try:
        # Check system health
        health_results = await check_system_health()

        for component, result in health_results.items():
            print(f"{component}: {result.status.value}")
            if result.status != HealthStatus.HEALTHY:
                print(f"  Issue: {result.message}")

        # Get overall status
        overall = get_overall_health_status()
        if overall != HealthStatus.HEALTHY:
            print(f"System health: {overall.value}")
    finally:
        await store.close()
        set_health_checker(None)
    out = capsys.readouterr().out
    assert "database: healthy" in out
    assert "template_cache: degraded" in out
    assert "System health: degraded" in out


async def test_quorum_without_a_probe_is_judged_on_client_readiness() -> None:
    from omninode_bridge.quorum import (
        AIQuorum,
        ModelConfig,
        OpenAICompatibleClient,
    )

    configs = [
        ModelConfig("local", "llama", 1.0, "http://127.0.0.1:9/v1"),
        ModelConfig("other", "llama", 1.0, "http://127.0.0.1:9/v1"),
        ModelConfig("off", "llama", 1.0, "http://127.0.0.1:9/v1", enabled=False),
    ]
    quorum = AIQuorum(configs, auto_register=False)
    none_ready = await quorum_check(quorum)()
    quorum.register_client("local", OpenAICompatibleClient(model_id="local"))
    one_ready = await quorum_check(quorum)()
    assert none_ready.status is HealthStatus.CRITICAL
    assert one_ready.status is HealthStatus.DEGRADED
    assert one_ready.metadata["providers"] == {"local": True, "other": False}
    assert "not probed" in one_ready.message
    off = await quorum_check(AIQuorum([], auto_register=False))()
    assert off.status is HealthStatus.HEALTHY


# -- the process-wide checker with nothing configured: the embedded defaults, probed


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A working folder with the embedded defaults and no quorum key; a fresh checker."""
    from omninode_bridge.observability import health

    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.endswith("_API_KEY") or name.startswith("OMNINODE_"):
            monkeypatch.delenv(name)
    health.set_health_checker(None)
    yield health
    health.set_health_checker(None)


async def test_the_embedded_defaults_are_probed_and_healthy(embedded: Any, tmp_path: Path) -> None:
    results = await embedded.check_system_health()

    assert set(results) == {"database", "template_cache", "event_bus"}  # no quorum: not listed
    assert {r.status for r in results.values()} == {HealthStatus.HEALTHY}, results
    assert embedded.get_overall_health_status() is HealthStatus.HEALTHY
    assert (tmp_path / ".omninode" / "omninode.db").is_file()  # the store was really opened
    assert results["template_cache"].metadata["templates"] > 0


async def test_a_store_that_cannot_be_opened_is_critical(
    embedded: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    monkeypatch.setenv("OMNINODE_DATABASE_URL", f"sqlite:///{tmp_path / 'a-file' / 'x.db'}")

    result = await embedded.check_component_health("database")

    assert result.status is HealthStatus.CRITICAL and result.error


async def test_a_configured_bus_that_does_not_answer_is_critical(
    embedded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMNINODE_EVENT_BUS", "redis")
    monkeypatch.setenv("OMNINODE_REDIS_URL", "redis://127.0.0.1:1/0")

    result = await embedded.check_component_health("event_bus")

    assert result.status is HealthStatus.CRITICAL


async def test_a_broken_template_override_is_critical(
    embedded: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "node_effect_v1.j2").write_text("{% if %}", encoding="utf-8")
    monkeypatch.setenv("OMNINODE_TEMPLATE_DIR", str(tmp_path / "templates"))

    result = await embedded.check_component_health("template_cache")

    assert result.status is HealthStatus.CRITICAL and result.error


async def test_the_quorum_is_listed_when_a_model_can_vote(
    embedded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omninode_bridge.quorum.settings import key_variables, load_quorum_settings

    monkeypatch.setenv(key_variables(load_quorum_settings())[0], "sk-test")

    assert "quorum" in embedded.get_health_checker().components
    result = await embedded.check_component_health("quorum")

    assert result.status in (HealthStatus.HEALTHY, HealthStatus.DEGRADED)
    assert result.metadata["providers_reachable"] >= 1


def test_a_status_equals_its_value_and_its_name() -> None:
    """JSON carries ``"healthy"``; the Phase 7 guide compares with ``"HEALTHY"``."""
    status = HealthStatus.HEALTHY
    assert status == "healthy" and status == "HEALTHY"
    assert "HEALTHY" == status  # noqa: SIM300 (the reflected comparison is under test)
    assert not (status != "HEALTHY")  # noqa: SIM202 (__ne__ is under test)
    assert status != "DEGRADED" and status != "degraded" and status != "Healthy"
    assert status != HealthStatus.DEGRADED and status == HealthStatus("healthy")
    assert {status: 1}[HealthStatus.HEALTHY] == 1
