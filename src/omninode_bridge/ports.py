"""Protocols that let lower layers use higher ones without importing them.

The engine and the validation pipeline record timings and counters but do not
import the metrics package: :class:`omninode_bridge.metrics.MetricsCollector`
satisfies :class:`MetricsRecorder`, and so does any test double with the same
methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

__all__ = ["MetricsRecorder"]


class MetricsRecorder(Protocol):
    """The recording half of a metrics collector."""

    def record_timing(
        self,
        metric_name: str,
        duration_ms: float,
        tags: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> object: ...

    def record_counter(
        self,
        metric_name: str,
        count: float = 1,
        tags: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> object: ...

    def record_gauge(
        self,
        metric_name: str,
        value: float,
        unit: str = "",
        tags: Mapping[str, str] | None = None,
        correlation_id: str | None = None,
    ) -> object: ...
