"""Generation analytics: performance, template cache, mixin compatibility,
pattern feedback, event processing and stored metrics."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from enum import Enum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from omninode_bridge.errors import PersistenceError
from omninode_bridge.persistence import analytics
from omninode_bridge.persistence.schema import (
    EVENT_PROCESSING_METRICS,
    FEEDBACK_TYPE_VALUES,
    GENERATION_PERFORMANCE_METRICS,
    MIXIN_COMPATIBILITY_MATRIX,
    NODE_TYPE_VALUES,
    PATTERN_FEEDBACK_LOG,
    PHASE_VALUES,
    STORED_METRICS,
    TEMPLATE_CACHE_METADATA,
    TEMPLATE_TYPE_VALUES,
)
from omninode_bridge.persistence.store_base import (
    CORRECT_BY_TYPE,
    StoreBase,
    check_choice,
    check_non_negative,
    check_unit_interval,
)

__all__ = ["TelemetryStore"]


class TelemetryStore(StoreBase):
    """The analytics tables and the ``agent_metrics`` rows."""

    # -- generation performance ----------------------------------------------

    async def insert_performance_metric(
        self,
        session_id: uuid.UUID | str,
        node_type: str,
        phase: str | Enum,
        duration_ms: float,
        memory_usage_mb: float | None = None,
        cpu_percent: float | None = None,
        cache_hit: bool | None = None,
        parallel_execution: bool = False,
        worker_count: int = 1,
        metadata: Mapping[str, Any] | None = None,
    ) -> uuid.UUID:
        """Record how long one generation phase took.

        Args:
            session_id: Generation session (run) the measurement belongs to.
            node_type: Node type or ``workflow`` for whole-run measurements.
            phase: One of :data:`~omninode_bridge.persistence.schema.PHASE_VALUES`.
            duration_ms: Duration in milliseconds (>= 0).
            memory_usage_mb: Peak memory, if measured.
            cpu_percent: CPU use, if measured.
            cache_hit: Whether the template cache served the phase; defaults
                to ``metadata["cache_hit"]`` when present, else False.
            parallel_execution: Whether the phase ran in parallel.
            worker_count: Workers used (>= 1).
            metadata: Extra JSON-serialisable fields.

        Returns:
            The new row's id.
        """
        meta = dict(metadata or {})
        if worker_count < 1:
            raise PersistenceError(f"worker_count: got {worker_count!r}, expected >= 1")
        row_id = uuid.uuid4()
        await self._insert_row(
            GENERATION_PERFORMANCE_METRICS,
            {
                "id": row_id,
                "session_id": str(session_id),
                "node_type": str(node_type),
                "phase": check_choice("phase", phase, PHASE_VALUES, upper=False),
                "duration_ms": check_non_negative("duration_ms", duration_ms),
                "memory_usage_mb": memory_usage_mb,
                "cpu_percent": cpu_percent,
                "cache_hit": bool(meta.get("cache_hit", False)) if cache_hit is None else cache_hit,
                "parallel_execution": parallel_execution,
                "worker_count": worker_count,
                "metadata": meta,
                "created_at": self._clock(),
            },
        )
        return row_id

    async def get_performance_metrics_summary(
        self, time_window_minutes: float | None = None
    ) -> list[dict[str, Any]]:
        """Per-phase count, mean, p95, p99, cache hits, parallel runs and measured speedup.

        Args:
            time_window_minutes: Only rows from the last N minutes; None for all.
        """
        t = GENERATION_PERFORMANCE_METRICS
        query = select(
            t.c.phase,
            t.c.duration_ms,
            t.c.cache_hit,
            t.c.parallel_execution,
            t.c.worker_count,
            t.c.metadata,
        )
        since = self._since(time_window_minutes)
        if since is not None:
            query = query.where(t.c.created_at >= since)
        rows = await self._rows(query)
        return [asdict(s) for s in analytics.summarize_performance(tuple(r) for r in rows)]

    # -- template cache --------------------------------------------------------

    async def upsert_template_cache_metadata(
        self,
        template_name: str,
        template_type: str | Enum,
        cache_key: str,
        file_path: str,
        file_hash: str,
        size_bytes: int,
        load_time_ms: float = 0.0,
    ) -> None:
        """Create or refresh the cache metadata of one template."""
        now = self._clock()
        values = {
            "template_type": check_choice(
                "template_type", template_type, TEMPLATE_TYPE_VALUES, upper=False
            ),
            "cache_key": cache_key,
            "file_path": str(file_path),
            "file_hash": file_hash,
            "size_bytes": int(check_non_negative("size_bytes", size_bytes)),
            "load_time_ms": check_non_negative("load_time_ms", load_time_ms),
            "updated_at": now,
        }
        await self.initialize()
        stmt = self._insert(TEMPLATE_CACHE_METADATA).values(
            id=uuid.uuid4(), template_name=template_name, created_at=now, **values
        )
        stmt = stmt.on_conflict_do_update(index_elements=["template_name"], set_=values)
        async with self._connection() as conn:
            await conn.execute(stmt)

    async def update_cache_metrics(
        self, template_name: str, cache_hit: bool, load_time_ms: float | None = None
    ) -> bool:
        """Count one cache access of ``template_name``; False when it is unknown."""
        t = TEMPLATE_CACHE_METADATA
        changes: dict[str, Any] = {
            "access_count": t.c.access_count + 1,
            "last_accessed_at": self._clock(),
            "updated_at": self._clock(),
        }
        if cache_hit:
            changes["cache_hits"] = t.c.cache_hits + 1
        else:
            changes["cache_misses"] = t.c.cache_misses + 1
        if load_time_ms is not None:
            changes["load_time_ms"] = check_non_negative("load_time_ms", load_time_ms)
        async with self._connection() as conn:
            result = await conn.execute(
                update(t).where(t.c.template_name == template_name).values(**changes)
            )
        return bool(result.rowcount)

    async def get_template_cache_efficiency(self) -> list[dict[str, Any]]:
        """Per template type: count, mean hits/misses, hit rate, load time, size in MiB."""
        t = TEMPLATE_CACHE_METADATA
        rows = await self._rows(
            select(
                t.c.template_type,
                t.c.cache_hits,
                t.c.cache_misses,
                t.c.load_time_ms,
                t.c.size_bytes,
            )
        )
        return [asdict(s) for s in analytics.summarize_template_cache(tuple(r) for r in rows)]

    # -- mixin compatibility ---------------------------------------------------

    async def update_mixin_compatibility(
        self,
        node_type: str | Enum,
        mixin_combination: Sequence[str],
        success: bool,
        conflict_patterns: Mapping[str, Any] | None = None,
        *,
        conflict_reason: str | None = None,
        resolution_pattern: str | None = None,
    ) -> list[uuid.UUID]:
        """Record one generation outcome for every pair in ``mixin_combination``.

        Pairs are unordered (stored alphabetically); a single mixin is stored
        as a pair with itself. Each pair's score becomes
        ``successes / (successes + failures)``. A new conflict reason or
        resolution replaces the stored one; None keeps it.

        Args:
            node_type: EFFECT, COMPUTE, REDUCER or ORCHESTRATOR.
            mixin_combination: The mixins used together.
            success: Whether generation with them succeeded.
            conflict_patterns: Conflicts observed; stored as JSON text when non-empty.
            conflict_reason: Conflict description (overrides ``conflict_patterns``).
            resolution_pattern: How a conflict was resolved.

        Returns:
            Ids of the pair rows, in pair order.
        """
        kind = check_choice("node_type", node_type, NODE_TYPE_VALUES, upper=True)
        names = sorted({m.strip() for m in mixin_combination if m.strip()})
        if not names:
            raise PersistenceError("mixin_combination: expected at least one mixin name")
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]] or [
            (names[0], names[0])
        ]
        reason = conflict_reason
        if reason is None and conflict_patterns:
            reason = json.dumps(dict(conflict_patterns), sort_keys=True, default=str)
        ids = []
        async with self._connection() as conn:
            for a, b in pairs:
                ids.append(
                    await self._upsert_pair(conn, a, b, kind, success, reason, resolution_pattern)
                )
        return ids

    async def _upsert_pair(
        self,
        conn: AsyncConnection,
        mixin_a: str,
        mixin_b: str,
        node_type: str,
        success: bool,
        reason: str | None,
        resolution: str | None,
    ) -> uuid.UUID:
        t = MIXIN_COMPATIBILITY_MATRIX
        now = self._clock()
        win, loss = (1, 0) if success else (0, 1)
        await self.initialize()
        stmt = self._insert(t).values(
            id=uuid.uuid4(),
            mixin_a=mixin_a,
            mixin_b=mixin_b,
            node_type=node_type,
            compatibility_score=float(win),
            success_count=win,
            failure_count=loss,
            last_tested_at=now,
            conflict_reason=reason,
            resolution_pattern=resolution,
            created_at=now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["mixin_a", "mixin_b", "node_type"],
            set_={
                "success_count": t.c.success_count + win,
                "failure_count": t.c.failure_count + loss,
                "compatibility_score": (t.c.success_count + win)
                * 1.0
                / (t.c.success_count + t.c.failure_count + 1),
                "last_tested_at": now,
                "updated_at": now,
                "conflict_reason": func.coalesce(
                    stmt.excluded.conflict_reason, t.c.conflict_reason
                ),
                "resolution_pattern": func.coalesce(
                    stmt.excluded.resolution_pattern, t.c.resolution_pattern
                ),
            },
        ).returning(t.c.id)
        row_id = (await conn.execute(stmt)).scalar_one()
        assert isinstance(row_id, uuid.UUID)
        return row_id

    async def _mixin_pairs(self, node_type: str | None) -> list[analytics.MixinPairSummary]:
        t = MIXIN_COMPATIBILITY_MATRIX
        query = select(
            t.c.node_type,
            t.c.mixin_a,
            t.c.mixin_b,
            t.c.compatibility_score,
            t.c.success_count,
            t.c.failure_count,
            t.c.conflict_reason,
            t.c.resolution_pattern,
        )
        if node_type is not None:
            kind = check_choice("node_type", node_type, NODE_TYPE_VALUES, upper=True)
            query = query.where(t.c.node_type == kind)
        return analytics.summarize_mixin_pairs(tuple(r) for r in await self._rows(query))

    async def get_mixin_compatibility_summary(
        self, node_type: str | None = None
    ) -> list[dict[str, Any]]:
        """Every recorded mixin pair with its score and success/failure counts."""
        return [asdict(p) for p in await self._mixin_pairs(node_type)]

    async def get_mixin_compatibility_by_node_type(self) -> list[dict[str, Any]]:
        """Per node type: pairs, mean score, successes, failures, success rate."""
        pairs = await self._mixin_pairs(None)
        return [asdict(s) for s in analytics.summarize_mixin_node_types(pairs)]

    # -- pattern feedback ------------------------------------------------------

    async def record_pattern_feedback(
        self,
        pattern_name: str,
        feedback_type: str | Enum,
        confidence_score: float,
        user_weight: float | None = None,
        is_correct: bool | None = None,
        metadata: Mapping[str, Any] | None = None,
        *,
        user_provided: bool | None = None,
        session_id: uuid.UUID | str | None = None,
        actual_pattern: str | None = None,
        capabilities_matched: Sequence[str] = (),
        false_positives: Sequence[str] = (),
        false_negatives: Sequence[str] = (),
        contract_json: Mapping[str, Any] | None = None,
    ) -> uuid.UUID:
        """Record whether a detected pattern was right.

        Args:
            pattern_name: The detected pattern (or rule) name.
            feedback_type: ``correct``, ``incorrect``, ``partial``, ``adjusted``,
                ``true_positive``, ``false_positive``, ``true_negative`` or
                ``false_negative`` (an enum member's value is accepted).
            confidence_score: Detector confidence in [0, 1].
            user_weight: Learning weight in [0, 1]; defaults to 1.0 for user
                feedback and 0.5 for automated feedback.
            is_correct: Whether the detection was right; derived from
                ``feedback_type`` when it says so, required for ``partial`` and
                ``adjusted``.
            metadata: Extra JSON fields (file, line, reason...).
            user_provided: Whether a person gave the feedback; defaults to
                ``user_weight >= 1.0``.
            session_id: Session the feedback belongs to.
            actual_pattern: The correct pattern, when the detection was wrong.
            capabilities_matched: Capabilities the pattern matched.
            false_positives: Capabilities wrongly matched.
            false_negatives: Capabilities missed.
            contract_json: The contract the detection ran on.

        Returns:
            The new row's id.
        """
        kind = check_choice("feedback_type", feedback_type, FEEDBACK_TYPE_VALUES, upper=False)
        correct = CORRECT_BY_TYPE.get(kind) if is_correct is None else is_correct
        if correct is None:
            raise PersistenceError(f"is_correct: required for feedback_type {kind!r}")
        by_user = (
            (user_weight is not None and user_weight >= 1.0)
            if user_provided is None
            else (user_provided)
        )
        weight = user_weight if user_weight is not None else (1.0 if by_user else 0.5)
        row_id = uuid.uuid4()
        await self._insert_row(
            PATTERN_FEEDBACK_LOG,
            {
                "id": row_id,
                "session_id": None if session_id is None else str(session_id),
                "pattern_name": pattern_name,
                "detected_confidence": check_unit_interval("confidence_score", confidence_score),
                "actual_pattern": actual_pattern,
                "feedback_type": kind,
                "is_correct": bool(correct),
                "user_provided": bool(by_user),
                "learning_weight": check_unit_interval("user_weight", weight),
                "capabilities_matched": list(capabilities_matched),
                "false_positives": list(false_positives),
                "false_negatives": list(false_negatives),
                "contract_json": None if contract_json is None else dict(contract_json),
                "metadata": dict(metadata or {}),
                "created_at": self._clock(),
            },
        )
        return row_id

    async def get_pattern_feedback_analysis(
        self, pattern_name: str | None = None, *, time_window_minutes: float | None = None
    ) -> list[dict[str, Any]]:
        """Per pattern: precision, recall, F1, false positives, confidence and weights."""
        t = PATTERN_FEEDBACK_LOG
        query = select(
            t.c.pattern_name,
            t.c.feedback_type,
            t.c.is_correct,
            t.c.detected_confidence,
            t.c.user_provided,
            t.c.learning_weight,
        )
        if pattern_name is not None:
            query = query.where(t.c.pattern_name == pattern_name)
        since = self._since(time_window_minutes)
        if since is not None:
            query = query.where(t.c.created_at >= since)
        rows = await self._rows(query)
        return [asdict(s) for s in analytics.summarize_pattern_feedback(tuple(r) for r in rows)]

    # -- event processing ------------------------------------------------------

    async def insert_event_processing_metric(
        self,
        event_type: str,
        processing_duration_ms: float,
        queue_wait_time_ms: float | None = None,
        success: bool = True,
        retry_count: int = 0,
        batch_size: int = 1,
        metadata: Mapping[str, Any] | None = None,
        *,
        event_source: str = "omninode",
        error_type: str | None = None,
        error_message: str | None = None,
    ) -> uuid.UUID:
        """Record the processing of one event (or one batch of events)."""
        if retry_count < 0 or batch_size < 1:
            raise PersistenceError(
                f"retry_count/batch_size: got {retry_count!r}/{batch_size!r}, "
                "expected retry_count >= 0 and batch_size >= 1"
            )
        row_id = uuid.uuid4()
        await self._insert_row(
            EVENT_PROCESSING_METRICS,
            {
                "id": row_id,
                "event_type": event_type,
                "event_source": event_source,
                "processing_duration_ms": check_non_negative(
                    "processing_duration_ms", processing_duration_ms
                ),
                "queue_wait_time_ms": queue_wait_time_ms,
                "success": success,
                "error_type": error_type,
                "error_message": error_message,
                "retry_count": retry_count,
                "batch_size": batch_size,
                "metadata": dict(metadata or {}),
                "created_at": self._clock(),
            },
        )
        return row_id

    async def get_event_processing_health(
        self, time_window_minutes: float | None = None
    ) -> dict[str, Any]:
        """Totals, success rate, mean/p95/p99 latency and the per-type breakdown."""
        t = EVENT_PROCESSING_METRICS
        query = select(
            t.c.event_type,
            t.c.event_source,
            t.c.processing_duration_ms,
            t.c.queue_wait_time_ms,
            t.c.success,
            t.c.retry_count,
        )
        since = self._since(time_window_minutes)
        if since is not None:
            query = query.where(t.c.created_at >= since)
        health = analytics.summarize_event_health(tuple(r) for r in await self._rows(query))
        return asdict(health)

    # -- stored metrics --------------------------------------------------------

    async def insert_metric_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert metric rows in one transaction; rows whose ``metric_id`` exists are skipped.

        Skipping duplicates makes a retried batch idempotent. Each row has the
        columns of ``agent_metrics``: ``metric_id``, ``category``,
        ``metric_name``, ``metric_type``, ``value``, ``unit``, ``tags``,
        ``agent_id``, ``correlation_id``, ``recorded_at``.
        """
        if not rows:
            return
        now = self._clock()
        values = [{**row, "created_at": now} for row in rows]
        await self.initialize()
        stmt = self._insert(STORED_METRICS).on_conflict_do_nothing(index_elements=["metric_id"])
        async with self._connection() as conn:
            await conn.execute(stmt, values)

    async def get_metric_counts(self) -> list[dict[str, Any]]:
        """Stored metrics per category and name: count, mean, min, max."""
        t = STORED_METRICS
        query = (
            select(
                t.c.category,
                t.c.metric_name,
                func.count(),
                func.min(t.c.value),
                func.max(t.c.value),
                func.sum(t.c.value),
            )
            .group_by(t.c.category, t.c.metric_name)
            .order_by(t.c.category, t.c.metric_name)
        )
        return [
            {
                "category": r[0],
                "metric_name": r[1],
                "count": int(r[2]),
                "min": float(r[3]),
                "max": float(r[4]),
                "avg": round(float(r[5]) / int(r[2]), 4),
            }
            for r in await self._rows(query)
        ]

    async def get_metric_rows(
        self, *, names: Sequence[str] | None = None, after_id: int = 0, limit: int = 10_000
    ) -> list[dict[str, Any]]:
        """Stored metrics with a row id above ``after_id``, oldest first.

        Readers that poll (``omninode serve``'s alert loop) pass the last id
        they saw; ``names`` keeps only those metric names.
        """
        t = STORED_METRICS
        query = select(
            t.c.id, t.c.metric_name, t.c.metric_type, t.c.value, t.c.tags, t.c.correlation_id
        ).where(t.c.id > after_id)
        if names is not None:
            query = query.where(t.c.metric_name.in_(list(names)))
        query = query.order_by(t.c.id).limit(limit)
        return [
            {
                "id": int(r[0]),
                "metric_name": str(r[1]),
                "metric_type": str(r[2]),
                "value": float(r[3]),
                "tags": dict(r[4] or {}),
                "correlation_id": r[5],
            }
            for r in await self._rows(query)
        ]
