"""Programmatic Alembic migrations shipped with the package.

The migration scripts live in ``persistence/migrations`` (package data); they
run on a connection of the store's own async engine, so no ``alembic.ini`` and
no second database URL are needed.
"""

from __future__ import annotations

import asyncio
import functools
import random
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from omninode_bridge.errors import PersistenceError
from omninode_bridge.logs import get_logger

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported where it is used: a command that never migrates (a
# refused contract, ``--help``) does not pay for importing it.

__all__ = [
    "HEAD_REVISION",
    "MIGRATIONS_DIR",
    "alembic_config",
    "current_revision",
    "head_revision",
    "upgrade",
]

log = get_logger(__name__, component="persistence")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_MIGRATE_ATTEMPTS = 5
#: Key of the PostgreSQL advisory lock held while migrating ("omni" in ASCII).
_PG_LOCK_KEY = 0x6F6D6E69


#: The newest revision in ``migrations/versions`` (a test holds it equal to
#: :func:`head_revision`): the every-run check "is the store at head?" reads
#: one row and imports no Alembic.
HEAD_REVISION = "0002"


async def _at_head(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    except (SQLAlchemyError, OSError):
        return False  # never migrated (no table) or unreadable: the migration path decides
    return [row[0] for row in rows] == [HEAD_REVISION]


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migration scripts."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    """The newest revision shipped with the package (read once: the scripts ship with it)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise PersistenceError("no migrations are shipped with the package")
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None when never migrated)."""

    from alembic.runtime.migration import MigrationContext

    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_read)


async def upgrade(engine: AsyncEngine, *, schema: str | None = None, revision: str = "head") -> str:
    """Migrate the database behind ``engine`` to ``revision``.

    Args:
        engine: Engine of the store.
        schema: PostgreSQL schema to create first (the engine's search path).
        revision: Target revision.

    Returns:
        The revision the database is at afterwards.

    Raises:
        PersistenceError: The migration failed; the database is left at its
            previous revision (each migration runs in a transaction).
    """

    if revision == "head" and await _at_head(engine):
        return HEAD_REVISION  # the common case: one read, no Alembic to import
    from alembic import command

    def _run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    # Several processes may open a fresh store at once: they take a lock
    # (PostgreSQL advisory lock, SQLite ``BEGIN IMMEDIATE``) around the
    # migration, and one that still loses a race retries after checking
    # whether another process already reached the target.
    for attempt in range(_MIGRATE_ATTEMPTS):
        try:
            async with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    await conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})"))
                    if schema is not None:
                        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                elif conn.dialect.name == "sqlite":
                    await conn.exec_driver_sql("BEGIN IMMEDIATE")
                await conn.run_sync(_run)
            break
        except (SQLAlchemyError, OSError) as exc:
            if revision == "head" and await _at_head(engine):
                break
            if attempt == _MIGRATE_ATTEMPTS - 1:
                raise PersistenceError(f"database migration failed: {exc}") from exc
            await asyncio.sleep(0.05 * (attempt + 1) + random.random() * 0.05)
    reached = await current_revision(engine)
    log.debug("persistence.migrated", revision=reached)
    return reached or ""
