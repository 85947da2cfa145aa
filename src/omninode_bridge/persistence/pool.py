"""A process-wide database pool with an asyncpg-style connection API.

``initialize_db_pool`` sets up one SQLAlchemy engine (its connection pool is
the pool) shared by every component; ``OmniNodePersistence()`` created without
a URL uses it. ``pool.acquire()`` yields a :class:`PoolConnection` with
``fetch``, ``fetchrow``, ``fetchval`` and ``execute``; queries use asyncpg's
``$1, $2`` placeholders on both backends.

Example:
    ```python
    await initialize_db_pool(dsn="postgresql://postgres@127.0.0.1:5432/test", min_size=1)
    pool = await get_db_pool()
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT count(*) AS n FROM runs WHERE status = $1", "failed")
    await close_db_pool()
    ```
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from omninode_bridge.errors import PersistenceError
from omninode_bridge.persistence.engine import create_engine, default_database_url, url_schema
from omninode_bridge.persistence.migrate import upgrade

__all__ = [
    "DatabasePool",
    "PoolConnection",
    "close_db_pool",
    "current_pool",
    "get_db_pool",
    "initialize_db_pool",
]

# $1 placeholders outside single-quoted literals.
_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\$(\d+)")


def _translate(query: str, args: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    used: set[int] = set()

    def _sub(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)
        index = int(match.group(1))
        if not 1 <= index <= len(args):
            raise PersistenceError(f"query uses ${index} but {len(args)} argument(s) were given")
        used.add(index)
        return f":p{index}"

    sql = _PLACEHOLDER.sub(_sub, query)
    return sql, {f"p{i}": args[i - 1] for i in used}


class PoolConnection:
    """One pooled connection; each call runs in the connection's transaction.

    Statements autocommit when the ``acquire()`` block exits normally and roll
    back when it raises.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    @property
    def connection(self) -> AsyncConnection:
        """The underlying SQLAlchemy connection."""
        return self._conn

    async def _run(self, query: str, args: Sequence[Any]) -> Any:
        sql, params = _translate(query, args)
        try:
            return await self._conn.execute(text(sql), params)
        except SQLAlchemyError as exc:
            raise PersistenceError(f"query failed: {exc}") from exc

    async def fetch(self, query: str, *args: Any) -> list[RowMapping]:
        """All result rows (mappings: ``row["column"]``)."""
        return list((await self._run(query, args)).mappings().all())

    async def fetchrow(self, query: str, *args: Any) -> RowMapping | None:
        """The first row, or None."""
        return (await self._run(query, args)).mappings().first()  # type: ignore[no-any-return]

    async def fetchval(self, query: str, *args: Any, column: int = 0) -> Any:
        """One column of the first row, or None."""
        row = (await self._run(query, args)).first()
        return None if row is None else row[column]

    async def execute(self, query: str, *args: Any) -> int:
        """Run a statement; returns the number of rows it affected (-1 if unknown)."""
        result = await self._run(query, args)
        return int(getattr(result, "rowcount", -1))


class DatabasePool:
    """An engine used as a connection pool."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[PoolConnection]:
        """Borrow a connection for the duration of the block (committed on exit)."""
        try:
            async with self.engine.begin() as conn:
                yield PoolConnection(conn)
        except SQLAlchemyError as exc:
            raise PersistenceError(f"database connection failed: {exc}") from exc

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


_pool: DatabasePool | None = None
_lock: asyncio.Lock | None = None


def current_pool() -> DatabasePool | None:
    """The initialised pool, or None."""
    return _pool


async def initialize_db_pool(
    dsn: str | None = None,
    min_size: int = 1,
    max_size: int = 10,
    *,
    migrate: bool = True,
    schema: str | None = None,
) -> DatabasePool:
    """Create the shared pool (replacing any previous one).

    Args:
        dsn: Database URL; None uses the configured URL (SQLite by default).
        min_size: Connections kept open (PostgreSQL).
        max_size: Most connections open at once (PostgreSQL).
        migrate: Bring the schema to the newest revision.
        schema: PostgreSQL schema for the tables.
    """
    global _pool
    if min_size < 0 or max_size < max(min_size, 1):
        raise PersistenceError(f"pool sizes: got min={min_size} max={max_size}")
    url = dsn or default_database_url()
    schema = schema or url_schema(url)
    engine = create_engine(
        url,
        schema=schema,
        pool_size=max(min_size, 1),
        max_overflow=max_size - max(min_size, 1),
    )
    if migrate:
        await upgrade(engine, schema=schema)
    previous, _pool = _pool, DatabasePool(engine)
    if previous is not None:
        await previous.close()
    return _pool


async def get_db_pool() -> DatabasePool:
    """The shared pool, initialised from the configuration on first use."""
    global _lock
    if _pool is not None:
        return _pool
    if _lock is None:
        _lock = asyncio.Lock()
    async with _lock:
        pool = current_pool()  # another task may have initialised it meanwhile
        return pool if pool is not None else await initialize_db_pool()


async def close_db_pool() -> None:
    """Close the shared pool; the next ``get_db_pool()`` opens a new one."""
    global _pool, _lock
    pool, _pool = _pool, None
    _lock = None
    if pool is not None:
        await pool.close()
