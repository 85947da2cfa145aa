"""The integration guide's Stream 1 and Database Integration examples, as written.

Only the import paths are adapted (``agents.lib.persistence`` and
``agents.lib.db`` become ``omninode_bridge.persistence``); the backend is
chosen the way a user would: ``OMNINODE_DATABASE_URL`` or the ``dsn``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from omninode_bridge.persistence import close_db_pool


@pytest.fixture
async def configured(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OMNINODE_CONFIG", raising=False)
    monkeypatch.setenv("OMNINODE_DATABASE_URL", database_url)
    yield database_url
    await close_db_pool()


async def test_stream1_integration_pattern(configured: str) -> None:
    from uuid import uuid4

    from omninode_bridge.persistence import OmniNodePersistence

    # Initialize persistence layer
    persistence = OmniNodePersistence()

    # All components use this for database operations
    session_id = uuid4()
    await persistence.insert_performance_metric(
        session_id=session_id,
        node_type="EFFECT",
        phase="generation",
        duration_ms=150.5,
        metadata={"cache_hit": True},
    )

    [row] = await persistence.get_performance_metrics_summary()
    assert (row["phase"], row["avg_duration_ms"], row["cache_hits"]) == ("generation", 150.5, 1)
    await persistence.close()


async def test_stream1_connection_management_and_analytics(configured: str) -> None:
    from omninode_bridge.persistence import OmniNodePersistence, get_db_pool

    # Shared connection pool (configured once)
    pool = await get_db_pool()

    # All components use the same pool
    async with pool.acquire() as conn:
        result = await conn.fetchrow("SELECT * FROM generation_performance_metrics")
    assert result is None

    # Query analytics views for dashboards
    persistence = OmniNodePersistence()
    await persistence.update_mixin_compatibility(
        node_type="EFFECT",
        mixin_combination=["TimestampMixin", "ValidationMixin"],
        success=True,
        conflict_patterns={},
    )

    # Get template cache efficiency
    cache_efficiency = await persistence.get_template_cache_efficiency()

    # Get performance metrics summary
    performance_summary = await persistence.get_performance_metrics_summary(time_window_minutes=60)

    # Get mixin compatibility summary
    mixin_summary = await persistence.get_mixin_compatibility_summary()

    assert cache_efficiency == []
    assert performance_summary == []
    assert [s["compatibility_score"] for s in mixin_summary] == [1.0]
    assert persistence.engine is pool.engine  # the store shares the pool


async def test_database_integration_pool_and_transactions(configured: str) -> None:
    from uuid import uuid4

    from omninode_bridge.persistence import (
        OmniNodePersistence,
        close_db_pool,
        get_db_pool,
        initialize_db_pool,
    )

    # Startup
    await initialize_db_pool(dsn=configured, min_size=10, max_size=20)

    persistence = OmniNodePersistence()

    # Atomic operations
    async def atomic_update() -> None:
        async with persistence.transaction():
            await persistence.insert_performance_metric(
                session_id=uuid4(), node_type="workflow", phase="complete", duration_ms=12.0
            )
            await persistence.update_mixin_compatibility(
                node_type="EFFECT", mixin_combination=["A", "B"], success=False,
                conflict_patterns={"error": "description"},
            )  # fmt: skip

    await atomic_update()

    # Use throughout application
    pool = await get_db_pool()
    async with pool.acquire() as conn:
        result = await conn.fetchrow(
            "SELECT phase, duration_ms FROM generation_performance_metrics WHERE phase = $1",
            "complete",
        )
        failures = await conn.fetchval(
            "SELECT failure_count FROM mixin_compatibility_matrix WHERE mixin_a = $1", "A"
        )
        rows = await conn.fetch("SELECT mixin_b FROM mixin_compatibility_matrix")
        changed = await conn.execute(
            "UPDATE mixin_compatibility_matrix SET resolution_pattern = 'x' WHERE node_type = $1",
            "EFFECT",
        )
    assert result is not None
    assert (result["phase"], result["duration_ms"]) == ("complete", 12.0)
    assert failures == 1
    assert [r["mixin_b"] for r in rows] == ["B"]
    assert changed == 1

    # Shutdown
    await close_db_pool()


async def test_default_store_is_sqlite_under_dot_omninode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omninode_bridge.persistence import OmniNodePersistence

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OMNINODE_DATABASE_URL", raising=False)
    monkeypatch.delenv("OMNINODE_CONFIG", raising=False)
    persistence = OmniNodePersistence()
    await persistence.record_pattern_feedback("CRUD", "correct", 0.9)
    assert persistence.dialect == "sqlite"
    await persistence.close()
    assert (tmp_path / ".omninode" / "omninode.db").is_file()


async def test_placeholder_out_of_range_is_a_clear_error(configured: str) -> None:
    from omninode_bridge.errors import PersistenceError
    from omninode_bridge.persistence import get_db_pool

    pool = await get_db_pool()
    with pytest.raises(PersistenceError, match=r"\$2"):
        async with pool.acquire() as conn:
            await conn.fetch("SELECT * FROM runs WHERE run_id = $1 AND status = $2", "x")
