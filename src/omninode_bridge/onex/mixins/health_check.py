"""``MixinHealthCheck``: registered component checks aggregated into the node's health."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from omninode_bridge.onex.enums import EnumHealthStatus
from omninode_bridge.onex.mixins.config import MixinHealthCheckConfig
from omninode_bridge.onex.node import ModelComponentHealth, NodeBase

__all__ = ["HealthCheckFunction", "HealthCheckResult", "MixinHealthCheck"]

HealthCheckResult = ModelComponentHealth | EnumHealthStatus | bool
"""What a check may return: a full record, a status, or healthy yes/no."""

HealthCheckFunction = Callable[[], Awaitable[HealthCheckResult]]


@dataclass(frozen=True, slots=True)
class _Check:
    name: str
    function: HealthCheckFunction
    critical: bool
    timeout_seconds: float


class MixinHealthCheck(NodeBase):
    """Component health checks, run concurrently on every ``health_check()``.

    Components come from the contract (``components`` or ``critical_checks``)
    and from :meth:`register_health_check`. A check that raises or exceeds its
    timeout counts as unhealthy; a declared component without a registered
    check is reported ``UNKNOWN`` (which degrades the node). Critical
    components make the node unhealthy, others degrade it.

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinHealthCheckConfig`.
    """

    def _on_configure(self) -> None:
        super()._on_configure()
        self._health_config = self.mixin_config(MixinHealthCheckConfig)
        self._declared_components = {c.name: c for c in self._health_config.declared_components()}
        self._health_checks: dict[str, _Check] = {}

    @property
    def health_check_interval_seconds(self) -> float:
        """How often a monitor should call ``health_check()``, from the contract."""
        return self._health_config.interval_seconds

    def register_health_check(
        self,
        name: str,
        check: HealthCheckFunction,
        *,
        critical: bool | None = None,
        timeout_seconds: float | None = None,
    ) -> None:
        """Add or replace the check of component ``name``.

        Args:
            name: Component name; a contract component of that name lends its
                ``critical`` flag and timeout unless given here.
            check: Async callable returning a record, a status or a bool.
            critical: Whether failure makes the node unhealthy.
            timeout_seconds: Time budget of one run.
        """
        declared = self._declared_components.get(name)
        if critical is None:
            critical = declared.critical if declared else True
        if timeout_seconds is None:
            timeout_seconds = (
                declared.timeout_seconds if declared else self._health_config.timeout_seconds
            )
        self._health_checks[name] = _Check(name, check, critical, timeout_seconds)

    @property
    def health_check_names(self) -> tuple[str, ...]:
        """Declared and registered component names."""
        return tuple(dict.fromkeys([*self._declared_components, *self._health_checks]))

    async def _collect_health(self) -> list[ModelComponentHealth]:
        components = await super()._collect_health()
        checks = list(self._health_checks.values())
        components += await asyncio.gather(*(self._run_check(check) for check in checks))
        for name, declared in self._declared_components.items():
            if name not in self._health_checks:
                components.append(
                    ModelComponentHealth(
                        name=name,
                        status=EnumHealthStatus.UNKNOWN,
                        critical=declared.critical,
                        message="no health check registered",
                    )
                )
        return components

    async def _run_check(self, check: _Check) -> ModelComponentHealth:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(check.timeout_seconds):
                outcome = await check.function()
        except TimeoutError:
            return self._component(
                check,
                EnumHealthStatus.UNHEALTHY,
                started,
                f"timed out after {check.timeout_seconds}s",
            )
        except Exception as exc:
            return self._component(check, EnumHealthStatus.UNHEALTHY, started, repr(exc))
        if isinstance(outcome, ModelComponentHealth):
            return dataclasses.replace(
                outcome,
                name=check.name,
                critical=check.critical,
                duration_ms=(time.perf_counter() - started) * 1000.0,
            )
        if isinstance(outcome, EnumHealthStatus):
            return self._component(check, outcome, started)
        status = EnumHealthStatus.HEALTHY if outcome else EnumHealthStatus.UNHEALTHY
        return self._component(check, status, started, "" if outcome else "check returned False")

    @staticmethod
    def _component(
        check: _Check, status: EnumHealthStatus, started: float, message: str = ""
    ) -> ModelComponentHealth:
        return ModelComponentHealth(
            name=check.name,
            status=status,
            critical=check.critical,
            message=message,
            duration_ms=(time.perf_counter() - started) * 1000.0,
        )
