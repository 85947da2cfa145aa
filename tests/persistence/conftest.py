"""Fixtures: every persistence test runs on SQLite and on PostgreSQL.

PostgreSQL tests get a fresh schema in the shared ``test`` database (through
the URL's ``?schema=`` parameter) that is dropped afterwards, so runs never
see each other's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from omninode_bridge.persistence import OmniNodePersistence


class FakeClock:
    """A settable UTC clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def drop_schema(postgres_url: str, schema: str) -> None:
    import asyncpg

    url = make_url(postgres_url)
    conn = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def sqlite_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'store.db'}"


@pytest.fixture
async def pg_schema_url(postgres_url: str) -> AsyncIterator[str]:
    """A PostgreSQL URL whose tables live in a schema of their own."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{postgres_url}?schema={schema}"
    await drop_schema(postgres_url, schema)


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for each backend (PostgreSQL skips when it is not running)."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    url: str = request.getfixturevalue("pg_schema_url")
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store(database_url: str, clock: FakeClock) -> AsyncIterator[OmniNodePersistence]:
    persistence = OmniNodePersistence(database_url, clock=clock)
    await persistence.initialize()
    yield persistence
    await persistence.close()
