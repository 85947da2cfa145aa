"""OmniNodePersistence: analytics tables, stored metrics and run history.

One class over one SQLAlchemy async engine, for SQLite (the default, a file
under ``./.omninode/``) and PostgreSQL (asyncpg). The schema is migrated on
first use. Every write runs in its own transaction unless it happens inside
``async with store.transaction():``, in which case all writes in the block
commit or roll back together.

Arguments are checked against the schema's CHECK constraints before anything
is written, so a bad phase, node type or feedback type fails with a message
naming the field and the accepted values instead of a database error.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import asdict
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import Select, Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from omninode_bridge.errors import PersistenceError
from omninode_bridge.logs import get_logger
from omninode_bridge.persistence import analytics
from omninode_bridge.persistence.engine import (
    create_engine,
    default_database_url,
    redact_url,
    url_schema,
)
from omninode_bridge.persistence.migrate import upgrade
from omninode_bridge.persistence.records import (
    FileRecord,
    RunDetail,
    RunRecord,
    StageRecord,
    StepRecord,
    ValidationRecord,
)
from omninode_bridge.persistence.schema import (
    EVENT_PROCESSING_METRICS,
    FEEDBACK_TYPE_VALUES,
    GENERATION_PERFORMANCE_METRICS,
    MIXIN_COMPATIBILITY_MATRIX,
    NODE_TYPE_VALUES,
    PATTERN_FEEDBACK_LOG,
    PHASE_VALUES,
    RUN_FILES,
    RUN_STAGES,
    RUN_STATUS_VALUES,
    RUN_STEPS,
    RUN_VALIDATIONS,
    RUNS,
    STORED_METRICS,
    TEMPLATE_CACHE_METADATA,
    TEMPLATE_TYPE_VALUES,
    utcnow,
)

__all__ = ["OmniNodePersistence"]

log = get_logger(__name__, component="persistence")

_FINISHED = ("completed", "failed", "interrupted")
_CORRECT_BY_TYPE = {
    "correct": True,
    "true_positive": True,
    "true_negative": True,
    "incorrect": False,
    "false_positive": False,
    "false_negative": False,
}


def _choice(field_name: str, value: str | Enum, allowed: tuple[str, ...], *, upper: bool) -> str:
    raw = value.value if isinstance(value, Enum) else value
    text = str(raw).strip()
    text = text.upper() if upper else text.lower()
    if text not in allowed:
        raise PersistenceError(f"{field_name}: got {raw!r}, expected one of {', '.join(allowed)}")
    return text


def _unit_interval(field_name: str, value: float) -> float:
    if not 0.0 <= float(value) <= 1.0:
        raise PersistenceError(f"{field_name}: got {value!r}, expected a number in [0, 1]")
    return float(value)


def _non_negative(field_name: str, value: float) -> float:
    if float(value) < 0:
        raise PersistenceError(f"{field_name}: got {value!r}, expected a number >= 0")
    return float(value)


class OmniNodePersistence:
    """Store for generation analytics, metrics and run history.

    Args:
        database_url: SQLAlchemy or plain URL. None uses the pool set up by
            :func:`~omninode_bridge.persistence.pool.initialize_db_pool` when
            there is one, otherwise the configured URL
            (``OMNINODE_DATABASE_URL``, the config file, or SQLite in
            ``./.omninode/omninode.db``).
        schema: PostgreSQL schema to keep the tables in (created if missing);
            a ``?schema=`` parameter of the URL does the same.
        engine: An engine to use instead of creating one (not disposed by
            :meth:`close`).
        migrate: Bring the schema to the newest revision on first use.
        clock: Source of ``created_at`` and run timestamps (aware UTC).

    Example:
        ```python
        store = OmniNodePersistence()
        await store.insert_performance_metric(
            session_id=uuid4(), node_type="EFFECT", phase="generation", duration_ms=150.5
        )
        summary = await store.get_performance_metrics_summary(time_window_minutes=60)
        await store.close()
        ```
    """

    def __init__(
        self,
        database_url: str | None = None,
        *,
        schema: str | None = None,
        engine: AsyncEngine | None = None,
        migrate: bool = True,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._url = database_url
        self._schema = schema
        self._engine = engine
        self._owns_engine = False
        self._migrate = migrate
        self._clock = clock
        self._ready = False
        self._init_lock: asyncio.Lock | None = None
        self._tx: ContextVar[AsyncConnection | None] = ContextVar(
            f"omninode_tx_{id(self)}", default=None
        )

    # -- lifecycle -----------------------------------------------------------

    @property
    def engine(self) -> AsyncEngine:
        """The engine, once :meth:`initialize` has run."""
        if self._engine is None:
            raise PersistenceError("the store is not initialised; await initialize() first")
        return self._engine

    @property
    def ready(self) -> bool:
        """Whether the engine exists and the schema is migrated."""
        return self._ready

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    async def initialize(self) -> None:
        """Create the engine and migrate the schema (idempotent, done lazily)."""
        if self._ready:
            return
        if self._init_lock is None:
            self._init_lock = asyncio.Lock()
        async with self._init_lock:
            if self.ready:  # another task initialised it while this one waited
                return
            if self._engine is None:
                self._engine = self._shared_engine() or self._create_engine()
            if self._migrate:
                try:
                    await upgrade(self._engine, schema=self._schema)
                except BaseException:
                    await self.close()
                    raise
            self._ready = True
            log.debug("persistence.ready", url=redact_url(self._engine.url))

    def _shared_engine(self) -> AsyncEngine | None:
        if self._url is not None or self._schema is not None:
            return None
        from omninode_bridge.persistence.pool import current_pool

        pool = current_pool()
        return pool.engine if pool is not None else None

    def _create_engine(self) -> AsyncEngine:
        self._owns_engine = True
        url = self._url or default_database_url()
        self._schema = self._schema or url_schema(url)
        return create_engine(url, schema=self._schema)

    async def close(self) -> None:
        """Dispose of the engine if this store created it."""
        if self._engine is not None and self._owns_engine:
            await self._engine.dispose()
            self._engine = None
        self._ready = False

    async def __aenter__(self) -> OmniNodePersistence:
        await self.initialize()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def ping(self) -> float:
        """Run ``SELECT 1`` and return the round trip in milliseconds."""
        loop = asyncio.get_running_loop()
        async with self._connection() as conn:
            start = loop.time()
            await conn.execute(select(1))
            return (loop.time() - start) * 1000

    # -- connections and transactions ----------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[OmniNodePersistence]:
        """Group writes: everything inside commits together or rolls back on error.

        A nested ``transaction()`` joins the outer one. Tasks started inside
        the block share its connection, so keep the block's writes sequential.
        """
        if self._tx.get() is not None:
            yield self
            return
        await self.initialize()
        try:
            async with self.engine.begin() as conn:
                token = self._tx.set(conn)
                try:
                    yield self
                finally:
                    self._tx.reset(token)
        except SQLAlchemyError as exc:
            raise PersistenceError(f"transaction failed: {exc}") from exc

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        current = self._tx.get()
        if current is not None:
            yield current
            return
        await self.initialize()
        try:
            async with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise PersistenceError(f"database operation failed: {exc}") from exc

    async def _insert_row(self, table: Table, values: Mapping[str, Any]) -> None:
        async with self._connection() as conn:
            await conn.execute(table.insert().values(**values))

    async def _rows(self, query: Select[Any]) -> list[Any]:
        async with self._connection() as conn:
            return list((await conn.execute(query)).all())

    def _insert(self, table: Table) -> Any:
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _since(self, time_window_minutes: float | None) -> datetime | None:
        if time_window_minutes is None:
            return None
        return self._clock() - timedelta(minutes=time_window_minutes)

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
                "phase": _choice("phase", phase, PHASE_VALUES, upper=False),
                "duration_ms": _non_negative("duration_ms", duration_ms),
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
        """Per-phase count, mean, p95, p99, cache hits and parallel runs.

        Args:
            time_window_minutes: Only rows from the last N minutes; None for all.
        """
        t = GENERATION_PERFORMANCE_METRICS
        query = select(
            t.c.phase, t.c.duration_ms, t.c.cache_hit, t.c.parallel_execution, t.c.worker_count
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
            "template_type": _choice(
                "template_type", template_type, TEMPLATE_TYPE_VALUES, upper=False
            ),
            "cache_key": cache_key,
            "file_path": str(file_path),
            "file_hash": file_hash,
            "size_bytes": int(_non_negative("size_bytes", size_bytes)),
            "load_time_ms": _non_negative("load_time_ms", load_time_ms),
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
            changes["load_time_ms"] = _non_negative("load_time_ms", load_time_ms)
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
        kind = _choice("node_type", node_type, NODE_TYPE_VALUES, upper=True)
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
            kind = _choice("node_type", node_type, NODE_TYPE_VALUES, upper=True)
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
        kind = _choice("feedback_type", feedback_type, FEEDBACK_TYPE_VALUES, upper=False)
        correct = _CORRECT_BY_TYPE.get(kind) if is_correct is None else is_correct
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
                "detected_confidence": _unit_interval("confidence_score", confidence_score),
                "actual_pattern": actual_pattern,
                "feedback_type": kind,
                "is_correct": bool(correct),
                "user_provided": bool(by_user),
                "learning_weight": _unit_interval("user_weight", weight),
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
                "processing_duration_ms": _non_negative(
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

    # -- run history -----------------------------------------------------------

    async def record_run_started(
        self,
        run_id: str,
        workflow_id: str,
        *,
        correlation_id: str | None = None,
        started_at: datetime | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Record that a run started (status ``running``)."""
        await self._insert_row(
            RUNS,
            {
                "run_id": run_id,
                "workflow_id": workflow_id,
                "correlation_id": correlation_id,
                "status": "running",
                "started_at": started_at or self._clock(),
                "metadata": dict(metadata or {}),
            },
        )

    async def record_run_finished(
        self,
        run_id: str,
        *,
        success: bool,
        completed_at: datetime | None = None,
        duration_ms: float | None = None,
        error: str | None = None,
    ) -> None:
        """Mark a run ``completed`` or ``failed``.

        Raises:
            PersistenceError: No such run.
        """
        status = "completed" if success else "failed"
        await self._finish(
            RUNS, (RUNS.c.run_id == run_id,), run_id, status, completed_at, duration_ms, error
        )

    async def _finish(
        self,
        table: Table,
        where: tuple[Any, ...],
        label: str,
        status: str,
        completed_at: datetime | None,
        duration_ms: float | None,
        error: str | None,
        **extra: Any,
    ) -> None:
        end = completed_at or self._clock()
        async with self._connection() as conn:
            started = (await conn.execute(select(table.c.started_at).where(*where))).scalar()
            if started is None:
                raise PersistenceError(f"{table.name}: no row for {label!r}")
            if duration_ms is None:
                duration_ms = max((end - started).total_seconds() * 1000, 0.0)
            await conn.execute(
                update(table)
                .where(*where)
                .values(
                    status=status,
                    completed_at=end,
                    duration_ms=duration_ms,
                    error=error,
                    **extra,
                )
            )

    async def record_stage_started(
        self,
        run_id: str,
        stage_id: str,
        *,
        stage_number: int | None = None,
        started_at: datetime | None = None,
    ) -> None:
        """Record that a stage of ``run_id`` started."""
        await self.initialize()
        stmt = self._insert(RUN_STAGES).values(
            run_id=run_id,
            stage_id=stage_id,
            stage_number=stage_number,
            status="running",
            started_at=started_at or self._clock(),
        )
        async with self._connection() as conn:
            await conn.execute(stmt.on_conflict_do_nothing())

    async def record_stage_finished(
        self,
        run_id: str,
        stage_id: str,
        *,
        success: bool,
        completed_at: datetime | None = None,
        duration_ms: float | None = None,
        error: str | None = None,
        status: str | None = None,
        stage_number: int | None = None,
    ) -> None:
        """Mark a stage finished (creating it if its start was missed).

        Args:
            success: ``completed`` when True, ``failed`` when False.
            status: Overrides the status (``skipped``, ``cancelled``).
        """
        final = (
            _choice("status", status, RUN_STATUS_VALUES, upper=False)
            if status
            else ("completed" if success else "failed")
        )
        await self.record_stage_started(
            run_id, stage_id, stage_number=stage_number, started_at=completed_at
        )
        t = RUN_STAGES
        await self._finish(
            t,
            (t.c.run_id == run_id, t.c.stage_id == stage_id),
            stage_id,
            final,
            completed_at,
            duration_ms,
            error,
            **({} if stage_number is None else {"stage_number": stage_number}),
        )

    async def record_step_started(
        self, run_id: str, stage_id: str, step_id: str, *, started_at: datetime | None = None
    ) -> None:
        """Record that a step started (its stage row is created if missing)."""
        when = started_at or self._clock()
        await self.record_stage_started(run_id, stage_id, started_at=when)
        await self.initialize()
        stmt = self._insert(RUN_STEPS).values(
            run_id=run_id,
            stage_id=stage_id,
            step_id=step_id,
            status="running",
            started_at=when,
            attempts=1,
        )
        async with self._connection() as conn:
            await conn.execute(stmt.on_conflict_do_nothing())

    async def record_step_finished(
        self,
        run_id: str,
        stage_id: str,
        step_id: str,
        *,
        success: bool,
        completed_at: datetime | None = None,
        duration_ms: float | None = None,
        attempts: int = 1,
        error: str | None = None,
        status: str | None = None,
    ) -> None:
        """Mark a step ``completed`` or ``failed`` (or ``status``: ``skipped``, ``cancelled``)."""
        await self.record_step_started(run_id, stage_id, step_id, started_at=completed_at)
        t = RUN_STEPS
        where = (t.c.run_id == run_id, t.c.stage_id == stage_id, t.c.step_id == step_id)
        final = (
            _choice("status", status, RUN_STATUS_VALUES, upper=False)
            if status
            else ("completed" if success else "failed")
        )
        async with self.transaction():
            await self._finish(t, where, step_id, final, completed_at, duration_ms, error)
            async with self._connection() as conn:
                await conn.execute(update(t).where(*where).values(attempts=attempts))

    async def record_file_written(
        self,
        run_id: str,
        path: str,
        *,
        action: str = "written",
        sha256: str | None = None,
        size_bytes: int | None = None,
    ) -> None:
        """Record a file the run wrote (``written``, ``unchanged``, ``skipped``...)."""
        values = {"action": action, "sha256": sha256, "size_bytes": size_bytes}
        await self.initialize()
        stmt = self._insert(RUN_FILES).values(
            run_id=run_id, path=str(path), created_at=self._clock(), **values
        )
        async with self._connection() as conn:
            await conn.execute(
                stmt.on_conflict_do_update(index_elements=["run_id", "path"], set_=values)
            )

    async def record_validation(
        self,
        run_id: str,
        *,
        target: str,
        validator: str,
        passed: bool,
        score: float | None = None,
        issues: Iterable[str] = (),
    ) -> None:
        """Record one validation result of a run."""
        await self._insert_row(
            RUN_VALIDATIONS,
            {
                "id": uuid.uuid4(),
                "run_id": run_id,
                "target": target,
                "validator": validator,
                "passed": passed,
                "score": score,
                "issues": [str(i) for i in issues],
                "created_at": self._clock(),
            },
        )

    async def mark_interrupted_runs(self, *, started_before: datetime | None = None) -> int:
        """Mark runs still ``running`` (their process died) as ``interrupted``.

        Args:
            started_before: Only runs that started before this time; None for all.

        Returns:
            The number of runs marked.
        """
        end = self._clock()
        async with self._connection() as conn:
            total = 0
            for table in (RUNS, RUN_STAGES, RUN_STEPS):
                query = update(table).where(table.c.status == "running")
                if started_before is not None:
                    query = query.where(table.c.started_at < started_before)
                result = await conn.execute(query.values(status="interrupted", completed_at=end))
                total = result.rowcount if table is RUNS else total
        return int(total)

    async def list_runs(self, *, limit: int = 20, status: str | None = None) -> list[RunRecord]:
        """The newest runs first."""
        query = select(RUNS).order_by(RUNS.c.started_at.desc(), RUNS.c.run_id).limit(limit)
        if status is not None:
            query = query.where(RUNS.c.status == status)
        return [_run_record(r) for r in await self._rows(query)]

    async def get_run(self, run_id: str) -> RunDetail | None:
        """One run with its stages (and steps), files and validations."""
        runs = await self._rows(select(RUNS).where(RUNS.c.run_id == run_id))
        if not runs:
            return None
        stage_rows = await self._rows(
            select(RUN_STAGES)
            .where(RUN_STAGES.c.run_id == run_id)
            .order_by(RUN_STAGES.c.started_at, RUN_STAGES.c.stage_number, RUN_STAGES.c.stage_id)
        )
        step_rows = await self._rows(
            select(RUN_STEPS)
            .where(RUN_STEPS.c.run_id == run_id)
            .order_by(RUN_STEPS.c.started_at, RUN_STEPS.c.step_id)
        )
        file_rows = await self._rows(
            select(RUN_FILES).where(RUN_FILES.c.run_id == run_id).order_by(RUN_FILES.c.path)
        )
        val_rows = await self._rows(
            select(RUN_VALIDATIONS)
            .where(RUN_VALIDATIONS.c.run_id == run_id)
            .order_by(RUN_VALIDATIONS.c.created_at, RUN_VALIDATIONS.c.target)
        )
        return RunDetail(
            run=_run_record(runs[0]),
            stages=tuple(_stage_record(s, step_rows) for s in stage_rows),
            files=tuple(FileRecord(r.path, r.action, r.sha256, r.size_bytes) for r in file_rows),
            validations=tuple(
                ValidationRecord(r.target, r.validator, r.passed, r.score, tuple(r.issues))
                for r in val_rows
            ),
        )


def _run_record(row: Any) -> RunRecord:
    return RunRecord(
        run_id=row.run_id,
        workflow_id=row.workflow_id,
        status=row.status,
        started_at=row.started_at,
        completed_at=row.completed_at,
        duration_ms=row.duration_ms,
        correlation_id=row.correlation_id,
        error=row.error,
        metadata=dict(row.metadata or {}),
    )


def _stage_record(row: Any, step_rows: Sequence[Any]) -> StageRecord:
    steps = tuple(
        StepRecord(
            s.stage_id,
            s.step_id,
            s.status,
            s.started_at,
            s.completed_at,
            s.duration_ms,
            s.attempts,
            s.error,
        )
        for s in step_rows
        if s.stage_id == row.stage_id
    )
    return StageRecord(
        stage_id=row.stage_id,
        stage_number=row.stage_number,
        status=row.status,
        started_at=row.started_at,
        completed_at=row.completed_at,
        duration_ms=row.duration_ms,
        error=row.error,
        steps=steps,
    )
