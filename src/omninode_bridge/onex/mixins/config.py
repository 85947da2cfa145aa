"""Configuration models of the mixins, one pydantic model per mixin.

A contract gives each mixin a ``config`` mapping. The catalog validates it with
the model below (unknown keys are refused, with the close matches named), and
the running mixin reads the validated model. Two key vocabularies occur in real
contracts and both are accepted: the schema v2 keys (``check_interval_ms``,
``components``, ``collect_latency``...) and the sample-contract keys
(``health_check_interval_seconds``, ``critical_checks``, ``metrics_enabled``...).
Bounds follow ``mixins_schema.json`` where it states them.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "HealthComponentConfig",
    "MixinCachingConfig",
    "MixinCanonicalYAMLSerializerConfig",
    "MixinConfig",
    "MixinEventBusConfig",
    "MixinEventDrivenNodeConfig",
    "MixinEventHandlerConfig",
    "MixinHashComputationConfig",
    "MixinHealthCheckConfig",
    "MixinIntrospectionPublisherConfig",
    "MixinLogDataConfig",
    "MixinMetricsConfig",
    "MixinNodeIntrospectionConfig",
    "MixinNodeLifecycleConfig",
    "MixinRequestResponseIntrospectionConfig",
    "MixinServiceRegistryConfig",
]

HashAlgorithm = Literal[
    "sha256", "sha384", "sha512", "sha3_256", "sha3_512", "blake2b", "blake2s", "blake3"
]
LogLevelName = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class MixinConfig(BaseModel):
    """Base of every mixin configuration: frozen, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class HealthComponentConfig(MixinConfig):
    """One component a health check probes."""

    name: str = Field(min_length=1)
    critical: bool = True
    timeout_seconds: float = Field(default=5.0, ge=0.5, le=30.0)


class MixinHealthCheckConfig(MixinConfig):
    """``MixinHealthCheck``: component checks aggregated into one status."""

    check_interval_ms: int = Field(default=30_000, ge=1000, le=300_000)
    health_check_interval_seconds: int | None = Field(default=None, ge=1, le=300)
    timeout_seconds: float = Field(default=5.0, ge=1.0, le=60.0)
    components: tuple[HealthComponentConfig, ...] | None = Field(default=None, min_length=1)
    critical_checks: tuple[str, ...] = ()

    @property
    def interval_seconds(self) -> float:
        """Check interval in seconds, whichever key the contract used."""
        if self.health_check_interval_seconds is not None:
            return float(self.health_check_interval_seconds)
        return self.check_interval_ms / 1000.0

    def declared_components(self) -> tuple[HealthComponentConfig, ...]:
        """Components from ``components`` plus ``critical_checks`` (as critical)."""
        found = list(self.components or ())
        known = {c.name for c in found}
        for name in self.critical_checks:
            if name not in known:
                found.append(HealthComponentConfig(name=name, timeout_seconds=self.timeout_seconds))
                known.add(name)
        return tuple(found)


class MixinMetricsConfig(MixinConfig):
    """``MixinMetrics``: in-memory counters, gauges and timings."""

    metrics_enabled: bool = True
    collect_latency: bool = True
    collect_throughput: bool = True
    collect_error_rates: bool = True
    track_latency: bool | None = None
    track_error_rate: bool | None = None
    track_cache_hit_rate: bool = False
    track_query_performance: bool = False
    track_workflow_steps: bool = False
    track_aggregation_count: bool = False
    percentiles: tuple[float, ...] = Field(default=(50.0, 95.0, 99.0))
    histogram_buckets: tuple[int, ...] = Field(default=(10, 50, 100, 500, 1000))
    prometheus_port: int | None = Field(default=None, ge=1, le=65535)
    metric_labels: dict[str, str] = Field(default_factory=dict)
    max_samples: int = Field(default=10_000, ge=10, le=1_000_000)

    @field_validator("percentiles")
    @classmethod
    def _percentiles_in_range(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        for p in value:
            if not 0 < p <= 100:
                raise ValueError(f"percentile {p} is outside (0, 100]")
        return value

    @field_validator("histogram_buckets")
    @classmethod
    def _buckets_ascending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(b < 1 for b in value):
            raise ValueError("histogram buckets must be at least 1 ms")
        if list(value) != sorted(set(value)):
            raise ValueError("histogram buckets must be strictly ascending")
        return value

    @property
    def latency_enabled(self) -> bool:
        """Whether operation latency is recorded (``track_latency`` wins when set)."""
        return self.collect_latency if self.track_latency is None else self.track_latency

    @property
    def error_rate_enabled(self) -> bool:
        """Whether operation errors are counted (``track_error_rate`` wins when set)."""
        return self.collect_error_rates if self.track_error_rate is None else self.track_error_rate


class MixinLogDataConfig(MixinConfig):
    """``MixinLogData``: structured, redacted log events with node context."""

    log_level: LogLevelName = "INFO"
    structured: bool = True
    structured_logging: bool | None = None
    include_correlation_id: bool = True
    redact_sensitive_fields: bool = True
    sensitive_field_patterns: tuple[str, ...] = (
        "password",
        "token",
        "api_key",
        "secret",
        "credential",
    )

    @field_validator("sensitive_field_patterns")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"pattern {pattern!r} is not a valid regular expression: {exc}"
                ) from exc
        return value


class MixinRequestResponseIntrospectionConfig(MixinConfig):
    """``MixinRequestResponseIntrospection``: a bounded record of recent operations."""

    introspection_enabled: bool = True
    log_requests: bool = False
    log_responses: bool = False
    max_records: int = Field(default=100, ge=1, le=10_000)


class MixinEventBusConfig(MixinConfig):
    """``MixinEventBus``: publish and subscribe on the container's event bus."""

    event_bus_enabled: bool = True
    enforce_declared_topics: bool = True


class MixinEventHandlerConfig(MixinConfig):
    """``MixinEventHandler``: route consumed events to handlers by event type."""

    event_bus_enabled: bool = True
    topics: tuple[str, ...] = ()


class MixinNodeLifecycleConfig(MixinConfig):
    """``MixinNodeLifecycle``: publish node started/stopped events."""

    event_bus_enabled: bool = True
    lifecycle_topic: str = Field(default="onex.node.lifecycle", min_length=1)


class MixinNodeIntrospectionConfig(MixinConfig):
    """``MixinNodeIntrospection``: describe the node (type, version, operations, mixins)."""

    introspection_enabled: bool = True


class MixinIntrospectionPublisherConfig(MixinConfig):
    """``MixinIntrospectionPublisher``: publish the node description on start."""

    introspection_enabled: bool = True
    introspection_topic: str = Field(default="onex.node.introspection", min_length=1)


class MixinEventDrivenNodeConfig(MixinConfig):
    """``MixinEventDrivenNode``: consume topics and route their events to handlers.

    The Kafka keys are kept for contracts that name a broker; the in-process bus
    the runtime ships ignores them, a Kafka-backed bus reads them.
    """

    event_bus_enabled: bool = True
    introspection_enabled: bool = True
    kafka_bootstrap_servers: str | None = Field(default=None, min_length=1)
    consumer_group: str | None = Field(default=None, min_length=1)
    topics: tuple[str, ...] | None = Field(default=None, min_length=1)
    auto_offset_reset: Literal["earliest", "latest", "none"] = "latest"
    enable_auto_commit: bool = True

    @field_validator("topics")
    @classmethod
    def _topics_not_blank(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and any(not t for t in value):
            raise ValueError("topic names must not be empty")
        return value


class MixinServiceRegistryConfig(MixinConfig):
    """``MixinServiceRegistry``: register the node with a service registry."""

    service_name: str | None = Field(default=None, min_length=1)
    consul_host: str | None = Field(default=None, min_length=1)
    consul_port: int = Field(default=8500, ge=1, le=65535)
    health_check_interval_seconds: int = Field(default=10, ge=5, le=300)
    deregister_critical_service_after: str = Field(default="30m", pattern=r"^[0-9]+[smh]$")
    auto_register: bool = True


class MixinCachingConfig(MixinConfig):
    """``MixinCaching``: an in-memory TTL + LRU cache."""

    cache_enabled: bool = True
    cache_ttl_seconds: float = Field(default=300.0, gt=0, le=86_400 * 30)
    max_cache_size: int = Field(default=1000, ge=1, le=10_000_000)
    cache_key_prefix: str = ""


class MixinHashComputationConfig(MixinConfig):
    """``MixinHashComputation``: stable digests of bytes, text and JSON-like data."""

    hash_algorithm: HashAlgorithm = "sha256"


class MixinCanonicalYAMLSerializerConfig(MixinConfig):
    """``MixinCanonicalYAMLSerializer``: deterministic YAML output."""

    yaml_output: bool = True
    indent: int = Field(default=2, ge=2, le=8)
