"""Alerting: threshold rules over recorded metrics, with channels and escalation.

An :class:`AlertRule` watches one metric. A breach first becomes *pending*; the
alert fires only once the condition has held for ``duration_seconds`` (every
sample in between breaching too). While an alert is active, further breaches
update it instead of creating another one (de-duplication by
``rule:severity:labels``), and a recovered sample resolves it. Re-firing the
same key within the de-duplication window is not notified again. Active
alerts that see no sample for ``auto_resolve_seconds`` resolve on their own.

Notifications go to channels: ``log`` (a structured log line) and ``webhook``
(an HTTP POST of the alert payload). Webhooks are delivered on a background
thread with its own event loop, retried with capped exponential backoff, and
recorded as delivered or failed; the caller never waits for them. Retries
go through tenacity (attempts, backoff and timeout from the settings).

The clock and the retry sleep are injectable so tests never sleep. The records
live in :mod:`.alert_models`, the configuration file in :mod:`.alert_config`,
the delivery to channels in :mod:`.alert_delivery`.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from omninode_bridge.errors import ObservabilityError
from omninode_bridge.logs import get_logger
from omninode_bridge.observability.alert_config import (
    DEFAULT_ALERT_CONFIG,
    AlertConfig,
    config_dict,
    parse_alert_config,
    read_alert_config,
)
from omninode_bridge.observability.alert_delivery import AlertNotifier
from omninode_bridge.observability.alert_models import (
    SUPPORTED_CHANNELS,
    Alert,
    AlertChannel,
    AlertRule,
    AlertSettings,
    AlertSeverity,
    AlertStatus,
    Clock,
    DeliveryRecord,
    EscalationPolicy,
    EscalationStep,
    Sleep,
    alert_key,
)

__all__ = [
    "DEFAULT_ALERT_CONFIG",
    "Alert",
    "AlertChannel",
    "AlertConfig",
    "AlertManager",
    "AlertRule",
    "AlertSettings",
    "AlertSeverity",
    "AlertStatus",
    "DeliveryRecord",
    "EscalationPolicy",
    "EscalationStep",
    "get_alert_manager",
    "load_alert_config",
    "parse_alert_config",
    "read_alert_config",
    "set_alert_manager",
]

log = get_logger(__name__, component="alerts")


@dataclass(slots=True)
class _Tracked:
    """Mutable bookkeeping behind one active alert."""

    alert: Alert
    rule: AlertRule
    policy: EscalationPolicy | None
    steps_done: set[int] = field(default_factory=set)
    cycle_started_at: float = 0.0
    notified_channels: set[str] = field(default_factory=set)


class AlertManager:
    """Evaluates rules against metric samples and notifies channels.

    Args:
        rules: Initial rules.
        channels: Notification channels; defaults to one ``log`` channel.
        escalation_policies: Who hears about which alerts, and when.
        settings: Manager-wide behaviour.
        clock: Seconds since the epoch; injected in tests.
        sleep: Async sleep used between webhook retries; injected in tests.
        http_transport: httpx transport for webhooks (tests pass a
            ``MockTransport``; default is the network).
    """

    def __init__(
        self,
        *,
        rules: Iterable[AlertRule] = (),
        channels: Iterable[AlertChannel] | None = None,
        escalation_policies: Iterable[EscalationPolicy] = (),
        settings: AlertSettings | None = None,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or AlertSettings()
        self.clock = clock
        self.sleep = sleep
        self.http_transport = http_transport
        self._lock = threading.RLock()
        self._rules: dict[str, AlertRule] = {}
        self._channels: dict[str, AlertChannel] = {}
        self._policies: list[EscalationPolicy] = list(escalation_policies)
        self._pending: dict[str, float] = {}
        self._active: dict[str, _Tracked] = {}
        self._history: deque[Alert] = deque(maxlen=10_000)
        self._last_notified: dict[str, float] = {}
        self._suppressed_rules: dict[str, float] = {}
        self._notifier = AlertNotifier(self, self._lock)
        self._ids = itertools.count(1)
        self._stats = {"evaluations": 0, "fired": 0, "resolved": 0, "deduplicated": 0}
        for rule in rules:
            self.add_rule(rule)
        for channel in channels if channels is not None else [AlertChannel("primary_log")]:
            self.add_channel(channel)

    # ---------------------------------------------------------------- configuration

    def add_rule(self, rule: AlertRule) -> None:
        """Add or replace the rule named ``rule.name``."""
        with self._lock:
            self._rules[rule.name] = rule

    def remove_rule(self, name: str) -> bool:
        """Remove a rule; returns whether it existed."""
        with self._lock:
            return self._rules.pop(name, None) is not None

    def get_rules(self) -> list[AlertRule]:
        """All rules, in insertion order."""
        with self._lock:
            return list(self._rules.values())

    def add_channel(self, channel: AlertChannel) -> None:
        """Add or replace a channel."""
        if channel.enabled and channel.type not in SUPPORTED_CHANNELS:
            raise ObservabilityError(
                f"alert channel {channel.name!r}: type {channel.type!r} cannot be enabled "
                f"(supported: {', '.join(SUPPORTED_CHANNELS)})"
            )
        if channel.enabled and channel.type == "webhook" and not channel.config.get("url"):
            raise ObservabilityError(f"alert channel {channel.name!r}: webhook needs a url")
        with self._lock:
            self._channels[channel.name] = channel

    def get_channels(self) -> list[AlertChannel]:
        """All channels."""
        with self._lock:
            return list(self._channels.values())

    def add_escalation_policy(self, policy: EscalationPolicy) -> None:
        """Append a policy (policies are matched in order)."""
        with self._lock:
            self._policies.append(policy)

    def configure(
        self,
        *,
        rules: Iterable[AlertRule],
        channels: Iterable[AlertChannel],
        escalation_policies: Iterable[EscalationPolicy],
        settings: AlertSettings,
    ) -> None:
        """Replace rules, channels, policies and settings (active alerts are kept)."""
        with self._lock:
            self._rules.clear()
            self._channels.clear()
            self._policies = list(escalation_policies)
            self.settings = settings
        for rule in rules:
            self.add_rule(rule)
        for channel in channels:
            self.add_channel(channel)

    def export_config(self) -> dict[str, Any]:
        """The current configuration in the YAML file's shape."""
        with self._lock:
            return config_dict(
                self.settings, self._rules.values(), self._channels.values(), self._policies
            )

    # ---------------------------------------------------------------- evaluation

    def evaluate(
        self, metric_name: str, value: float, labels: Mapping[str, str] | None = None
    ) -> list[Alert]:
        """Feed one sample to every rule on ``metric_name``.

        Returns:
            Alerts that fired because of this sample (not ones merely updated).
        """
        labels = dict(labels or {})
        now = self.clock()
        fired: list[Alert] = []
        with self._lock:
            self._stats["evaluations"] += 1
            for rule in list(self._rules.values()):
                if rule.metric_name != metric_name or not rule.enabled:
                    continue
                if not rule.applies_to(labels):
                    continue
                alert = self._evaluate_rule(rule, value, labels, now)
                if alert is not None:
                    fired.append(alert)
            self._housekeep(now)
        return fired

    def _evaluate_rule(
        self, rule: AlertRule, value: float, labels: dict[str, str], now: float
    ) -> Alert | None:
        key = alert_key(rule, labels)
        if not rule.breached(value):
            self._pending.pop(key, None)
            if key in self._active:
                self._resolve(key, now, reason="recovered", value=value)
            return None
        tracked = self._active.get(key)
        if tracked is not None:
            self._stats["deduplicated"] += 1
            tracked.alert = replace(
                tracked.alert,
                value=value,
                last_seen_at=now,
                occurrences=tracked.alert.occurrences + 1,
                message=rule.message_for(value),
            )
            return None
        if self._suppressed_rules.get(rule.name, float("-inf")) > now:
            return None
        started = self._pending.setdefault(key, now)
        if now - started < rule.duration_seconds:
            return None
        del self._pending[key]
        return self._fire(rule, key, value, labels, now)

    def _fire(
        self, rule: AlertRule, key: str, value: float, labels: dict[str, str], now: float
    ) -> Alert | None:
        if len(self._active) >= self.settings.max_active_alerts:
            log.warning("alert.dropped", rule=rule.name, reason="max_active_alerts reached")
            return None
        alert = Alert(
            alert_id=f"alert-{next(self._ids)}",
            key=key,
            rule_name=rule.name,
            metric_name=rule.metric_name,
            severity=rule.severity,
            status=AlertStatus.FIRING,
            message=rule.message_for(value),
            value=value,
            threshold=rule.threshold,
            labels=labels,
            fired_at=now,
            last_seen_at=now,
        )
        policy = next((p for p in self._policies if p.matches(rule)), None)
        tracked = _Tracked(alert=alert, rule=rule, policy=policy, cycle_started_at=now)
        self._active[key] = tracked
        self._stats["fired"] += 1
        log.info("alert.fired", alert_id=alert.alert_id, rule=rule.name, value=value)
        last = self._last_notified.get(key)
        if last is not None and now - last < self.settings.deduplication_window_seconds:
            self._stats["deduplicated"] += 1
            tracked.steps_done.update(range(len(policy.steps) if policy else 1))
            return alert
        self._last_notified[key] = now
        self._escalate(tracked, now)
        return alert

    def _escalate(self, tracked: _Tracked, now: float) -> None:
        alert = tracked.alert
        if alert.status is not AlertStatus.FIRING:
            return
        policy = tracked.policy
        if policy is None:
            if 0 not in tracked.steps_done:
                tracked.steps_done.add(0)
                names = [c.name for c in self._channels.values()]
                tracked.notified_channels.update(self._notify(alert, names, "fired"))
            return
        if (
            policy.repeat_interval_seconds
            and now - tracked.cycle_started_at >= policy.repeat_interval_seconds
        ):
            tracked.cycle_started_at = now
            tracked.steps_done.clear()
        elapsed = now - tracked.cycle_started_at
        for index, step in enumerate(policy.steps):
            if index in tracked.steps_done or elapsed < step.delay_seconds:
                continue
            tracked.steps_done.add(index)
            event = "fired" if index == 0 else "escalated"
            tracked.notified_channels.update(self._notify(alert, step.channels, event))

    def _resolve(self, key: str, now: float, *, reason: str, value: float | None = None) -> Alert:
        tracked = self._active.pop(key)
        alert = replace(
            tracked.alert,
            status=AlertStatus.RESOLVED,
            resolved_at=now,
            value=tracked.alert.value if value is None else value,
        )
        self._history.append(alert)
        self._stats["resolved"] += 1
        log.info("alert.resolved", alert_id=alert.alert_id, rule=alert.rule_name, reason=reason)
        if tracked.notified_channels:
            self._notify(alert, sorted(tracked.notified_channels), "resolved")
        return alert

    def _housekeep(self, now: float) -> None:
        for key, tracked in list(self._active.items()):
            if now - tracked.alert.last_seen_at >= self.settings.auto_resolve_seconds:
                self._resolve(key, now, reason="stale")
                continue
            alert = tracked.alert
            if alert.status is AlertStatus.SUPPRESSED and (alert.suppressed_until or 0) <= now:
                tracked.alert = replace(alert, status=AlertStatus.FIRING, suppressed_until=None)
            self._escalate(tracked, now)
        horizon = now - self.settings.history_retention_days * 86_400
        while self._history and (self._history[0].resolved_at or now) < horizon:
            self._history.popleft()

    def tick(self) -> None:
        """Run escalation, suppression expiry and stale-alert resolution now."""
        with self._lock:
            self._housekeep(self.clock())

    # ---------------------------------------------------------------- operator actions

    def _find(self, alert_id: str) -> _Tracked:
        for tracked in self._active.values():
            if tracked.alert.alert_id == alert_id:
                return tracked
        raise ObservabilityError(f"no active alert with id {alert_id!r}")

    def acknowledge(self, alert_id: str, *, by: str = "operator") -> Alert:
        """Mark an active alert acknowledged; escalation stops."""
        with self._lock:
            tracked = self._find(alert_id)
            tracked.alert = replace(
                tracked.alert, status=AlertStatus.ACKNOWLEDGED, acknowledged_by=by
            )
            log.info("alert.acknowledged", alert_id=alert_id, by=by)
            return tracked.alert

    def resolve(self, alert_id: str) -> Alert:
        """Resolve an active alert by hand."""
        with self._lock:
            tracked = self._find(alert_id)
            return self._resolve(tracked.alert.key, self.clock(), reason="manual")

    def suppress(self, target: str, duration_minutes: float) -> None:
        """Silence an active alert (by id) or a rule (by name) for ``duration_minutes``.

        A suppressed alert is not escalated; a suppressed rule does not fire.
        """
        with self._lock:
            until = self.clock() + duration_minutes * 60
            if target in self._rules:
                self._suppressed_rules[target] = until
                for tracked in self._active.values():
                    if tracked.rule.name == target:
                        tracked.alert = replace(
                            tracked.alert, status=AlertStatus.SUPPRESSED, suppressed_until=until
                        )
                return
            tracked = self._find(target)
            tracked.alert = replace(
                tracked.alert, status=AlertStatus.SUPPRESSED, suppressed_until=until
            )

    # ---------------------------------------------------------------- queries

    def get_active_alerts(self, severity: AlertSeverity | None = None) -> list[Alert]:
        """Active alerts, most severe first, then oldest first."""
        order = {AlertSeverity.CRITICAL: 0, AlertSeverity.WARNING: 1, AlertSeverity.INFO: 2}
        with self._lock:
            alerts = [t.alert for t in self._active.values()]
        if severity is not None:
            alerts = [a for a in alerts if a.severity is severity]
        return sorted(alerts, key=lambda a: (order[a.severity], a.fired_at))

    def get_alert_history(self, limit: int | None = None) -> list[Alert]:
        """Resolved alerts, newest first."""
        with self._lock:
            items = list(reversed(self._history))
        return items if limit is None else items[:limit]

    def get_pending(self) -> dict[str, float]:
        """Keys breaching but not yet for long enough, with the breach start time."""
        with self._lock:
            return dict(self._pending)

    @property
    def deliveries(self) -> list[DeliveryRecord]:
        """Finished notifications, oldest first."""
        return self._notifier.deliveries

    def get_statistics(self) -> dict[str, Any]:
        """Counts of evaluations, alerts and deliveries."""
        with self._lock:
            deliveries = self._notifier.deliveries
            by_severity: dict[str, int] = {}
            for tracked in self._active.values():
                sev = tracked.alert.severity.value
                by_severity[sev] = by_severity.get(sev, 0) + 1
            return {
                **self._stats,
                "active": len(self._active),
                "active_by_severity": by_severity,
                "pending": len(self._pending),
                "rules": len(self._rules),
                "deliveries_delivered": sum(d.status == "delivered" for d in deliveries),
                "deliveries_failed": sum(d.status == "failed" for d in deliveries),
            }

    # ---------------------------------------------------------------- notification

    def _notify(self, alert: Alert, channel_names: Sequence[str], event: str) -> list[str]:
        """Send ``event`` to the named channels that accept it; returns their names."""
        return self._notifier.notify(alert, self._channels, channel_names, event)

    def pending_deliveries(self) -> int:
        """Webhook deliveries still in flight."""
        return self._notifier.pending()

    def wait_for_deliveries(self, timeout: float | None = None) -> bool:
        """Block until in-flight webhook deliveries finish; returns whether all did."""
        return self._notifier.wait(timeout)

    async def drain(self) -> None:
        """Await in-flight webhook deliveries from async code."""
        await self._notifier.drain()

    def close(self) -> None:
        """Finish in-flight deliveries and stop the delivery thread."""
        self._notifier.close()


_manager: AlertManager | None = None
_manager_lock = threading.Lock()


def _manager_from(config: AlertConfig, **kwargs: Any) -> AlertManager:
    return AlertManager(
        rules=config.rules,
        channels=config.channels,
        escalation_policies=config.escalation_policies,
        settings=config.settings,
        **kwargs,
    )


def get_alert_manager() -> AlertManager:
    """The process-wide manager, created from the packaged default configuration."""
    global _manager
    with _manager_lock:
        if _manager is None:
            _manager = _manager_from(read_alert_config())
        return _manager


def set_alert_manager(manager: AlertManager | None) -> None:
    """Replace (or with ``None``, forget) the process-wide manager."""
    global _manager
    with _manager_lock:
        _manager = manager


def load_alert_config(path: str | Path, *, manager: AlertManager | None = None) -> AlertManager:
    """Load a YAML file (rules, channels, escalation, settings) into a manager.

    Applies to ``manager`` or, by default, the process-wide one.

    Raises:
        ConfigError: The file is unreadable or invalid (message names file, line, field).
    """
    config = read_alert_config(path)
    target = manager or get_alert_manager()
    target.configure(
        rules=config.rules,
        channels=config.channels,
        escalation_policies=config.escalation_policies,
        settings=config.settings,
    )
    return target
