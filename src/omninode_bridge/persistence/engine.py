"""Engine construction for the two supported backends.

SQLite (aiosqlite) is the embedded default; PostgreSQL (asyncpg) is used when
the URL says so. Plain driver-less URLs (``postgresql://``, ``sqlite:///``)
are accepted and given the async driver.

SQLite connections run in WAL mode with ``synchronous=NORMAL``: a killed
process loses no committed transaction, readers do not block the writer, and
foreign keys are enforced.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from omninode_bridge.errors import PersistenceError

__all__ = [
    "create_engine",
    "default_database_url",
    "normalize_url",
    "redact_url",
    "url_schema",
]

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def default_database_url() -> str:
    """The configured database URL (``OMNINODE_DATABASE_URL``, config file, or SQLite)."""
    from omninode_bridge.config import load_settings

    return load_settings().resolved_database_url


def normalize_url(url: str) -> URL:
    """Parse ``url`` and select the async driver for its backend.

    Raises:
        PersistenceError: The URL is malformed or names an unsupported backend.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise PersistenceError(f"invalid database URL {url!r}: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.difference_update_query(["schema"]).set(drivername="postgresql+asyncpg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    raise PersistenceError(
        f"unsupported database URL {redact_url(url)!r}: expected sqlite:// or postgresql://"
    )


def url_schema(url: str) -> str | None:
    """The PostgreSQL schema named by a ``?schema=`` query parameter, if any."""
    try:
        value = make_url(url).query.get("schema")
    except ArgumentError:
        return None
    if isinstance(value, tuple):
        value = value[-1]
    return value or None


def redact_url(url: str | URL) -> str:
    """The URL with its password hidden, for logs and messages."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except ArgumentError:
        return "<invalid url>"
    return parsed.render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_engine(
    url: str,
    *,
    schema: str | None = None,
    pool_size: int | None = None,
    max_overflow: int | None = None,
    echo: bool = False,
) -> AsyncEngine:
    """Create an async engine for ``url``.

    Args:
        url: SQLAlchemy or plain database URL.
        schema: PostgreSQL schema placed first on the search path (tables and
            the migration table live there); defaults to the URL's
            ``?schema=`` parameter; ignored for SQLite.
        pool_size: Connections kept open (PostgreSQL).
        max_overflow: Extra connections allowed above ``pool_size`` (PostgreSQL).
        echo: Log every SQL statement.

    Raises:
        PersistenceError: Bad URL or schema name.
    """
    parsed = normalize_url(url)
    schema = schema or url_schema(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise PersistenceError(
                    f"cannot create the store folder {folder}: {reason}"
                ) from None
        engine = create_async_engine(parsed, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if pool_size is not None:
        kwargs["pool_size"] = pool_size
    if max_overflow is not None:
        kwargs["max_overflow"] = max_overflow
    if schema is not None:
        if not _SCHEMA_NAME.match(schema):
            raise PersistenceError(f"invalid schema name {schema!r}")
        kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
    kwargs["pool_pre_ping"] = True
    return create_async_engine(parsed, **kwargs)
