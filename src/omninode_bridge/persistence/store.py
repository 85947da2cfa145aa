"""OmniNodePersistence: analytics tables, stored metrics and run history.

The class is assembled from its parts: :mod:`.store_base` (engine, lifecycle,
transactions), :mod:`.telemetry` (analytics tables and stored metrics) and
:mod:`.runs` (run history).

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

from omninode_bridge.persistence.runs import RunHistoryStore
from omninode_bridge.persistence.telemetry import TelemetryStore

__all__ = ["OmniNodePersistence"]


class OmniNodePersistence(TelemetryStore, RunHistoryStore):
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
