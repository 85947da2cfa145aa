# ruff: noqa: E501
"""Initial schema: analytics tables, stored metrics and run history.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_metrics",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("metric_id", sa.String(length=50), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("metric_name", sa.String(length=100), nullable=False),
        sa.Column("metric_type", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("agent_id", sa.String(length=100), nullable=True),
        sa.Column("correlation_id", sa.String(length=100), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "metric_type IN ('timing', 'counter', 'gauge', 'rate')",
            name=op.f("ck_agent_metrics_metric_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_metrics")),
        sa.UniqueConstraint("metric_id", name=op.f("uq_agent_metrics_metric_id")),
    )
    op.create_index(
        "ix_agent_metrics_correlation", "agent_metrics", ["correlation_id"], unique=False
    )
    op.create_index(
        "ix_agent_metrics_name_recorded",
        "agent_metrics",
        ["metric_name", "recorded_at"],
        unique=False,
    )

    op.create_table(
        "event_processing_metrics",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("event_source", sa.String(length=100), nullable=False),
        sa.Column("processing_duration_ms", sa.Float(), nullable=False),
        sa.Column("queue_wait_time_ms", sa.Float(), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("error_type", sa.String(length=100), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("retry_count", sa.Integer(), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("batch_size >= 1", name=op.f("ck_event_processing_metrics_batch_size")),
        sa.CheckConstraint(
            "processing_duration_ms >= 0", name=op.f("ck_event_processing_metrics_duration")
        ),
        sa.CheckConstraint("retry_count >= 0", name=op.f("ck_event_processing_metrics_retries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_processing_metrics")),
    )
    op.create_index(
        "ix_event_processing_type_created",
        "event_processing_metrics",
        ["event_type", "created_at"],
        unique=False,
    )

    op.create_table(
        "generation_performance_metrics",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("node_type", sa.String(length=50), nullable=False),
        sa.Column("phase", sa.String(length=30), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("memory_usage_mb", sa.Float(), nullable=True),
        sa.Column("cpu_percent", sa.Float(), nullable=True),
        sa.Column("cache_hit", sa.Boolean(), nullable=False),
        sa.Column("parallel_execution", sa.Boolean(), nullable=False),
        sa.Column("worker_count", sa.Integer(), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "phase IN ('prd_analysis', 'template_load', 'code_gen', 'generation', 'parallel_generation', 'validation', 'persistence', 'cache_performance', 'complete', 'total')",
            name=op.f("ck_generation_performance_metrics_phase"),
        ),
        sa.CheckConstraint(
            "duration_ms >= 0", name=op.f("ck_generation_performance_metrics_duration")
        ),
        sa.CheckConstraint(
            "worker_count >= 1", name=op.f("ck_generation_performance_metrics_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generation_performance_metrics")),
    )
    op.create_index(
        "ix_generation_perf_phase_created",
        "generation_performance_metrics",
        ["phase", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_generation_perf_session", "generation_performance_metrics", ["session_id"], unique=False
    )

    op.create_table(
        "mixin_compatibility_matrix",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("mixin_a", sa.String(length=100), nullable=False),
        sa.Column("mixin_b", sa.String(length=100), nullable=False),
        sa.Column("node_type", sa.String(length=20), nullable=False),
        sa.Column("compatibility_score", sa.Float(), nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("last_tested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("conflict_reason", sa.Text(), nullable=True),
        sa.Column("resolution_pattern", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "node_type IN ('EFFECT', 'COMPUTE', 'REDUCER', 'ORCHESTRATOR')",
            name=op.f("ck_mixin_compatibility_matrix_node_type"),
        ),
        sa.CheckConstraint(
            "compatibility_score >= 0 AND compatibility_score <= 1",
            name=op.f("ck_mixin_compatibility_matrix_score_range"),
        ),
        sa.CheckConstraint(
            "mixin_a <= mixin_b", name=op.f("ck_mixin_compatibility_matrix_pair_order")
        ),
        sa.CheckConstraint(
            "success_count >= 0 AND failure_count >= 0",
            name=op.f("ck_mixin_compatibility_matrix_counts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mixin_compatibility_matrix")),
        sa.UniqueConstraint("mixin_a", "mixin_b", "node_type", name="uq_mixin_pair_node_type"),
    )
    op.create_table(
        "pattern_feedback_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=True),
        sa.Column("pattern_name", sa.String(length=100), nullable=False),
        sa.Column("detected_confidence", sa.Float(), nullable=False),
        sa.Column("actual_pattern", sa.String(length=100), nullable=True),
        sa.Column("feedback_type", sa.String(length=20), nullable=False),
        sa.Column("is_correct", sa.Boolean(), nullable=False),
        sa.Column("user_provided", sa.Boolean(), nullable=False),
        sa.Column("learning_weight", sa.Float(), nullable=False),
        sa.Column(
            "capabilities_matched",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "false_positives",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "false_negatives",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "contract_json",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "feedback_type IN ('correct', 'incorrect', 'partial', 'adjusted', 'true_positive', 'false_positive', 'true_negative', 'false_negative')",
            name=op.f("ck_pattern_feedback_log_feedback_type"),
        ),
        sa.CheckConstraint(
            "detected_confidence >= 0 AND detected_confidence <= 1",
            name=op.f("ck_pattern_feedback_log_confidence_range"),
        ),
        sa.CheckConstraint(
            "learning_weight >= 0 AND learning_weight <= 1",
            name=op.f("ck_pattern_feedback_log_weight_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pattern_feedback_log")),
    )
    op.create_index(
        "ix_pattern_feedback_pattern_created",
        "pattern_feedback_log",
        ["pattern_name", "created_at"],
        unique=False,
    )

    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("correlation_id", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status = 'running' OR completed_at IS NOT NULL",
            name=op.f("ck_runs_finished_has_completed_at"),
        ),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed', 'skipped', 'cancelled', 'interrupted')",
            name=op.f("ck_runs_status"),
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_runs")),
    )
    op.create_index("ix_runs_started", "runs", ["started_at"], unique=False)

    op.create_table(
        "template_cache_metadata",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("template_name", sa.String(length=200), nullable=False),
        sa.Column("template_type", sa.String(length=20), nullable=False),
        sa.Column("cache_key", sa.String(length=200), nullable=False),
        sa.Column("file_path", sa.Text(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("load_time_ms", sa.Float(), nullable=False),
        sa.Column("last_accessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_count", sa.Integer(), nullable=False),
        sa.Column("cache_hits", sa.Integer(), nullable=False),
        sa.Column("cache_misses", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "template_type IN ('node', 'contract', 'subcontract', 'mixin', 'test')",
            name=op.f("ck_template_cache_metadata_template_type"),
        ),
        sa.CheckConstraint(
            "size_bytes >= 0 AND cache_hits >= 0 AND cache_misses >= 0",
            name=op.f("ck_template_cache_metadata_counts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_cache_metadata")),
        sa.UniqueConstraint("template_name", name=op.f("uq_template_cache_metadata_template_name")),
    )
    op.create_table(
        "run_files",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_run_files_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "path", name=op.f("pk_run_files")),
    )
    op.create_table(
        "run_stages",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("stage_id", sa.String(length=200), nullable=False),
        sa.Column("stage_number", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed', 'skipped', 'cancelled', 'interrupted')",
            name=op.f("ck_run_stages_status"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_run_stages_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "stage_id", name=op.f("pk_run_stages")),
    )
    op.create_table(
        "run_validations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("validator", sa.String(length=100), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column(
            "issues",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.run_id"],
            name=op.f("fk_run_validations_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_validations")),
    )
    op.create_index("ix_run_validations_run", "run_validations", ["run_id"], unique=False)

    op.create_table(
        "run_steps",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("stage_id", sa.String(length=200), nullable=False),
        sa.Column("step_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed', 'skipped', 'cancelled', 'interrupted')",
            name=op.f("ck_run_steps_status"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id", "stage_id"],
            ["run_stages.run_id", "run_stages.stage_id"],
            name="fk_run_steps_stage",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "stage_id", "step_id", name=op.f("pk_run_steps")),
    )


def downgrade() -> None:
    op.drop_table("run_steps")
    op.drop_index("ix_run_validations_run", table_name="run_validations")

    op.drop_table("run_validations")
    op.drop_table("run_stages")
    op.drop_table("run_files")
    op.drop_table("template_cache_metadata")
    op.drop_index("ix_runs_started", table_name="runs")

    op.drop_table("runs")
    op.drop_index("ix_pattern_feedback_pattern_created", table_name="pattern_feedback_log")

    op.drop_table("pattern_feedback_log")
    op.drop_table("mixin_compatibility_matrix")
    op.drop_index("ix_generation_perf_session", table_name="generation_performance_metrics")
    op.drop_index("ix_generation_perf_phase_created", table_name="generation_performance_metrics")

    op.drop_table("generation_performance_metrics")
    op.drop_index("ix_event_processing_type_created", table_name="event_processing_metrics")

    op.drop_table("event_processing_metrics")
    op.drop_index("ix_agent_metrics_name_recorded", table_name="agent_metrics")
    op.drop_index("ix_agent_metrics_correlation", table_name="agent_metrics")

    op.drop_table("agent_metrics")
