"""One run's analytics, written in one transaction at the end of the run.

A generation run collects plain rows as it goes (:class:`RunTelemetry`) and
:func:`record_run_telemetry` writes them all at once: generation performance
per stage and for the run, template cache metadata with the run's hits and
misses, the validation result of every generated file, the mixin outcome of
every contract and the pattern feedback. One transaction per run keeps the
cost of analytics independent of how many steps the run had.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from omninode_bridge.persistence.schema import TEMPLATE_CACHE_METADATA, TEMPLATE_TYPE_VALUES
from omninode_bridge.persistence.store_base import check_choice, check_non_negative

if TYPE_CHECKING:
    from omninode_bridge.persistence.store import OmniNodePersistence

__all__ = [
    "FeedbackRow",
    "MixinOutcomeRow",
    "PerformanceRow",
    "RunTelemetry",
    "TemplateUseRow",
    "ValidationRow",
    "record_run_telemetry",
]


@dataclass(frozen=True, slots=True)
class PerformanceRow:
    """One ``generation_performance_metrics`` row."""

    phase: str
    node_type: str
    duration_ms: float
    worker_count: int = 1
    parallel_execution: bool = False
    cache_hit: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TemplateUseRow:
    """One template's cache record and this run's hits and misses of it."""

    template_name: str
    template_type: str
    file_path: str
    file_hash: str
    size_bytes: int
    load_time_ms: float
    hits: int
    misses: int


@dataclass(frozen=True, slots=True)
class ValidationRow:
    """One validator's verdict on one generated file."""

    target: str
    validator: str
    passed: bool
    score: float | None
    issues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MixinOutcomeRow:
    """The mixins one contract combined and whether its package passed its checks."""

    node_type: str
    mixins: tuple[str, ...]
    success: bool
    contract: str = ""


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    """One automated pattern feedback verdict."""

    pattern_name: str
    feedback_type: str
    confidence: float
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RunTelemetry:
    """Everything one run records in the analytics tables."""

    run_id: str
    performance: list[PerformanceRow] = field(default_factory=list)
    templates: list[TemplateUseRow] = field(default_factory=list)
    validations: list[ValidationRow] = field(default_factory=list)
    mixins: list[MixinOutcomeRow] = field(default_factory=list)
    feedback: list[FeedbackRow] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        """Rows this telemetry writes (template rows counted once)."""
        return (
            len(self.performance)
            + len(self.templates)
            + len(self.validations)
            + len(self.mixins)
            + len(self.feedback)
        )


async def record_run_telemetry(store: OmniNodePersistence, telemetry: RunTelemetry) -> None:
    """Write ``telemetry`` in one transaction (all rows or none).

    Plain rows (performance, validations, feedback) go out as one executemany
    per table (:meth:`~.store_base.StoreBase.batched_inserts`), the template
    records as one executemany of an upsert.
    """
    await store.initialize()
    async with store.transaction(), store.batched_inserts():
        for perf in telemetry.performance:
            await store.insert_performance_metric(
                session_id=telemetry.run_id,
                node_type=perf.node_type,
                phase=perf.phase,
                duration_ms=perf.duration_ms,
                cache_hit=perf.cache_hit,
                parallel_execution=perf.parallel_execution,
                worker_count=perf.worker_count,
                metadata=perf.metadata,
            )
        await _upsert_template_uses(store, telemetry.templates)
        for check in telemetry.validations:
            await store.record_validation(
                telemetry.run_id,
                target=check.target,
                validator=check.validator,
                passed=check.passed,
                score=check.score,
                issues=check.issues,
            )
        for outcome in telemetry.mixins:
            await store.update_mixin_compatibility(
                outcome.node_type,
                outcome.mixins,
                outcome.success,
                conflict_reason=None if outcome.success else f"{outcome.contract}: checks failed",
            )
        for item in telemetry.feedback:
            await store.record_pattern_feedback(
                item.pattern_name,
                item.feedback_type,
                item.confidence,
                user_provided=False,
                session_id=telemetry.run_id,
                metadata=item.metadata,
            )


async def _upsert_template_uses(store: OmniNodePersistence, rows: list[TemplateUseRow]) -> None:
    """Create or refresh each template's record and add this run's hits and misses.

    One statement for all the templates (an executemany of one upsert).
    """
    if not rows:
        return
    t = TEMPLATE_CACHE_METADATA
    now = store._clock()
    params = []
    for row in rows:
        accesses = row.hits + row.misses
        params.append(
            {
                "id": uuid.uuid4(),
                "template_name": row.template_name,
                "created_at": now,
                "template_type": check_choice(
                    "template_type", row.template_type, TEMPLATE_TYPE_VALUES, upper=False
                ),
                "cache_key": f"{row.template_name}:{row.file_hash[:16]}",
                "file_path": row.file_path,
                "file_hash": row.file_hash,
                "size_bytes": int(check_non_negative("size_bytes", row.size_bytes)),
                "load_time_ms": check_non_negative("load_time_ms", row.load_time_ms),
                "updated_at": now,
                "last_accessed_at": now,
                "access_count": accesses,
                "cache_hits": row.hits,
                "cache_misses": row.misses,
            }
        )
    insert = store._insert(t)
    new = insert.excluded
    refreshed = (
        *("template_type", "cache_key", "file_path", "file_hash", "size_bytes"),
        *("load_time_ms", "updated_at", "last_accessed_at"),
    )
    stmt = insert.on_conflict_do_update(
        index_elements=["template_name"],
        set_={
            **{name: new[name] for name in refreshed},
            "access_count": t.c.access_count + new.access_count,
            "cache_hits": t.c.cache_hits + new.cache_hits,
            "cache_misses": t.c.cache_misses + new.cache_misses,
        },
    )
    async with store._connection() as conn:
        await conn.execute(stmt, params)
