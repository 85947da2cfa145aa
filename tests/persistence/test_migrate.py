"""Migrations: the shipped revisions produce exactly the schema metadata."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from omninode_bridge.persistence import OmniNodePersistence
from omninode_bridge.persistence.migrate import (
    HEAD_REVISION,
    current_revision,
    head_revision,
    upgrade,
)
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


def test_head_revision_constant_is_alembics_head() -> None:
    """The every-run "at head?" check compares with a constant: it must follow the scripts."""
    assert head_revision() == HEAD_REVISION


def test_a_store_at_head_opens_without_importing_alembic(tmp_path: Path) -> None:
    """The second open of a store reads its revision and loads no Alembic module."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    script = (
        "import asyncio, sys\n"
        "from omninode_bridge.persistence import OmniNodePersistence\n"
        "async def main():\n"
        f"    store = OmniNodePersistence({url!r})\n"
        "    await store.initialize()\n"
        "    await store.close()\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() != "[]"  # a fresh store is migrated by Alembic
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "[]"
