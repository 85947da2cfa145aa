"""The alert configuration file: rules, channels, escalation and settings from YAML.

``${VAR}`` references are expanded from the environment; every problem names
the file, the line and the field. The package ships the original rules in
``alert_config.yaml`` beside this module.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omninode_bridge.errors import ConfigError
from omninode_bridge.observability.alert_models import (
    SUPPORTED_CHANNELS,
    AlertChannel,
    AlertRule,
    AlertSettings,
    AlertSeverity,
    ChannelType,
    Comparison,
    EscalationPolicy,
    EscalationStep,
)

__all__ = [
    "DEFAULT_ALERT_CONFIG",
    "AlertConfig",
    "config_dict",
    "parse_alert_config",
    "read_alert_config",
]


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
        if channel.enabled and channel.type not in SUPPORTED_CHANNELS:
            raise ConfigError(
                f"{source}: channel {ch.name}: type {ch.type} cannot be enabled "
                f"(supported: {', '.join(SUPPORTED_CHANNELS)})"
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


def config_dict(
    settings: AlertSettings,
    rules: Iterable[AlertRule],
    channels: Iterable[AlertChannel],
    policies: Iterable[EscalationPolicy],
) -> dict[str, Any]:
    """A configuration in the YAML file's shape (what :func:`parse_alert_config` reads)."""
    return {
        "settings": _settings_dict(settings),
        "rules": [_rule_dict(r) for r in rules],
        "channels": [_channel_dict(c) for c in channels],
        "escalation": [_policy_dict(p) for p in policies],
    }


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
