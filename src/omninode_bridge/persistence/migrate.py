"""Programmatic Alembic migrations shipped with the package.

The migration scripts live in ``persistence/migrations`` (package data); they
run on a connection of the store's own async engine, so no ``alembic.ini`` and
no second database URL are needed.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from omninode_bridge.errors import PersistenceError
from omninode_bridge.logs import get_logger

__all__ = ["MIGRATIONS_DIR", "alembic_config", "current_revision", "head_revision", "upgrade"]

log = get_logger(__name__, component="persistence")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migration scripts."""
    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped with the package."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise PersistenceError("no migrations are shipped with the package")
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None when never migrated)."""

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

    def _run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    try:
        async with engine.begin() as conn:
            if schema is not None and conn.dialect.name == "postgresql":
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            await conn.run_sync(_run)
    except SQLAlchemyError as exc:
        raise PersistenceError(f"database migration failed: {exc}") from exc
    reached = await current_revision(engine)
    log.debug("persistence.migrated", revision=reached)
    return reached or ""
