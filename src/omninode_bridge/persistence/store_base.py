"""The store's core: engine, lifecycle, connections and transactions.

:class:`StoreBase` is what every part of
:class:`~omninode_bridge.persistence.store.OmniNodePersistence` writes through;
the argument checks below mirror the schema's CHECK constraints.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Self

from sqlalchemy import Select, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from omninode_bridge.errors import PersistenceError
from omninode_bridge.logs import get_logger
from omninode_bridge.persistence.engine import (
    create_engine,
    default_database_url,
    redact_url,
    url_schema,
)
from omninode_bridge.persistence.migrate import upgrade
from omninode_bridge.persistence.schema import (
    utcnow,
)

__all__ = ["StoreBase"]

log = get_logger(__name__, component="persistence")

FINISHED = ("completed", "failed", "interrupted")
CORRECT_BY_TYPE = {
    "correct": True,
    "true_positive": True,
    "true_negative": True,
    "incorrect": False,
    "false_positive": False,
    "false_negative": False,
}


def check_choice(
    field_name: str, value: str | Enum, allowed: tuple[str, ...], *, upper: bool
) -> str:
    raw = value.value if isinstance(value, Enum) else value
    text = str(raw).strip()
    text = text.upper() if upper else text.lower()
    if text not in allowed:
        raise PersistenceError(f"{field_name}: got {raw!r}, expected one of {', '.join(allowed)}")
    return text


def check_unit_interval(field_name: str, value: float) -> float:
    if not 0.0 <= float(value) <= 1.0:
        raise PersistenceError(f"{field_name}: got {value!r}, expected a number in [0, 1]")
    return float(value)


def check_non_negative(field_name: str, value: float) -> float:
    if float(value) < 0:
        raise PersistenceError(f"{field_name}: got {value!r}, expected a number >= 0")
    return float(value)


class StoreBase:
    """One SQLAlchemy async engine, migrated on first use, with shared transactions.

    The arguments are documented on
    :class:`~omninode_bridge.persistence.store.OmniNodePersistence`.
    """

    def __init__(
        self,
        database_url: str | None = None,
        *,
        schema: str | None = None,
        engine: AsyncEngine | None = None,
        migrate: bool = True,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._url = database_url
        self._schema = schema
        self._engine = engine
        self._owns_engine = False
        self._migrate = migrate
        self._clock = clock
        self._ready = False
        self._init_lock: asyncio.Lock | None = None
        self._tx: ContextVar[AsyncConnection | None] = ContextVar(
            f"omninode_tx_{id(self)}", default=None
        )
        self._batch: ContextVar[list[tuple[Table, dict[str, Any]]] | None] = ContextVar(
            f"omninode_batch_{id(self)}", default=None
        )

    # -- lifecycle -----------------------------------------------------------

    @property
    def engine(self) -> AsyncEngine:
        """The engine, once :meth:`initialize` has run."""
        if self._engine is None:
            raise PersistenceError("the store is not initialised; await initialize() first")
        return self._engine

    @property
    def ready(self) -> bool:
        """Whether the engine exists and the schema is migrated."""
        return self._ready

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    async def initialize(self) -> None:
        """Create the engine and migrate the schema (idempotent, done lazily)."""
        if self._ready:
            return
        if self._init_lock is None:
            self._init_lock = asyncio.Lock()
        async with self._init_lock:
            if self.ready:  # another task initialised it while this one waited
                return
            if self._engine is None:
                try:
                    self._engine = self._shared_engine() or self._create_engine()
                except OSError as exc:
                    raise PersistenceError(f"cannot open the store: {exc}") from None
            if self._migrate:
                try:
                    await upgrade(self._engine, schema=self._schema)
                except BaseException:
                    await self.close()
                    raise
            self._ready = True
            log.debug("persistence.ready", url=redact_url(self._engine.url))

    def _shared_engine(self) -> AsyncEngine | None:
        if self._url is not None or self._schema is not None:
            return None
        from omninode_bridge.persistence.pool import current_pool

        pool = current_pool()
        return pool.engine if pool is not None else None

    def _create_engine(self) -> AsyncEngine:
        self._owns_engine = True
        url = self._url or default_database_url()
        self._schema = self._schema or url_schema(url)
        return create_engine(url, schema=self._schema)

    async def close(self) -> None:
        """Dispose of the engine if this store created it."""
        if self._engine is not None and self._owns_engine:
            await self._engine.dispose()
            self._engine = None
        self._ready = False

    async def __aenter__(self) -> Self:
        await self.initialize()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def ping(self) -> float:
        """Run ``SELECT 1`` and return the round trip in milliseconds."""
        loop = asyncio.get_running_loop()
        async with self._connection() as conn:
            start = loop.time()
            await conn.execute(select(1))
            return (loop.time() - start) * 1000

    # -- connections and transactions ----------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Self]:
        """Group writes: everything inside commits together or rolls back on error.

        A nested ``transaction()`` joins the outer one. Tasks started inside
        the block share its connection, so keep the block's writes sequential.
        """
        if self._tx.get() is not None:
            yield self
            return
        await self.initialize()
        try:
            async with self.engine.begin() as conn:
                token = self._tx.set(conn)
                try:
                    yield self
                finally:
                    self._tx.reset(token)
        except SQLAlchemyError as exc:
            raise PersistenceError(f"transaction failed: {exc}") from exc

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        current = self._tx.get()
        if current is not None:
            yield current
            return
        await self.initialize()
        try:
            async with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise PersistenceError(f"database operation failed: {exc}") from exc

    @asynccontextmanager
    async def batched_inserts(self) -> AsyncIterator[Self]:
        """Buffer plain row inserts made inside the block; write them at its end.

        Rows go out as one executemany per table (and column set), in first-
        seen table order, instead of one statement per row. Use it inside
        :meth:`transaction` so the rows commit with the rest or not at all;
        a block that raises writes nothing. Upserts and reads are not buffered.
        """
        if self._batch.get() is not None:
            yield self
            return
        buffer: list[tuple[Table, dict[str, Any]]] = []
        token = self._batch.set(buffer)
        try:
            yield self
        finally:
            self._batch.reset(token)
        await self._insert_many(buffer)

    async def _insert_many(self, rows: list[tuple[Table, dict[str, Any]]]) -> None:
        groups: dict[tuple[str, tuple[str, ...]], tuple[Table, list[dict[str, Any]]]] = {}
        for table, values in rows:
            key = (table.name, tuple(sorted(values)))
            groups.setdefault(key, (table, []))[1].append(values)
        if not groups:
            return
        async with self._connection() as conn:
            for table, params in groups.values():
                await conn.execute(table.insert(), params)

    async def _insert_row(self, table: Table, values: Mapping[str, Any]) -> None:
        buffer = self._batch.get()
        if buffer is not None:
            buffer.append((table, dict(values)))
            return
        async with self._connection() as conn:
            await conn.execute(table.insert().values(**values))

    async def _rows(self, query: Select[Any]) -> list[Any]:
        async with self._connection() as conn:
            return list((await conn.execute(query)).all())

    def _insert(self, table: Table) -> Any:
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _since(self, time_window_minutes: float | None) -> datetime | None:
        if time_window_minutes is None:
            return None
        return self._clock() - timedelta(minutes=time_window_minutes)
