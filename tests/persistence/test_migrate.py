"""Migrations: the shipped revisions produce exactly the schema metadata."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from omninode_bridge.persistence import OmniNodePersistence
from omninode_bridge.persistence.migrate import current_revision, head_revision, upgrade
from omninode_bridge.persistence.schema import metadata


async def test_migrated_database_matches_schema_metadata(store: OmniNodePersistence) -> None:
    def _diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with store.engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []


async def test_upgrade_is_idempotent_and_reaches_head(store: OmniNodePersistence) -> None:
    assert await current_revision(store.engine) == head_revision()
    assert await upgrade(store.engine) == head_revision()
