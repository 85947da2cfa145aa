"""OmniNodePersistence on SQLite and PostgreSQL (every test runs on both)."""

from __future__ import annotations

import enum
import uuid
from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.errors import PersistenceError
from omninode_bridge.persistence import OmniNodePersistence


async def _count(store: OmniNodePersistence, table: str) -> int:
    from sqlalchemy import text

    async with store.engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


# -- performance metrics -----------------------------------------------------


async def test_performance_summary_percentiles_match_percentile_cont(
    store: OmniNodePersistence,
) -> None:
    session = uuid.uuid4()
    for d in range(1, 101):
        await store.insert_performance_metric(
            session_id=session, node_type="EFFECT", phase="code_gen", duration_ms=float(d)
        )
    [row] = await store.get_performance_metrics_summary()
    assert row["phase"] == "code_gen"
    assert row["execution_count"] == 100
    assert row["avg_duration_ms"] == 50.5
    assert row["p95_duration_ms"] == 95.05
    assert row["p99_duration_ms"] == 99.01


async def test_performance_summary_counts_cache_hits_parallel_runs_and_workers(
    store: OmniNodePersistence,
) -> None:
    s = uuid.uuid4()
    await store.insert_performance_metric(
        s, "EFFECT", "generation", 10, metadata={"cache_hit": True}
    )
    await store.insert_performance_metric(
        s, "COMPUTE", "generation", 30, cache_hit=False, parallel_execution=True, worker_count=3
    )
    [row] = await store.get_performance_metrics_summary()
    assert (row["cache_hits"], row["parallel_executions"], row["avg_workers"]) == (1, 1, 2.0)


async def test_performance_summary_time_window_excludes_old_rows(
    store: OmniNodePersistence, clock: Any
) -> None:
    s = uuid.uuid4()
    await store.insert_performance_metric(s, "EFFECT", "validation", 1000)
    clock.advance(minutes=90)
    await store.insert_performance_metric(s, "EFFECT", "validation", 10)
    [recent] = await store.get_performance_metrics_summary(time_window_minutes=60)
    [everything] = await store.get_performance_metrics_summary()
    assert recent["execution_count"] == 1
    assert recent["avg_duration_ms"] == 10
    assert everything["execution_count"] == 2


@pytest.mark.parametrize("phase", ["generation", "complete", "code_gen", "total"])
async def test_phases_written_by_the_integration_guide_are_accepted(
    store: OmniNodePersistence, phase: str
) -> None:
    await store.insert_performance_metric(uuid.uuid4(), "workflow", phase, 1.0)
    assert [r["phase"] for r in await store.get_performance_metrics_summary()] == [phase]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"phase": "warp_speed"}, "phase"),
        ({"duration_ms": -1.0}, "duration_ms"),
        ({"worker_count": 0}, "worker_count"),
    ],
    ids=["phase", "negative-duration", "zero-workers"],
)
async def test_invalid_performance_metric_is_rejected_before_writing(
    store: OmniNodePersistence, kwargs: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {
        "session_id": uuid.uuid4(),
        "node_type": "EFFECT",
        "phase": "code_gen",
        "duration_ms": 1.0,
    }
    args.update(kwargs)
    with pytest.raises(PersistenceError, match=field):
        await store.insert_performance_metric(**args)
    assert await _count(store, "generation_performance_metrics") == 0


# -- template cache ------------------------------------------------------------


async def test_template_cache_efficiency_groups_by_type(store: OmniNodePersistence) -> None:
    await store.upsert_template_cache_metadata("effect", "node", "k1", "/t/e.j2", "a" * 64, 1048576)
    await store.upsert_template_cache_metadata(
        "compute", "node", "k2", "/t/c.j2", "b" * 64, 1048576
    )
    await store.upsert_template_cache_metadata("model", "contract", "k3", "/t/m.j2", "c" * 64, 10)
    for hit in (True, True, True, False):
        assert await store.update_cache_metrics("effect", hit, load_time_ms=2.0)
    assert not await store.update_cache_metrics("missing", True)
    rows = {r["template_type"]: r for r in await store.get_template_cache_efficiency()}
    assert rows["node"]["template_count"] == 2
    assert rows["node"]["hit_rate"] == 0.75
    assert rows["node"]["avg_cache_hits"] == 1.5
    assert rows["node"]["total_size_mb"] == 2.0
    assert rows["contract"]["hit_rate"] is None


async def test_template_upsert_replaces_metadata_of_same_name(store: OmniNodePersistence) -> None:
    await store.upsert_template_cache_metadata("effect", "node", "k1", "/a", "a" * 64, 10)
    await store.upsert_template_cache_metadata("effect", "node", "k2", "/b", "b" * 64, 20)
    [row] = await store.get_template_cache_efficiency()
    assert row["template_count"] == 1


async def test_node_type_is_not_a_template_type(store: OmniNodePersistence) -> None:
    with pytest.raises(PersistenceError, match="template_type"):
        await store.upsert_template_cache_metadata("effect", "EFFECT", "k", "/a", "a" * 64, 1)


# -- mixin compatibility -------------------------------------------------------


async def test_mixin_combination_updates_every_unordered_pair(store: OmniNodePersistence) -> None:
    ids = await store.update_mixin_compatibility(
        node_type="EFFECT", mixin_combination=["Timestamp", "Validation", "Caching"], success=True
    )
    assert len(ids) == 3
    await store.update_mixin_compatibility(
        node_type="effect",
        mixin_combination=["Validation", "Timestamp"],
        success=False,
        conflict_patterns={"error": "hook clash"},
    )
    rows = {tuple(r["mixin_combination"]): r for r in await store.get_mixin_compatibility_summary()}
    assert set(rows) == {("Caching", "Timestamp"), ("Caching", "Validation"),
                         ("Timestamp", "Validation")}  # fmt: skip
    clash = rows[("Timestamp", "Validation")]
    assert (clash["success_count"], clash["failure_count"]) == (1, 1)
    assert clash["compatibility_score"] == 0.5
    assert "hook clash" in clash["conflict_reason"]


async def test_mixin_conflict_reason_kept_when_later_update_has_none(
    store: OmniNodePersistence,
) -> None:
    pair = ["A", "B"]
    await store.update_mixin_compatibility("REDUCER", pair, False, conflict_reason="clash")
    await store.update_mixin_compatibility("REDUCER", pair, True)
    [row] = await store.get_mixin_compatibility_summary()
    assert row["conflict_reason"] == "clash"
    assert row["compatibility_score"] == 0.5


async def test_single_mixin_is_stored_as_pair_with_itself(store: OmniNodePersistence) -> None:
    await store.update_mixin_compatibility("COMPUTE", ["Caching"], True)
    [row] = await store.get_mixin_compatibility_summary()
    assert tuple(row["mixin_combination"]) == ("Caching", "Caching")


async def test_mixin_summary_by_node_type(store: OmniNodePersistence) -> None:
    await store.update_mixin_compatibility("EFFECT", ["A", "B"], True)
    await store.update_mixin_compatibility("EFFECT", ["A", "C"], False)
    await store.update_mixin_compatibility("COMPUTE", ["A", "B"], True)
    rows = {r["node_type"]: r for r in await store.get_mixin_compatibility_by_node_type()}
    assert rows["EFFECT"]["total_combinations"] == 2
    assert rows["EFFECT"]["avg_compatibility"] == 0.5
    assert rows["EFFECT"]["success_rate"] == 0.5
    assert rows["COMPUTE"]["total_failures"] == 0


async def test_unknown_node_type_is_rejected(store: OmniNodePersistence) -> None:
    with pytest.raises(PersistenceError, match="node_type"):
        await store.update_mixin_compatibility("GATEWAY", ["A", "B"], True)


# -- pattern feedback ----------------------------------------------------------


class FeedbackType(enum.Enum):
    TRUE_POSITIVE = "true_positive"
    FALSE_POSITIVE = "false_positive"


async def test_pattern_feedback_precision_and_false_positives(store: OmniNodePersistence) -> None:
    for _ in range(3):
        await store.record_pattern_feedback(
            pattern_name="unused_import",
            feedback_type=FeedbackType.TRUE_POSITIVE,
            confidence_score=0.9,
            user_weight=1.0,
            is_correct=True,
            metadata={"file": "node_effect.py", "line": 15},
        )
    await store.record_pattern_feedback(
        pattern_name="unused_import",
        feedback_type=FeedbackType.FALSE_POSITIVE,
        confidence_score=0.5,
        user_weight=0.5,
        is_correct=False,
    )
    [row] = await store.get_pattern_feedback_analysis()
    assert row["precision"] == 0.75
    assert row["false_positive_count"] == 1
    assert row["avg_confidence"] == 0.8
    assert row["user_provided_count"] == 3
    assert row["avg_learning_weight"] == 0.875


async def test_pattern_feedback_default_weights_follow_who_gave_it(
    store: OmniNodePersistence,
) -> None:
    await store.record_pattern_feedback("CRUD", "correct", 0.8, user_provided=True)
    await store.record_pattern_feedback("CRUD", "incorrect", 0.8, actual_pattern="AGGREGATION")
    [row] = await store.get_pattern_feedback_analysis("CRUD")
    assert row["avg_learning_weight"] == 0.75  # (1.0 user + 0.5 automated) / 2
    assert row["feedback_counts"] == {"correct": 1, "incorrect": 1}


async def test_recall_counts_false_negatives(store: OmniNodePersistence) -> None:
    await store.record_pattern_feedback("CRUD", "true_positive", 0.9)
    await store.record_pattern_feedback("CRUD", "false_negative", 0.2)
    [row] = await store.get_pattern_feedback_analysis()
    assert (row["precision"], row["recall"], row["false_negative_count"]) == (1.0, 0.5, 1)


async def test_partial_feedback_needs_explicit_correctness(store: OmniNodePersistence) -> None:
    with pytest.raises(PersistenceError, match="is_correct"):
        await store.record_pattern_feedback("CRUD", "partial", 0.5)
    await store.record_pattern_feedback("CRUD", "partial", 0.5, is_correct=False)
    [row] = await store.get_pattern_feedback_analysis()
    assert row["precision"] == 0.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"feedback_type": "maybe"}, "feedback_type"),
        ({"confidence_score": 1.5}, "confidence_score"),
        ({"user_weight": 2.0}, "user_weight"),
    ],
    ids=["type", "confidence", "weight"],
)
async def test_invalid_pattern_feedback_is_rejected(
    store: OmniNodePersistence, kwargs: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {
        "pattern_name": "p",
        "feedback_type": "correct",
        "confidence_score": 0.5,
    }
    args.update(kwargs)
    with pytest.raises(PersistenceError, match=field):
        await store.record_pattern_feedback(**args)
    assert await _count(store, "pattern_feedback_log") == 0


# -- event processing ------------------------------------------------------------


async def test_event_processing_health_overall_and_by_type(store: OmniNodePersistence) -> None:
    for d in (10, 20, 30, 40):
        await store.insert_event_processing_metric(
            event_type="code_generated",
            processing_duration_ms=d,
            queue_wait_time_ms=5,
            batch_size=10,
        )
    await store.insert_event_processing_metric(
        "code_generated", 100, success=False, retry_count=2, event_source="kafka",
        error_type="Timeout",
    )  # fmt: skip
    health = await store.get_event_processing_health()
    assert health["total_events"] == 5
    assert health["success_rate"] == 0.8
    assert health["p95_latency_ms"] == 88.0
    assert health["avg_wait_ms"] == 5.0
    groups = {(g["event_type"], g["event_source"]): g for g in health["by_type"]}
    assert groups[("code_generated", "kafka")]["failure_count"] == 1
    assert groups[("code_generated", "omninode")]["avg_retries"] == 0.0


async def test_event_health_of_empty_store_has_no_rates(store: OmniNodePersistence) -> None:
    health = await store.get_event_processing_health(time_window_minutes=5)
    assert health["total_events"] == 0
    assert health["success_rate"] is None


# -- transactions ----------------------------------------------------------------


async def test_transaction_commits_all_writes_together(store: OmniNodePersistence) -> None:
    async with store.transaction():
        await store.insert_performance_metric(uuid.uuid4(), "EFFECT", "code_gen", 1.0)
        await store.update_mixin_compatibility("EFFECT", ["A", "B"], True)
    assert await _count(store, "generation_performance_metrics") == 1
    assert await _count(store, "mixin_compatibility_matrix") == 1


async def test_transaction_rolls_back_every_write_on_error(store: OmniNodePersistence) -> None:
    async def _writes() -> None:
        async with store.transaction():
            await store.insert_performance_metric(uuid.uuid4(), "EFFECT", "code_gen", 1.0)
            await store.update_mixin_compatibility("EFFECT", ["A", "B"], True)
            await store.update_mixin_compatibility("NOT_A_TYPE", ["A", "B"], True)

    with pytest.raises(PersistenceError):
        await _writes()
    assert await _count(store, "generation_performance_metrics") == 0
    assert await _count(store, "mixin_compatibility_matrix") == 0


async def test_nested_transaction_joins_the_outer_one(store: OmniNodePersistence) -> None:
    async def _writes() -> None:
        async with store.transaction():
            async with store.transaction():
                await store.insert_performance_metric(uuid.uuid4(), "EFFECT", "code_gen", 1.0)
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        await _writes()
    assert await _count(store, "generation_performance_metrics") == 0


# -- run history -----------------------------------------------------------------


async def _record_run(store: OmniNodePersistence, clock: Any, run_id: str, ok: bool) -> None:
    await store.record_run_started(run_id, "codegen", correlation_id="c-1", metadata={"n": 2})
    for number, stage in enumerate(("parse", "models")):
        await store.record_stage_started(run_id, stage, stage_number=number)
        await store.record_step_started(run_id, stage, f"{stage}-a")
        clock.advance(milliseconds=250)
        await store.record_step_finished(run_id, stage, f"{stage}-a", success=True, attempts=2)
        await store.record_stage_finished(run_id, stage, success=ok or stage == "parse")
    await store.record_file_written(run_id, "out/node.py", sha256="f" * 64, size_bytes=120)
    await store.record_validation(
        run_id, target="out/node.py", validator="ast", passed=ok, score=0.9, issues=["E1"]
    )
    await store.record_run_finished(run_id, success=ok, error=None if ok else "models failed")


async def test_run_history_records_stages_steps_files_and_validations(
    store: OmniNodePersistence, clock: Any
) -> None:
    await _record_run(store, clock, "run-1", ok=True)
    detail = await store.get_run("run-1")
    assert detail is not None
    assert detail.run.status == "completed"
    assert detail.run.duration_ms == 500.0
    assert detail.run.metadata == {"n": 2}
    assert [s.stage_id for s in detail.stages] == ["parse", "models"]
    assert [s.duration_ms for s in detail.stages] == [250.0, 250.0]
    assert detail.stages[0].steps[0].attempts == 2
    assert detail.files[0].path == "out/node.py"
    assert detail.validations[0].issues == ("E1",)


async def test_failed_run_keeps_its_error_and_failed_stage(
    store: OmniNodePersistence, clock: Any
) -> None:
    await _record_run(store, clock, "run-2", ok=False)
    detail = await store.get_run("run-2")
    assert detail is not None
    assert (detail.run.status, detail.run.error) == ("failed", "models failed")
    assert [s.status for s in detail.stages] == ["completed", "failed"]


async def test_list_runs_newest_first_and_filtered(store: OmniNodePersistence, clock: Any) -> None:
    await _record_run(store, clock, "old", ok=True)
    clock.advance(seconds=5)
    await _record_run(store, clock, "new", ok=False)
    assert [r.run_id for r in await store.list_runs()] == ["new", "old"]
    assert [r.run_id for r in await store.list_runs(status="completed")] == ["old"]
    assert [r.run_id for r in await store.list_runs(limit=1)] == ["new"]


async def test_interrupted_runs_are_marked_not_completed(store: OmniNodePersistence) -> None:
    await store.record_run_started("dead", "codegen")
    await store.record_step_started("dead", "parse", "a")
    assert await store.mark_interrupted_runs() == 1
    detail = await store.get_run("dead")
    assert detail is not None
    assert detail.run.status == "interrupted"
    assert detail.stages[0].steps[0].status == "interrupted"


async def test_finishing_an_unknown_run_fails(store: OmniNodePersistence) -> None:
    with pytest.raises(PersistenceError, match="nope"):
        await store.record_run_finished("nope", success=True)
    assert await store.get_run("nope") is None


async def test_step_of_unknown_run_violates_foreign_key(store: OmniNodePersistence) -> None:
    with pytest.raises(PersistenceError):
        await store.record_step_started("ghost", "parse", "a")


async def test_database_rejects_completed_run_without_completion_time(
    store: OmniNodePersistence,
) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    async def _insert() -> None:
        async with store.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO runs (run_id, workflow_id, status, started_at, metadata) "
                    "VALUES ('x', 'w', 'completed', CURRENT_TIMESTAMP, '{}')"
                )
            )

    with pytest.raises(IntegrityError, match=r"(?i)check"):
        await _insert()


async def test_ping_reports_round_trip(store: OmniNodePersistence) -> None:
    assert await store.ping() >= 0.0


async def test_batched_inserts_write_every_row_or_none(tmp_path: Path) -> None:
    store = OmniNodePersistence(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    try:
        await store.record_run_started("r1", "wf")
        async with store.transaction(), store.batched_inserts():
            for i in range(50):
                await store.record_validation(
                    "r1", target=f"f{i}.py", validator="lint", passed=i % 2 == 0
                )
            # buffered, not yet written: nothing is visible inside the batch
            inside = await store.get_run("r1")
            assert inside is not None and len(inside.validations) == 0
        detail = await store.get_run("r1")
        assert detail is not None
        assert sorted(v.target for v in detail.validations) == sorted(f"f{i}.py" for i in range(50))

        async def failing_batch() -> None:
            async with store.transaction(), store.batched_inserts():
                await store.record_validation("r1", target="lost.py", validator="x", passed=True)
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await failing_batch()
        detail = await store.get_run("r1")
        assert detail is not None and len(detail.validations) == 50
    finally:
        await store.close()
