"""The one schema definition of the store (SQLAlchemy Core metadata).

Alembic migrations are derived from this metadata and a test checks that a
migrated database has no difference from it. Column types are portable:
``Uuid`` (native on PostgreSQL, CHAR(32) on SQLite), ``JSON`` (JSONB on
PostgreSQL), doubles for measurements, and timestamps always handed back as
aware UTC datetimes.

Every value a CHECK constraint allows is listed once in this module (the
``*_VALUES`` tuples); the store validates arguments against the same tuples
before writing, so no caller can write a row the schema rejects.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

__all__ = [
    "EVENT_PROCESSING_METRICS",
    "FEEDBACK_TYPE_VALUES",
    "GENERATION_PERFORMANCE_METRICS",
    "METRIC_TYPE_VALUES",
    "MIXIN_COMPATIBILITY_MATRIX",
    "NODE_TYPE_VALUES",
    "PATTERN_FEEDBACK_LOG",
    "PHASE_VALUES",
    "RUNS",
    "RUN_FILES",
    "RUN_STAGES",
    "RUN_STATUS_VALUES",
    "RUN_STEPS",
    "RUN_VALIDATIONS",
    "STORED_METRICS",
    "TEMPLATE_CACHE_METADATA",
    "TEMPLATE_TYPE_VALUES",
    "UTCDateTime",
    "metadata",
    "utcnow",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

NODE_TYPE_VALUES: tuple[str, ...] = ("EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR")
"""Node types a mixin compatibility row may name."""

PHASE_VALUES: tuple[str, ...] = (
    "prd_analysis",
    "template_load",
    "code_gen",
    "generation",
    "parallel_generation",
    "validation",
    "persistence",
    "cache_performance",
    "complete",
    "total",
)
"""Phases of a performance metric, including the ones the integration guide writes."""

TEMPLATE_TYPE_VALUES: tuple[str, ...] = ("node", "contract", "subcontract", "mixin", "test")
"""Kinds of template in the template cache metadata."""

FEEDBACK_TYPE_VALUES: tuple[str, ...] = (
    "correct",
    "incorrect",
    "partial",
    "adjusted",
    "true_positive",
    "false_positive",
    "true_negative",
    "false_negative",
)
"""Pattern feedback kinds: the original's four plus the confusion-matrix four."""

RUN_STATUS_VALUES: tuple[str, ...] = (
    "running",
    "completed",
    "failed",
    "skipped",
    "cancelled",
    "interrupted",
    "abandoned",
)
"""Status of a run, stage or step; only an explicit completion writes ``completed``.

``abandoned``: the process running it died (see ``persistence.liveness``).
"""

METRIC_TYPE_VALUES: tuple[str, ...] = ("timing", "counter", "gauge", "rate")


def utcnow() -> datetime:
    """Current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamp stored in UTC and always returned as an aware UTC datetime.

    SQLite has no time zone support, so values are stored there as naive UTC;
    PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def _created() -> Column[datetime]:
    return Column("created_at", UTCDateTime(), nullable=False, default=utcnow)


MIXIN_COMPATIBILITY_MATRIX = Table(
    "mixin_compatibility_matrix",
    metadata,
    Column("id", Uuid(), primary_key=True, default=uuid.uuid4),
    Column("mixin_a", String(100), nullable=False),
    Column("mixin_b", String(100), nullable=False),
    Column("node_type", String(20), nullable=False),
    Column("compatibility_score", Float(), nullable=False, default=0.0),
    Column("success_count", Integer(), nullable=False, default=0),
    Column("failure_count", Integer(), nullable=False, default=0),
    Column("last_tested_at", UTCDateTime(), nullable=True),
    Column("conflict_reason", Text(), nullable=True),
    Column("resolution_pattern", Text(), nullable=True),
    _created(),
    Column("updated_at", UTCDateTime(), nullable=False, default=utcnow),
    UniqueConstraint("mixin_a", "mixin_b", "node_type", name="uq_mixin_pair_node_type"),
    CheckConstraint(_in("node_type", NODE_TYPE_VALUES), name="node_type"),
    CheckConstraint("compatibility_score >= 0 AND compatibility_score <= 1", name="score_range"),
    CheckConstraint("success_count >= 0 AND failure_count >= 0", name="counts"),
    CheckConstraint("mixin_a <= mixin_b", name="pair_order"),
)

PATTERN_FEEDBACK_LOG = Table(
    "pattern_feedback_log",
    metadata,
    Column("id", Uuid(), primary_key=True, default=uuid.uuid4),
    Column("session_id", String(64), nullable=True),
    Column("pattern_name", String(100), nullable=False),
    Column("detected_confidence", Float(), nullable=False),
    Column("actual_pattern", String(100), nullable=True),
    Column("feedback_type", String(20), nullable=False),
    Column("is_correct", Boolean(), nullable=False),
    Column("user_provided", Boolean(), nullable=False, default=False),
    Column("learning_weight", Float(), nullable=False, default=1.0),
    Column("capabilities_matched", JSONType, nullable=False, default=list),
    Column("false_positives", JSONType, nullable=False, default=list),
    Column("false_negatives", JSONType, nullable=False, default=list),
    Column("contract_json", JSONType, nullable=True),
    Column("metadata", JSONType, nullable=False, default=dict),
    _created(),
    CheckConstraint(_in("feedback_type", FEEDBACK_TYPE_VALUES), name="feedback_type"),
    CheckConstraint(
        "detected_confidence >= 0 AND detected_confidence <= 1", name="confidence_range"
    ),
    CheckConstraint("learning_weight >= 0 AND learning_weight <= 1", name="weight_range"),
    Index("ix_pattern_feedback_pattern_created", "pattern_name", "created_at"),
)

GENERATION_PERFORMANCE_METRICS = Table(
    "generation_performance_metrics",
    metadata,
    Column("id", Uuid(), primary_key=True, default=uuid.uuid4),
    Column("session_id", String(64), nullable=False),
    Column("node_type", String(50), nullable=False),
    Column("phase", String(30), nullable=False),
    Column("duration_ms", Float(), nullable=False),
    Column("memory_usage_mb", Float(), nullable=True),
    Column("cpu_percent", Float(), nullable=True),
    Column("cache_hit", Boolean(), nullable=False, default=False),
    Column("parallel_execution", Boolean(), nullable=False, default=False),
    Column("worker_count", Integer(), nullable=False, default=1),
    Column("metadata", JSONType, nullable=False, default=dict),
    _created(),
    CheckConstraint(_in("phase", PHASE_VALUES), name="phase"),
    CheckConstraint("duration_ms >= 0", name="duration"),
    CheckConstraint("worker_count >= 1", name="workers"),
    Index("ix_generation_perf_phase_created", "phase", "created_at"),
    Index("ix_generation_perf_session", "session_id"),
)

TEMPLATE_CACHE_METADATA = Table(
    "template_cache_metadata",
    metadata,
    Column("id", Uuid(), primary_key=True, default=uuid.uuid4),
    Column("template_name", String(200), nullable=False, unique=True),
    Column("template_type", String(20), nullable=False),
    Column("cache_key", String(200), nullable=False),
    Column("file_path", Text(), nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("size_bytes", Integer(), nullable=False, default=0),
    Column("load_time_ms", Float(), nullable=False, default=0.0),
    Column("last_accessed_at", UTCDateTime(), nullable=True),
    Column("access_count", Integer(), nullable=False, default=0),
    Column("cache_hits", Integer(), nullable=False, default=0),
    Column("cache_misses", Integer(), nullable=False, default=0),
    _created(),
    Column("updated_at", UTCDateTime(), nullable=False, default=utcnow),
    CheckConstraint(_in("template_type", TEMPLATE_TYPE_VALUES), name="template_type"),
    CheckConstraint("size_bytes >= 0 AND cache_hits >= 0 AND cache_misses >= 0", name="counts"),
)

EVENT_PROCESSING_METRICS = Table(
    "event_processing_metrics",
    metadata,
    Column("id", Uuid(), primary_key=True, default=uuid.uuid4),
    Column("event_type", String(100), nullable=False),
    Column("event_source", String(100), nullable=False),
    Column("processing_duration_ms", Float(), nullable=False),
    Column("queue_wait_time_ms", Float(), nullable=True),
    Column("success", Boolean(), nullable=False),
    Column("error_type", String(100), nullable=True),
    Column("error_message", Text(), nullable=True),
    Column("retry_count", Integer(), nullable=False, default=0),
    Column("batch_size", Integer(), nullable=False, default=1),
    Column("metadata", JSONType, nullable=False, default=dict),
    _created(),
    CheckConstraint("processing_duration_ms >= 0", name="duration"),
    CheckConstraint("retry_count >= 0", name="retries"),
    CheckConstraint("batch_size >= 1", name="batch_size"),
    Index("ix_event_processing_type_created", "event_type", "created_at"),
)

STORED_METRICS = Table(
    "agent_metrics",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("metric_id", String(50), nullable=False, unique=True),
    Column("category", String(20), nullable=False),
    Column("metric_name", String(100), nullable=False),
    Column("metric_type", String(10), nullable=False),
    Column("value", Float(), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("tags", JSONType, nullable=False, default=dict),
    Column("agent_id", String(100), nullable=True),
    Column("correlation_id", String(100), nullable=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    _created(),
    CheckConstraint(_in("metric_type", METRIC_TYPE_VALUES), name="metric_type"),
    Index("ix_agent_metrics_name_recorded", "metric_name", "recorded_at"),
    Index("ix_agent_metrics_correlation", "correlation_id"),
)

RUNS = Table(
    "runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("workflow_id", String(200), nullable=False),
    Column("correlation_id", String(100), nullable=True),
    Column("status", String(20), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("completed_at", UTCDateTime(), nullable=True),
    Column("duration_ms", Float(), nullable=True),
    Column("error", Text(), nullable=True),
    Column("metadata", JSONType, nullable=False, default=dict),
    CheckConstraint(_in("status", RUN_STATUS_VALUES), name="status"),
    CheckConstraint(
        "status = 'running' OR completed_at IS NOT NULL", name="finished_has_completed_at"
    ),
    Index("ix_runs_started", "started_at"),
)

RUN_STAGES = Table(
    "run_stages",
    metadata,
    Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("stage_id", String(200), primary_key=True),
    Column("stage_number", Integer(), nullable=True),
    Column("status", String(20), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("completed_at", UTCDateTime(), nullable=True),
    Column("duration_ms", Float(), nullable=True),
    Column("error", Text(), nullable=True),
    CheckConstraint(_in("status", RUN_STATUS_VALUES), name="status"),
)

RUN_STEPS = Table(
    "run_steps",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("stage_id", String(200), primary_key=True),
    Column("step_id", String(200), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("completed_at", UTCDateTime(), nullable=True),
    Column("duration_ms", Float(), nullable=True),
    Column("attempts", Integer(), nullable=False, default=1),
    Column("error", Text(), nullable=True),
    ForeignKeyConstraint(
        ["run_id", "stage_id"],
        ["run_stages.run_id", "run_stages.stage_id"],
        ondelete="CASCADE",
        name="fk_run_steps_stage",
    ),
    CheckConstraint(_in("status", RUN_STATUS_VALUES), name="status"),
)

RUN_FILES = Table(
    "run_files",
    metadata,
    Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("path", Text(), primary_key=True),
    Column("action", String(20), nullable=False),
    Column("sha256", String(64), nullable=True),
    Column("size_bytes", Integer(), nullable=True),
    _created(),
)

RUN_VALIDATIONS = Table(
    "run_validations",
    metadata,
    Column("id", Uuid(), primary_key=True, default=uuid.uuid4),
    Column("run_id", String(64), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("target", String(300), nullable=False),
    Column("validator", String(100), nullable=False),
    Column("passed", Boolean(), nullable=False),
    Column("score", Float(), nullable=True),
    Column("issues", JSONType, nullable=False, default=list),
    _created(),
    Index("ix_run_validations_run", "run_id"),
)
