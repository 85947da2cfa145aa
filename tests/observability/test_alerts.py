"""AlertManager: duration, de-duplication, resolution, escalation, webhooks, config."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from omninode_bridge.errors import ConfigError, ObservabilityError
from omninode_bridge.observability.alerts import (
    AlertChannel,
    AlertManager,
    AlertRule,
    AlertSettings,
    AlertSeverity,
    AlertStatus,
    EscalationPolicy,
    EscalationStep,
    get_alert_manager,
    load_alert_config,
    parse_alert_config,
    read_alert_config,
)


def _latency_rule(duration: float = 60) -> AlertRule:
    return AlertRule(
        name="latency_high",
        metric_name="latency_ms",
        threshold=100,
        severity=AlertSeverity.WARNING,
        comparison="greater_than",
        duration_seconds=duration,
    )


def _manager(clock: Any, **kwargs: Any) -> AlertManager:
    kwargs.setdefault("rules", [_latency_rule()])
    return AlertManager(clock=clock, **kwargs)


def test_rule_fires_only_after_its_duration(clock: Any) -> None:
    manager = _manager(clock)
    assert manager.evaluate("latency_ms", 150) == []
    clock.advance(59)
    assert manager.evaluate("latency_ms", 150) == []
    assert manager.get_active_alerts() == []
    clock.advance(1)
    [alert] = manager.evaluate("latency_ms", 160)
    assert alert.rule_name == "latency_high"
    assert alert.status is AlertStatus.FIRING
    assert alert.fired_at == clock.now
    assert "latency_ms is 160, above threshold 100" in alert.message


def test_a_recovered_sample_resets_the_pending_duration(clock: Any) -> None:
    manager = _manager(clock)
    manager.evaluate("latency_ms", 150)
    clock.advance(30)
    manager.evaluate("latency_ms", 50)
    clock.advance(40)
    assert manager.evaluate("latency_ms", 150) == []
    assert manager.get_pending()


def test_active_alert_is_deduplicated(clock: Any) -> None:
    manager = _manager(clock, rules=[_latency_rule(duration=0)])
    [first] = manager.evaluate("latency_ms", 150)
    for value in (170, 180, 190):
        clock.advance(10)
        assert manager.evaluate("latency_ms", value) == []
    [active] = manager.get_active_alerts()
    assert active.alert_id == first.alert_id
    assert active.occurrences == 4
    assert active.value == 190
    assert manager.get_statistics()["deduplicated"] == 3
    log_deliveries = [d for d in manager.deliveries if d.event == "fired"]
    assert len(log_deliveries) == 1


def test_alert_resolves_when_the_metric_recovers(clock: Any) -> None:
    manager = _manager(clock, rules=[_latency_rule(duration=0)])
    [alert] = manager.evaluate("latency_ms", 150)
    clock.advance(5)
    assert manager.evaluate("latency_ms", 80) == []
    assert manager.get_active_alerts() == []
    [resolved] = manager.get_alert_history()
    assert resolved.alert_id == alert.alert_id
    assert resolved.status is AlertStatus.RESOLVED
    assert resolved.resolved_at == clock.now
    assert [d.event for d in manager.deliveries] == ["fired", "resolved"]


def test_refiring_within_the_dedup_window_is_not_notified_again(clock: Any) -> None:
    manager = _manager(clock, rules=[_latency_rule(duration=0)])
    manager.evaluate("latency_ms", 150)
    clock.advance(10)
    manager.evaluate("latency_ms", 50)
    clock.advance(10)
    [again] = manager.evaluate("latency_ms", 150)
    assert again.status is AlertStatus.FIRING
    assert [d.event for d in manager.deliveries] == ["fired", "resolved"]
    clock.advance(10)
    manager.evaluate("latency_ms", 50)
    clock.advance(400)
    manager.evaluate("latency_ms", 150)
    assert [d.event for d in manager.deliveries] == ["fired", "resolved", "fired"]


def test_stale_alert_resolves_automatically(clock: Any) -> None:
    settings = AlertSettings(auto_resolve_seconds=3600)
    manager = _manager(clock, rules=[_latency_rule(duration=0)], settings=settings)
    manager.evaluate("latency_ms", 150)
    clock.advance(3600)
    manager.tick()
    assert manager.get_active_alerts() == []
    assert manager.get_statistics()["resolved"] == 1


def test_rule_labels_scope_the_rule_and_key_the_alert(clock: Any) -> None:
    rule = AlertRule(
        name="slow_effect",
        metric_name="latency_ms",
        threshold=100,
        labels={"node_type": "EFFECT"},
    )
    manager = _manager(clock, rules=[rule])
    assert manager.evaluate("latency_ms", 500, {"node_type": "COMPUTE"}) == []
    [a] = manager.evaluate("latency_ms", 500, {"node_type": "EFFECT", "host": "x"})
    [b] = manager.evaluate("latency_ms", 500, {"node_type": "EFFECT", "host": "y"})
    assert a.key != b.key
    assert len(manager.get_active_alerts()) == 2


@pytest.mark.parametrize(
    ("comparison", "value", "breached"),
    [
        ("greater_than", 10.0, False),
        ("greater_than", 10.1, True),
        ("less_than", 9.9, True),
        ("equals", 10.0, True),
        ("greater_or_equal", 10.0, True),
        ("less_or_equal", 10.1, False),
    ],
)
def test_comparisons(comparison: str, value: float, breached: bool) -> None:
    rule = AlertRule("r", "m", 10.0, comparison=comparison)
    assert rule.breached(value) is breached


def test_unknown_comparison_is_rejected() -> None:
    with pytest.raises(ObservabilityError, match="comparison 'above'"):
        AlertRule("r", "m", 1.0, comparison="above")


def test_acknowledge_stops_escalation(clock: Any) -> None:
    policy = EscalationPolicy(
        name="esc",
        steps=(EscalationStep(0, ("first",)), EscalationStep(300, ("second",))),
    )
    manager = _manager(
        clock,
        rules=[_latency_rule(duration=0)],
        channels=[AlertChannel("first"), AlertChannel("second")],
        escalation_policies=[policy],
    )
    [alert] = manager.evaluate("latency_ms", 150)
    assert [d.channel for d in manager.deliveries] == ["first"]
    clock.advance(299)
    manager.tick()
    assert [d.channel for d in manager.deliveries] == ["first"]
    clock.advance(1)
    manager.tick()
    assert [d.channel for d in manager.deliveries] == ["first", "second"]

    [other] = _second_alert(manager, clock)
    manager.acknowledge(other.alert_id, by="oncall")
    clock.advance(600)
    manager.tick()
    escalated = [d for d in manager.deliveries if d.alert_id == other.alert_id]
    assert [d.channel for d in escalated] == ["first"]
    assert {a.alert_id for a in manager.get_active_alerts()} == {alert.alert_id, other.alert_id}


def _second_alert(manager: AlertManager, clock: Any) -> list[Any]:
    manager.add_rule(
        AlertRule("errors_high", "errors", 1, AlertSeverity.CRITICAL, duration_seconds=0)
    )
    return manager.evaluate("errors", 5)


def test_escalation_repeats_after_its_interval(clock: Any) -> None:
    policy = EscalationPolicy(
        name="esc", steps=(EscalationStep(0, ("log",)),), repeat_interval_seconds=1800
    )
    manager = _manager(
        clock,
        rules=[_latency_rule(duration=0)],
        channels=[AlertChannel("log")],
        escalation_policies=[policy],
    )
    manager.evaluate("latency_ms", 150)
    clock.advance(1800)
    manager.evaluate("latency_ms", 150)
    assert [d.event for d in manager.deliveries] == ["fired", "fired"]


def test_suppressed_rule_does_not_fire_until_suppression_ends(clock: Any) -> None:
    manager = _manager(clock, rules=[_latency_rule(duration=0)])
    manager.suppress("latency_high", duration_minutes=10)
    assert manager.evaluate("latency_ms", 150) == []
    clock.advance(600)
    assert len(manager.evaluate("latency_ms", 150)) == 1


def test_suppressed_alert_is_not_escalated(clock: Any) -> None:
    policy = EscalationPolicy(
        name="esc", steps=(EscalationStep(0, ("a",)), EscalationStep(60, ("b",)))
    )
    manager = _manager(
        clock,
        rules=[_latency_rule(duration=0)],
        channels=[AlertChannel("a"), AlertChannel("b")],
        escalation_policies=[policy],
    )
    [alert] = manager.evaluate("latency_ms", 150)
    manager.suppress(alert.alert_id, duration_minutes=5)
    assert manager.get_active_alerts()[0].status is AlertStatus.SUPPRESSED
    clock.advance(120)
    manager.tick()
    assert [d.channel for d in manager.deliveries] == ["a"]
    clock.advance(300)
    manager.tick()
    assert manager.get_active_alerts()[0].status is AlertStatus.FIRING
    assert [d.channel for d in manager.deliveries] == ["a", "b"]


def test_manual_resolve_and_unknown_ids(clock: Any) -> None:
    manager = _manager(clock, rules=[_latency_rule(duration=0)])
    [alert] = manager.evaluate("latency_ms", 150)
    assert manager.resolve(alert.alert_id).status is AlertStatus.RESOLVED
    with pytest.raises(ObservabilityError, match="no active alert"):
        manager.acknowledge(alert.alert_id)


def test_channel_severity_filter(clock: Any) -> None:
    manager = _manager(
        clock,
        rules=[_latency_rule(duration=0)],
        channels=[AlertChannel("all"), AlertChannel("crit", severities=frozenset({"critical"}))],  # type: ignore[arg-type]
    )
    manager.evaluate("latency_ms", 150)
    assert [d.channel for d in manager.deliveries] == ["all"]


# --- webhooks -------------------------------------------------------------------------


def _webhook_manager(clock: Any, url: str, sleep: Any, **settings: Any) -> AlertManager:
    return AlertManager(
        rules=[_latency_rule(duration=0)],
        channels=[AlertChannel("hook", "webhook", config={"url": url})],
        settings=AlertSettings(**settings),
        clock=clock,
        sleep=sleep,
    )


def test_webhook_receives_the_guide_payload(clock: Any, webhook_server: Any, no_sleep: Any) -> None:
    manager = _webhook_manager(clock, webhook_server.url, no_sleep[1])
    try:
        [alert] = manager.evaluate("latency_ms", 150, {"host": "a"})
        assert manager.wait_for_deliveries(timeout=10)
    finally:
        manager.close()
    [payload] = webhook_server.received
    assert set(payload) == {"alert_name", "severity", "message", "timestamp", "metadata"}
    assert payload["alert_name"] == "latency_high"
    assert payload["severity"] == "warning"
    assert payload["message"] == alert.message
    assert payload["timestamp"].endswith("Z")
    assert payload["metadata"]["labels"] == {"host": "a"}
    assert payload["metadata"]["value"] == 150
    [record] = manager.deliveries
    assert (record.channel, record.status, record.attempts) == ("hook", "delivered", 1)


def test_failing_webhook_is_retried_then_recorded_failed_without_blocking(
    clock: Any, webhook_server: Any, no_sleep: Any
) -> None:
    delays, sleep = no_sleep
    webhook_server.statuses = [500, 503, 502]
    webhook_server.gate = threading.Event()
    manager = _webhook_manager(
        clock, webhook_server.url, sleep, webhook_attempts=3, webhook_backoff_seconds=1.0
    )
    try:
        fired = manager.evaluate("latency_ms", 150)
        # The caller got its answer while the webhook server is still holding the request.
        assert len(fired) == 1
        assert manager.pending_deliveries() == 1
        assert manager.deliveries == []
        webhook_server.gate.set()
        assert manager.wait_for_deliveries(timeout=10)
    finally:
        manager.close()
    assert webhook_server.requests == 3
    assert webhook_server.received == []
    [record] = manager.deliveries
    assert (record.status, record.attempts, record.error) == ("failed", 3, "HTTP 502")
    assert len(delays) == 2
    assert 1.0 <= delays[0] <= 1.1
    assert 2.0 <= delays[1] <= 2.2
    assert manager.get_statistics()["deliveries_failed"] == 1


def test_webhook_recovering_on_retry_is_delivered(
    clock: Any, webhook_server: Any, no_sleep: Any
) -> None:
    webhook_server.statuses = [500]
    manager = _webhook_manager(clock, webhook_server.url, no_sleep[1])
    try:
        manager.evaluate("latency_ms", 150)
        assert manager.wait_for_deliveries(timeout=10)
    finally:
        manager.close()
    [record] = manager.deliveries
    assert (record.status, record.attempts) == ("delivered", 2)
    assert len(webhook_server.received) == 1


async def test_unreachable_webhook_fails_through_transport(clock: Any, no_sleep: Any) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    manager = AlertManager(
        rules=[_latency_rule(duration=0)],
        channels=[AlertChannel("hook", "webhook", config={"url": "http://hooks.invalid/x"})],
        clock=clock,
        sleep=no_sleep[1],
        http_transport=httpx.MockTransport(refuse),
    )
    try:
        manager.evaluate("latency_ms", 150)
        await manager.drain()
    finally:
        manager.close()
    [record] = manager.deliveries
    assert record.status == "failed"
    assert record.error is not None and record.error.startswith("ConnectError")


# --- configuration -----------------------------------------------------------------------


def test_default_config_ships_the_21_original_rules() -> None:
    config = read_alert_config()
    assert len(config.rules) == 21
    by_name = {r.name: r for r in config.rules}
    assert by_name["template_load_critical"].threshold == 100
    assert by_name["template_load_critical"].duration_seconds == 30
    assert by_name["cache_hit_rate_low"].comparison == "less_than"
    assert by_name["mixin_accuracy_low"].duration_seconds == 1800
    assert by_name["validation_pass_rate_low"].severity is AlertSeverity.WARNING
    enabled = {c.name for c in config.channels if c.enabled}
    assert enabled == {"primary_log", "critical_log"}
    assert {p.name for p in config.escalation_policies} == {
        "critical_escalation",
        "performance_degradation",
        "quality_escalation",
    }
    assert config.settings.deduplication_window_seconds == 300


def test_global_manager_starts_from_the_default_config() -> None:
    assert len(get_alert_manager().get_rules()) == 21


def test_load_alert_config_applies_to_a_manager(
    tmp_path: Path, clock: Any, webhook_server: Any, no_sleep: Any
) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(
        f"""
rules:
  - name: error_rate_high
    metric_name: error_rate
    threshold: 0.10
    severity: critical
    comparison: greater_than
    duration_seconds: 300
channels:
  - name: slack_webhook
    type: webhook
    enabled: true
    config:
      url: "{webhook_server.url}"
      method: "POST"
      headers:
        Content-Type: "application/json"
escalation:
  - name: all
    steps:
      - delay_seconds: 0
        channels: [slack_webhook]
""",
        encoding="utf-8",
    )
    manager = AlertManager(clock=clock, sleep=no_sleep[1])
    try:
        load_alert_config(path, manager=manager)
        assert [r.name for r in manager.get_rules()] == ["error_rate_high"]
        manager.evaluate("error_rate", 0.2)
        clock.advance(300)
        [alert] = manager.evaluate("error_rate", 0.3)
        assert manager.wait_for_deliveries(timeout=10)
    finally:
        manager.close()
    assert webhook_server.received[0]["alert_name"] == "error_rate_high"
    assert webhook_server.received[0]["severity"] == "critical"
    assert manager.export_config()["rules"][0]["threshold"] == 0.10
    assert alert.severity is AlertSeverity.CRITICAL


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rules:\n  - name: a\n    metric_name: m\n    threshold: high\n",
            r"line 4: rules\.0\.threshold: Input should be a valid number",
        ),
        (
            "rules:\n  - name: a\n    metric_name: m\n    threshold: 1\n"
            "    comparsion: less_than\n",
            r"line 5: rules\.0\.comparsion: Extra inputs are not permitted",
        ),
        (
            "channels:\n  - name: c\n    type: email\n",
            r"channel c: type email cannot be enabled",
        ),
        (
            "escalation:\n  - name: p\n    steps:\n"
            "      - delay_seconds: 0\n        channels: [x]\n",
            r"escalation p: unknown channel 'x'",
        ),
        ("- just\n- a list\n", r"expected a mapping"),
        ("rules: [\n", r"not valid YAML"),
    ],
    ids=["bad-number", "typo-field", "email-enabled", "unknown-channel", "not-mapping", "yaml"],
)
def test_bad_config_gets_one_clear_message(text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as info:
        parse_alert_config(text, source="alerts.yaml")
    assert str(info.value).startswith("alerts.yaml")


def test_env_references_expand_in_enabled_channels() -> None:
    text = (
        "channels:\n  - name: hook\n    type: webhook\n    config:\n      url: ${HOOK_URL}/alerts\n"
    )
    config = parse_alert_config(text, environ={"HOOK_URL": "http://127.0.0.1:9"})
    assert config.channels[0].config["url"] == "http://127.0.0.1:9/alerts"
    with pytest.raises(ConfigError, match="HOOK_URL is not set"):
        parse_alert_config(text, environ={})


def test_missing_config_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.yaml: cannot read"):
        load_alert_config(tmp_path / "missing.yaml", manager=AlertManager())


def test_guide_alert_integration_example(capsys: pytest.CaptureFixture[str]) -> None:
    from omninode_bridge.observability.alerts import AlertRule, AlertSeverity

    # Add custom alert rules
    manager = AlertManager()

    rule = AlertRule(
        name="high_error_rate",
        metric_name="error_rate",
        threshold=0.10,  # 10% error rate
        severity=AlertSeverity.CRITICAL,
        comparison="greater_than",
        duration_seconds=300,
    )

    manager.add_rule(rule)
    manager.evaluate("error_rate", 0.5)

    # Check active alerts
    active = manager.get_active_alerts()
    for alert in active:
        print(f"[{alert.severity.value}] {alert.message}")
    assert active == []  # not yet held for 300 s
    assert manager.get_pending()
