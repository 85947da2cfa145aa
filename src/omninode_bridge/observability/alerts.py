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
recorded as delivered or failed; the caller never waits for them.

The clock and the retry sleep are injectable so tests never sleep.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omninode_bridge.errors import ConfigError, ObservabilityError
from omninode_bridge.logs import get_logger

__all__ = [
    "DEFAULT_ALERT_CONFIG",
    "Alert",
    "AlertChannel",
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
    "set_alert_manager",
]

log = get_logger(__name__, component="alerts")

Comparison = Literal["greater_than", "less_than", "equals", "greater_or_equal", "less_or_equal"]
ChannelType = Literal["log", "webhook", "email"]
_COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "greater_than": (lambda v, t: v > t, "above"),
    "less_than": (lambda v, t: v < t, "below"),
    "equals": (lambda v, t: v == t, "equal to"),
    "greater_or_equal": (lambda v, t: v >= t, "at or above"),
    "less_or_equal": (lambda v, t: v <= t, "at or below"),
}
_SUPPORTED_CHANNELS = ("log", "webhook")

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class AlertSeverity(str, Enum):
    """How urgent an alert is."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class AlertStatus(str, Enum):
    """Where an alert is in its life."""

    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    SUPPRESSED = "suppressed"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class AlertRule:
    """A threshold on one metric.

    Attributes:
        name: Unique rule name.
        metric_name: Metric the rule watches.
        threshold: Value compared with each sample.
        severity: Severity of the alerts it raises.
        comparison: ``greater_than``, ``less_than``, ``equals``,
            ``greater_or_equal`` or ``less_or_equal``.
        duration_seconds: How long the condition must hold before firing.
        description: Message used for the alert; generated when empty.
        enabled: Disabled rules are kept but never evaluated.
        labels: The rule applies only to samples carrying these labels.
    """

    name: str
    metric_name: str
    threshold: float
    severity: AlertSeverity = AlertSeverity.WARNING
    comparison: str = "greater_than"
    duration_seconds: float = 0.0
    description: str = ""
    enabled: bool = True
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.comparison not in _COMPARISONS:
            raise ObservabilityError(
                f"alert rule {self.name!r}: comparison {self.comparison!r} is not one of "
                f"{', '.join(_COMPARISONS)}"
            )
        object.__setattr__(self, "severity", AlertSeverity(self.severity))
        if self.duration_seconds < 0:
            raise ObservabilityError(f"alert rule {self.name!r}: duration_seconds must be >= 0")

    def breached(self, value: float) -> bool:
        """Whether ``value`` violates the rule."""
        return _COMPARISONS[self.comparison][0](value, self.threshold)

    def applies_to(self, labels: Mapping[str, str]) -> bool:
        """Whether a sample with ``labels`` is in the rule's scope."""
        return all(labels.get(key) == value for key, value in self.labels.items())

    def message_for(self, value: float) -> str:
        """The alert message for a breaching ``value``."""
        words = _COMPARISONS[self.comparison][1]
        detail = f"{self.metric_name} is {value:g}, {words} threshold {self.threshold:g}"
        return f"{self.description} ({detail})" if self.description else detail


@dataclass(frozen=True, slots=True)
class AlertChannel:
    """Where notifications go.

    Attributes:
        name: Unique channel name, referenced by escalation steps.
        type: ``log`` or ``webhook`` (``email`` may be declared, disabled).
        enabled: Disabled channels are skipped.
        severities: Only alerts of these severities; ``None`` means all.
        config: Type-specific options; for webhooks ``url``, ``method``
            (default POST) and ``headers``.
    """

    name: str
    type: str = "log"
    enabled: bool = True
    severities: frozenset[AlertSeverity] | None = None
    config: Mapping[str, Any] = field(default_factory=dict)

    def accepts(self, severity: AlertSeverity) -> bool:
        """Whether this channel wants alerts of ``severity``."""
        return self.enabled and (self.severities is None or severity in self.severities)


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """Notify ``channels`` once an alert has been active for ``delay_seconds``."""

    delay_seconds: float
    channels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """Which channels hear about an alert, and when.

    The first policy whose ``severities`` and ``rules`` filters match an alert
    governs it; alerts that no policy matches go to every accepting channel.
    Escalation stops once the alert is acknowledged, suppressed or resolved.
    With ``repeat_interval_seconds`` the steps start over that long after firing.
    """

    name: str
    steps: tuple[EscalationStep, ...]
    severities: frozenset[AlertSeverity] | None = None
    rules: frozenset[str] | None = None
    repeat_interval_seconds: float | None = None

    def matches(self, rule: AlertRule) -> bool:
        """Whether this policy governs alerts from ``rule``."""
        if self.severities is not None and rule.severity not in self.severities:
            return False
        return self.rules is None or rule.name in self.rules


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """Manager-wide behaviour."""

    deduplication_window_seconds: float = 300.0
    auto_resolve_seconds: float = 3600.0
    max_active_alerts: int = 1000
    history_retention_days: float = 30.0
    webhook_attempts: int = 3
    webhook_backoff_seconds: float = 1.0
    webhook_backoff_max_seconds: float = 30.0
    webhook_timeout_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class Alert:
    """A snapshot of one alert.

    Attributes:
        alert_id: Unique id.
        key: De-duplication key ``rule:severity:labels``.
        rule_name: Rule that raised it.
        metric_name: Metric the rule watches.
        severity: Rule severity.
        status: Current status.
        message: Human-readable description.
        value: Latest breaching value.
        threshold: Rule threshold.
        labels: Labels of the sample that raised it.
        fired_at: Clock time it fired.
        last_seen_at: Clock time of the latest breaching sample.
        occurrences: Breaching samples folded into this alert.
        resolved_at: Clock time it resolved.
        acknowledged_by: Who acknowledged it.
        suppressed_until: Clock time suppression ends.
    """

    alert_id: str
    key: str
    rule_name: str
    metric_name: str
    severity: AlertSeverity
    status: AlertStatus
    message: str
    value: float
    threshold: float
    labels: Mapping[str, str]
    fired_at: float
    last_seen_at: float
    occurrences: int = 1
    resolved_at: float | None = None
    acknowledged_by: str | None = None
    suppressed_until: float | None = None

    @property
    def is_active(self) -> bool:
        """Not yet resolved."""
        return self.status is not AlertStatus.RESOLVED

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (times as ISO 8601 UTC)."""
        return {
            "alert_id": self.alert_id,
            "alert_name": self.rule_name,
            "metric_name": self.metric_name,
            "severity": self.severity.value,
            "status": self.status.value,
            "message": self.message,
            "value": self.value,
            "threshold": self.threshold,
            "labels": dict(self.labels),
            "fired_at": _iso(self.fired_at),
            "last_seen_at": _iso(self.last_seen_at),
            "occurrences": self.occurrences,
            "resolved_at": _iso(self.resolved_at) if self.resolved_at is not None else None,
            "acknowledged_by": self.acknowledged_by,
        }

    def to_payload(self, *, event: str = "fired") -> dict[str, Any]:
        """The webhook payload.

        Keys: ``alert_name``, ``severity``, ``message``, ``timestamp``, ``metadata``.
        """
        at = self.resolved_at if event == "resolved" and self.resolved_at else self.fired_at
        return {
            "alert_name": self.rule_name,
            "severity": self.severity.value,
            "message": self.message,
            "timestamp": _iso(at),
            "metadata": {
                "alert_id": self.alert_id,
                "event": event,
                "status": self.status.value,
                "metric_name": self.metric_name,
                "value": self.value,
                "threshold": self.threshold,
                "labels": dict(self.labels),
                "occurrences": self.occurrences,
            },
        }


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """Outcome of one notification to one channel."""

    alert_id: str
    alert_name: str
    channel: str
    event: str
    status: Literal["delivered", "failed"]
    attempts: int
    error: str | None
    finished_at: float


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _alert_key(rule: AlertRule, labels: Mapping[str, str]) -> str:
    label_text = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return f"{rule.name}:{rule.severity.value}:{label_text}"


@dataclass(slots=True)
class _Tracked:
    """Mutable bookkeeping behind one active alert."""

    alert: Alert
    rule: AlertRule
    policy: EscalationPolicy | None
    steps_done: set[int] = field(default_factory=set)
    cycle_started_at: float = 0.0
    notified_channels: set[str] = field(default_factory=set)


class _DeliveryWorker:
    """A daemon thread running an event loop that delivers webhooks."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="omninode-alerts", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def submit(self, coro: Awaitable[Any]) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)  # type: ignore[arg-type]

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


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
        self._deliveries: list[DeliveryRecord] = []
        self._futures: set[Future[Any]] = set()
        self._worker: _DeliveryWorker | None = None
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
        if channel.enabled and channel.type not in _SUPPORTED_CHANNELS:
            raise ObservabilityError(
                f"alert channel {channel.name!r}: type {channel.type!r} cannot be enabled "
                f"(supported: {', '.join(_SUPPORTED_CHANNELS)})"
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
            return {
                "settings": _settings_dict(self.settings),
                "rules": [_rule_dict(r) for r in self._rules.values()],
                "channels": [_channel_dict(c) for c in self._channels.values()],
                "escalation": [_policy_dict(p) for p in self._policies],
            }

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
        key = _alert_key(rule, labels)
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
        with self._lock:
            return list(self._deliveries)

    def get_statistics(self) -> dict[str, Any]:
        """Counts of evaluations, alerts and deliveries."""
        with self._lock:
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
                "deliveries_delivered": sum(d.status == "delivered" for d in self._deliveries),
                "deliveries_failed": sum(d.status == "failed" for d in self._deliveries),
            }

    # ---------------------------------------------------------------- notification

    def _notify(self, alert: Alert, channel_names: Sequence[str], event: str) -> list[str]:
        """Send ``event`` to the named channels that accept it; returns their names."""
        sent: list[str] = []
        for name in channel_names:
            channel = self._channels.get(name)
            if channel is None or not channel.accepts(alert.severity):
                continue
            if channel.type == "log":
                self._log_alert(alert, channel, event)
            elif channel.type == "webhook":
                self._submit_webhook(alert, channel, event)
            sent.append(name)
        return sent

    def _log_alert(self, alert: Alert, channel: AlertChannel, event: str) -> None:
        method = log.error if alert.severity is AlertSeverity.CRITICAL else log.warning
        if event == "resolved":
            method = log.info
        method(
            f"alert.{event}.notify",
            channel=channel.name,
            alert_id=alert.alert_id,
            alert_name=alert.rule_name,
            severity=alert.severity.value,
            message=alert.message,
            value=alert.value,
            threshold=alert.threshold,
            labels=dict(alert.labels),
        )
        self._record(alert, channel, event, "delivered", 1, None)

    def _record(
        self,
        alert: Alert,
        channel: AlertChannel,
        event: str,
        status: Literal["delivered", "failed"],
        attempts: int,
        error: str | None,
    ) -> None:
        record = DeliveryRecord(
            alert_id=alert.alert_id,
            alert_name=alert.rule_name,
            channel=channel.name,
            event=event,
            status=status,
            attempts=attempts,
            error=error,
            finished_at=self.clock(),
        )
        with self._lock:
            self._deliveries.append(record)
            del self._deliveries[:-10_000]

    def _submit_webhook(self, alert: Alert, channel: AlertChannel, event: str) -> None:
        if self._worker is None:
            self._worker = _DeliveryWorker()
        future = self._worker.submit(self._deliver_webhook(alert, channel, event))
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)

    async def _deliver_webhook(self, alert: Alert, channel: AlertChannel, event: str) -> None:
        settings = self.settings
        url = str(channel.config["url"])
        method = str(channel.config.get("method", "POST")).upper()
        headers = {str(k): str(v) for k, v in dict(channel.config.get("headers", {})).items()}
        payload = alert.to_payload(event=event)
        error: str | None = None
        attempts = 0
        async with httpx.AsyncClient(
            transport=self.http_transport, timeout=settings.webhook_timeout_seconds
        ) as client:
            for attempt in range(1, settings.webhook_attempts + 1):
                attempts = attempt
                try:
                    response = await client.request(method, url, json=payload, headers=headers)
                    if response.is_success:
                        self._record(alert, channel, event, "delivered", attempt, None)
                        return
                    error = f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                if attempt < settings.webhook_attempts:
                    await self.sleep(self._backoff(attempt))
        log.warning(
            "alert.webhook_failed",
            channel=channel.name,
            alert_id=alert.alert_id,
            attempts=attempts,
            error=error,
        )
        self._record(alert, channel, event, "failed", attempts, error)

    def _backoff(self, attempt: int) -> float:
        base = self.settings.webhook_backoff_seconds * 2.0 ** (attempt - 1)
        capped = min(base, self.settings.webhook_backoff_max_seconds)
        return capped * (1 + random.random() * 0.1)

    def pending_deliveries(self) -> int:
        """Webhook deliveries still in flight."""
        return len(self._futures)

    def wait_for_deliveries(self, timeout: float | None = None) -> bool:
        """Block until in-flight webhook deliveries finish; returns whether all did."""
        pending = list(self._futures)
        if not pending:
            return True
        _, not_done = wait_futures(pending, timeout=timeout)
        return not not_done

    async def drain(self) -> None:
        """Await in-flight webhook deliveries from async code."""
        pending = list(self._futures)
        if pending:
            await asyncio.gather(*(asyncio.wrap_future(f) for f in pending))

    def close(self) -> None:
        """Finish in-flight deliveries and stop the delivery thread."""
        self.wait_for_deliveries()
        if self._worker is not None:
            self._worker.stop()
            self._worker = None


# -------------------------------------------------------------------- config file


class _SettingsModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deduplication_window_seconds: float = Field(default=300.0, ge=0)
    auto_resolve_seconds: float = Field(default=3600.0, gt=0)
    max_active_alerts: int = Field(default=1000, ge=1)
    history_retention_days: float = Field(default=30.0, gt=0)
    webhook_attempts: int = Field(default=3, ge=1)
    webhook_backoff_seconds: float = Field(default=1.0, ge=0)
    webhook_backoff_max_seconds: float = Field(default=30.0, ge=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)


class _RuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    metric_name: str = Field(min_length=1)
    threshold: float
    severity: AlertSeverity = AlertSeverity.WARNING
    comparison: Comparison = "greater_than"
    duration_seconds: float = Field(default=0.0, ge=0)
    description: str = ""
    enabled: bool = True
    labels: dict[str, str] = Field(default_factory=dict)


class _ChannelModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    type: ChannelType
    enabled: bool = True
    severities: list[AlertSeverity] | None = None
    config: dict[str, Any] = Field(default_factory=dict)


class _StepModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delay_seconds: float = Field(ge=0)
    channels: list[str] = Field(min_length=1)


class _PolicyModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    steps: list[_StepModel] = Field(min_length=1)
    severities: list[AlertSeverity] | None = None
    rules: list[str] | None = None
    repeat_interval_seconds: float | None = Field(default=None, gt=0)


class _ConfigModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    settings: _SettingsModel = Field(default_factory=_SettingsModel)
    rules: list[_RuleModel] = Field(default_factory=list)
    channels: list[_ChannelModel] = Field(default_factory=list)
    escalation: list[_PolicyModel] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AlertConfig:
    """A parsed alert configuration file."""

    settings: AlertSettings
    rules: tuple[AlertRule, ...]
    channels: tuple[AlertChannel, ...]
    escalation_policies: tuple[EscalationPolicy, ...]


DEFAULT_ALERT_CONFIG = "alert_config.yaml"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _line_of(node: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    """1-based line of the YAML node at pydantic location ``loc``."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _expand_env(value: Any, where: str, environ: Mapping[str, str]) -> Any:
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in environ:
                raise ConfigError(f"{where}: environment variable {name} is not set")
            return environ[name]

        return _ENV_REF.sub(substitute, value)
    if isinstance(value, dict):
        return {k: _expand_env(v, where, environ) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, where, environ) for v in value]
    return value


def parse_alert_config(
    text: str, *, source: str = "<alert config>", environ: Mapping[str, str] | None = None
) -> AlertConfig:
    """Parse and check an alert configuration document.

    Raises:
        ConfigError: The message names the file, line, field and what was expected.
    """
    env = os.environ if environ is None else environ
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping with rules, channels, escalation")
    try:
        model = _ConfigModel.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        field_path = ".".join(str(p) for p in loc)
        line = _line_of(node, loc)
        where = f"{source}, line {line}" if line else source
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{where}: {field_path}: {err['msg']}{more}") from exc
    _check_references(model, source)
    channels = []
    for ch in model.channels:
        config = ch.config
        if ch.enabled:
            config = _expand_env(config, f"{source}: channel {ch.name}", env)
        severities = frozenset(ch.severities) if ch.severities is not None else None
        channel = AlertChannel(ch.name, ch.type, ch.enabled, severities, config)
        if channel.enabled and channel.type not in _SUPPORTED_CHANNELS:
            raise ConfigError(
                f"{source}: channel {ch.name}: type {ch.type} cannot be enabled "
                f"(supported: {', '.join(_SUPPORTED_CHANNELS)})"
            )
        if channel.enabled and channel.type == "webhook" and not config.get("url"):
            raise ConfigError(f"{source}: channel {ch.name}: config.url is required")
        channels.append(channel)
    return AlertConfig(
        settings=AlertSettings(**model.settings.model_dump()),
        rules=tuple(AlertRule(**r.model_dump()) for r in model.rules),
        channels=tuple(channels),
        escalation_policies=tuple(
            EscalationPolicy(
                name=p.name,
                steps=tuple(EscalationStep(s.delay_seconds, tuple(s.channels)) for s in p.steps),
                severities=frozenset(p.severities) if p.severities is not None else None,
                rules=frozenset(p.rules) if p.rules is not None else None,
                repeat_interval_seconds=p.repeat_interval_seconds,
            )
            for p in model.escalation
        ),
    )


def _check_references(model: _ConfigModel, source: str) -> None:
    for kind, names in (
        ("rule", [r.name for r in model.rules]),
        ("channel", [c.name for c in model.channels]),
    ):
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise ConfigError(f"{source}: {kind} name {name!r} is defined twice")
            seen.add(name)
    channel_names = {c.name for c in model.channels}
    rule_names = {r.name for r in model.rules}
    for policy in model.escalation:
        for step in policy.steps:
            for name in step.channels:
                if name not in channel_names:
                    raise ConfigError(
                        f"{source}: escalation {policy.name}: unknown channel {name!r}"
                    )
        for name in policy.rules or []:
            if name not in rule_names:
                raise ConfigError(f"{source}: escalation {policy.name}: unknown rule {name!r}")


def read_alert_config(path: str | Path | None = None) -> AlertConfig:
    """Read an alert configuration file; ``None`` reads the packaged default."""
    if path is None:
        text = (
            resources.files("omninode_bridge.observability")
            .joinpath(DEFAULT_ALERT_CONFIG)
            .read_text("utf-8")
        )
        return parse_alert_config(text, source=f"(default) {DEFAULT_ALERT_CONFIG}", environ={})
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read alert configuration: {exc.strerror}") from exc
    return parse_alert_config(text, source=str(path))


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


def _settings_dict(settings: AlertSettings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in AlertSettings.__dataclass_fields__}


def _rule_dict(rule: AlertRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "metric_name": rule.metric_name,
        "threshold": rule.threshold,
        "severity": rule.severity.value,
        "comparison": rule.comparison,
        "duration_seconds": rule.duration_seconds,
        "description": rule.description,
        "enabled": rule.enabled,
        "labels": dict(rule.labels),
    }


def _channel_dict(channel: AlertChannel) -> dict[str, Any]:
    data: dict[str, Any] = {"name": channel.name, "type": channel.type, "enabled": channel.enabled}
    if channel.severities is not None:
        data["severities"] = sorted(s.value for s in channel.severities)
    data["config"] = dict(channel.config)
    return data


def _policy_dict(policy: EscalationPolicy) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": policy.name,
        "steps": [
            {"delay_seconds": s.delay_seconds, "channels": list(s.channels)} for s in policy.steps
        ],
    }
    if policy.severities is not None:
        data["severities"] = sorted(s.value for s in policy.severities)
    if policy.rules is not None:
        data["rules"] = sorted(policy.rules)
    if policy.repeat_interval_seconds is not None:
        data["repeat_interval_seconds"] = policy.repeat_interval_seconds
    return data
