"""Delivering alert notifications to channels and recording the outcome.

``log`` channels get a structured log line at once. ``webhook`` channels get
an HTTP POST of the alert payload, sent on a background thread with its own
event loop and retried through tenacity with capped, jittered exponential
backoff (attempts, backoff and timeout from the settings); the caller never
waits. Every finished notification becomes a :class:`DeliveryRecord`.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

import httpx
import tenacity

from omninode_bridge.logs import get_logger
from omninode_bridge.observability.alert_models import (
    Alert,
    AlertChannel,
    AlertSettings,
    AlertSeverity,
    Clock,
    DeliveryRecord,
    Sleep,
)

__all__ = ["AlertNotifier", "DeliveryHost"]

# Lines keep the alert manager's logger, where they were written before the split.
log = get_logger("omninode_bridge.observability.alerts", component="alerts")


class DeliveryHost(Protocol):
    """What the notifier reads from its owner at each delivery."""

    settings: AlertSettings
    clock: Clock
    sleep: Sleep
    http_transport: httpx.AsyncBaseTransport | None


class _DeliveryFailed(Exception):
    """One webhook attempt failed (connection error or a non-2xx answer)."""


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


class AlertNotifier:
    """Sends alert events to channels and keeps the delivery records.

    Args:
        host: Supplies the settings, clock, retry sleep and HTTP transport,
            read afresh at each delivery.
        lock: Guards the records (the owner's lock).
    """

    def __init__(self, host: DeliveryHost, lock: AbstractContextManager[Any]) -> None:
        self._host = host
        self._lock = lock
        self._deliveries: list[DeliveryRecord] = []
        self._futures: set[Future[Any]] = set()
        self._worker: _DeliveryWorker | None = None

    def notify(
        self,
        alert: Alert,
        channels: Mapping[str, AlertChannel],
        channel_names: Sequence[str],
        event: str,
    ) -> list[str]:
        """Send ``event`` to the named channels that accept it; returns their names."""
        sent: list[str] = []
        for name in channel_names:
            channel = channels.get(name)
            if channel is None or not channel.accepts(alert.severity):
                continue
            if channel.type == "log":
                self._log_alert(alert, channel, event)
            elif channel.type == "webhook":
                self._submit_webhook(alert, channel, event)
            sent.append(name)
        return sent

    @property
    def deliveries(self) -> list[DeliveryRecord]:
        """Finished notifications, oldest first."""
        with self._lock:
            return list(self._deliveries)

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
            finished_at=self._host.clock(),
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
        settings = self._host.settings
        url = str(channel.config["url"])
        method = str(channel.config.get("method", "POST")).upper()
        headers = {str(k): str(v) for k, v in dict(channel.config.get("headers", {})).items()}
        payload = alert.to_payload(event=event)
        attempts = 0

        async def attempt_once(client: httpx.AsyncClient) -> None:
            nonlocal attempts
            attempts += 1
            try:
                response = await client.request(method, url, json=payload, headers=headers)
            except httpx.HTTPError as exc:
                raise _DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
            if not response.is_success:
                raise _DeliveryFailed(f"HTTP {response.status_code}")

        retrying = tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(settings.webhook_attempts),
            wait=lambda state: self._backoff(state.attempt_number),
            retry=tenacity.retry_if_exception_type(_DeliveryFailed),
            sleep=self._host.sleep,
            reraise=True,
        )
        async with httpx.AsyncClient(
            transport=self._host.http_transport, timeout=settings.webhook_timeout_seconds
        ) as client:
            try:
                await retrying(attempt_once, client)
            except _DeliveryFailed as exc:
                error = str(exc)
            else:
                self._record(alert, channel, event, "delivered", attempts, None)
                return
        log.warning(
            "alert.webhook_failed",
            channel=channel.name,
            alert_id=alert.alert_id,
            attempts=attempts,
            error=error,
        )
        self._record(alert, channel, event, "failed", attempts, error)

    def _backoff(self, attempt: int) -> float:
        settings = self._host.settings
        base = settings.webhook_backoff_seconds * 2.0 ** (attempt - 1)
        capped = min(base, settings.webhook_backoff_max_seconds)
        return capped * (1 + random.random() * 0.1)

    def pending(self) -> int:
        """Webhook deliveries still in flight."""
        return len(self._futures)

    def wait(self, timeout: float | None = None) -> bool:
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
        self.wait()
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
