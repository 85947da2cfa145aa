"""Alert records: severities, rules, channels, escalation policies and alerts.

The rule semantics (pending, firing, de-duplication, auto-resolve) are run by
:class:`~omninode_bridge.observability.alerts.AlertManager`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Literal

from omninode_bridge.errors import ObservabilityError

__all__ = [
    "SUPPORTED_CHANNELS",
    "Alert",
    "AlertChannel",
    "AlertRule",
    "AlertSettings",
    "AlertSeverity",
    "AlertStatus",
    "ChannelType",
    "Clock",
    "Comparison",
    "DeliveryRecord",
    "EscalationPolicy",
    "EscalationStep",
    "Sleep",
    "alert_key",
    "iso_time",
]

Comparison = Literal["greater_than", "less_than", "equals", "greater_or_equal", "less_or_equal"]
ChannelType = Literal["log", "webhook", "email"]


_COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "greater_than": (lambda v, t: v > t, "above"),
    "less_than": (lambda v, t: v < t, "below"),
    "equals": (lambda v, t: v == t, "equal to"),
    "greater_or_equal": (lambda v, t: v >= t, "at or above"),
    "less_or_equal": (lambda v, t: v <= t, "at or below"),
}
SUPPORTED_CHANNELS = ("log", "webhook")

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
            "fired_at": iso_time(self.fired_at),
            "last_seen_at": iso_time(self.last_seen_at),
            "occurrences": self.occurrences,
            "resolved_at": iso_time(self.resolved_at) if self.resolved_at is not None else None,
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
            "timestamp": iso_time(at),
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


def iso_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def alert_key(rule: AlertRule, labels: Mapping[str, str]) -> str:
    label_text = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return f"{rule.name}:{rule.severity.value}:{label_text}"
