"""Fixtures: every persistence test runs on SQLite and on PostgreSQL.

The schema is migrated once per session: PostgreSQL tests share a schema of
their own in the shared ``test`` database (through the URL's ``?schema=``
parameter; dropped at the end) whose tables are emptied before each test;
SQLite tests each get a copy of a migrated database file.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from omninode_bridge.persistence import OmniNodePersistence
from omninode_bridge.persistence.schema import metadata


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


def _in_thread(coro: Coroutine[Any, Any, None]) -> None:
    """Run session set-up on a loop of its own, apart from the tests' loops."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


async def _migrate(url: str) -> None:
    async with OmniNodePersistence(url):
        pass


@pytest.fixture(scope="session")
def pg_session_url(postgres_url: str) -> Iterator[str]:
    """A migrated PostgreSQL schema for this test session."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = f"{postgres_url}?schema={schema}"
    _in_thread(_migrate(url))
    yield url
    _in_thread(drop_schema(postgres_url, schema))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file to copy."""
    folder = tmp_path_factory.mktemp("template")
    _in_thread(_migrate(sqlite_url(folder)))
    return folder / "store.db"


@pytest.fixture
async def pg_schema_url(pg_session_url: str) -> str:
    """The session's PostgreSQL schema with every table emptied."""
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    store = OmniNodePersistence(pg_session_url, migrate=False)
    async with store, store.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return pg_session_url


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for each backend (PostgreSQL skips when it is not running)."""
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "store.db")
        return sqlite_url(tmp_path)
    url: str = request.getfixturevalue("pg_schema_url")
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store(database_url: str, clock: FakeClock) -> AsyncIterator[OmniNodePersistence]:
    # Already migrated by the session fixtures; test_migrate covers migrating.
    persistence = OmniNodePersistence(database_url, clock=clock, migrate=False)
    await persistence.initialize()
    yield persistence
    await persistence.close()
