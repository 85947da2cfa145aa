"""Structured logging entry point used by every part of the package.

Every module gets its logger here (``log = get_logger(__name__, component="...")``)
so that configuration (JSON lines, correlation ids, rotation) is applied in one
place.

Design:

- structlog assembles an event dict; the standard library transports it, so
  handlers (stderr, size- or day-rotated files) and third-party loggers share one
  pipeline. Each handler renders with its own renderer: JSON lines for files
  and pipes, a coloured console renderer when stderr is a terminal.
- The correlation id, session id and component live in ``contextvars``
  (``structlog.contextvars``). Tasks created by ``asyncio.gather`` or
  ``create_task`` and ``asyncio.to_thread`` copy the context; for
  ``loop.run_in_executor`` and thread pools use :func:`run_in_executor_with_context`
  or :class:`ContextThreadPoolExecutor`, which copy it too.

Every line carries ``timestamp``, ``level``, ``logger``, ``event``,
``correlation_id``, ``session_id`` and ``component`` (``null`` when unset),
followed by the event's own fields.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import logging.handlers
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TextIO, TypeVar, cast
from uuid import UUID

import structlog
from structlog.stdlib import ProcessorFormatter
from structlog.typing import EventDict, Processor, WrappedLogger

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from omninode_bridge.config import Settings

__all__ = [
    "ContextThreadPoolExecutor",
    "LogContext",
    "RotationConfig",
    "async_log_context",
    "bind_log_context",
    "configure_logging",
    "get_correlation_id",
    "get_log_context",
    "get_logger",
    "log_context",
    "process_run_context",
    "run_in_executor_with_context",
    "set_global_correlation_id",
    "with_log_context",
]

P = ParamSpec("P")
R = TypeVar("R")

#: Keys every line carries, in this order, before the event's own fields.
STANDARD_KEYS = (
    "timestamp",
    "level",
    "logger",
    "event",
    "correlation_id",
    "session_id",
    "component",
)
_CONTEXT_KEYS = ("correlation_id", "session_id", "component")

# --------------------------------------------------------------------------- processors


#: The correlation id of the run this process is doing (see :func:`process_run_context`),
#: for log lines written where the context does not reach: library threads
#: (aiosqlite's connection thread, asyncio's own loggers).
_PROCESS_CONTEXT: dict[str, str] = {}


def _add_context_defaults(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    for key in _CONTEXT_KEYS:
        if event_dict.get(key) is None:
            event_dict[key] = _PROCESS_CONTEXT.get(key)
    return event_dict


@contextmanager
def process_run_context(
    *, correlation_id: UUID | str, session_id: UUID | str | None = None
) -> Iterator[dict[str, Any]]:
    """Bind the run's ids for the block, in this context and for the whole process.

    Lines logged in this context (and tasks it starts) carry the ids as usual;
    lines logged by threads the context does not reach get them as a default.
    A process does one command run at a time, so the process default is safe.
    """
    previous = dict(_PROCESS_CONTEXT)
    _PROCESS_CONTEXT["correlation_id"] = str(correlation_id)
    if session_id is not None:
        _PROCESS_CONTEXT["session_id"] = str(session_id)
    try:
        with log_context(correlation_id=correlation_id, session_id=session_id) as bound:
            yield bound
    finally:
        _PROCESS_CONTEXT.clear()
        _PROCESS_CONTEXT.update(previous)


def _order_keys(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    ordered: EventDict = {key: event_dict.pop(key, None) for key in STANDARD_KEYS}
    ordered.update(event_dict)
    return ordered


_SHARED_PROCESSORS: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    _add_context_defaults,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    structlog.processors.StackInfoRenderer(),
]


def _configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED_PROCESSORS,
            ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def json_formatter() -> logging.Formatter:
    """A formatter that writes one JSON object per record (structlog or stdlib)."""
    return ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _order_keys,
            structlog.processors.JSONRenderer(default=str),
        ],
    )


def console_formatter(*, colors: bool = True) -> logging.Formatter:
    """A formatter for people reading a terminal."""
    return ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            ProcessorFormatter.remove_processors_meta,
            structlog.dev.ConsoleRenderer(colors=colors),
        ],
    )


_configure_structlog()

# --------------------------------------------------------------------------- loggers


def get_logger(name: str, component: str | None = None, **initial: Any) -> Any:
    """Return a structlog logger for ``name``, bound to ``component``.

    The logger writes through the standard library logger called ``name``, so
    :func:`configure_logging` decides where lines go and at which level.

    Args:
        name: Usually ``__name__`` of the calling module.
        component: Logical component (``executor``, ``templates``...), attached
            to every line the logger writes; it wins over a component set by a
            log context.
        **initial: Extra key-value pairs bound to every line.
    """
    fields: dict[str, Any] = dict(initial)
    if component is not None:
        fields["component"] = component
    return structlog.stdlib.get_logger(name).bind(**fields)


# --------------------------------------------------------------------------- context


def _normalise(value: Any) -> Any:
    return str(value) if isinstance(value, UUID) else value


def get_log_context() -> dict[str, Any]:
    """The context fields currently bound (correlation id, session id, ...)."""
    return structlog.contextvars.get_contextvars()


def get_correlation_id() -> str | None:
    """The correlation id bound in the current context, if any."""
    value = structlog.contextvars.get_contextvars().get("correlation_id")
    return None if value is None else str(value)


def bind_log_context(**fields: Any) -> Mapping[str, contextvars.Token[Any]]:
    """Bind fields to the current context; ``None`` values are skipped.

    Returns:
        Tokens for ``structlog.contextvars.reset_contextvars``.
    """
    values = {key: _normalise(value) for key, value in fields.items() if value is not None}
    return structlog.contextvars.bind_contextvars(**values)


def set_global_correlation_id(correlation_id: UUID | str | None) -> None:
    """Bind ``correlation_id`` for the rest of the current context (no restore)."""
    if correlation_id is None:
        structlog.contextvars.unbind_contextvars("correlation_id")
    else:
        bind_log_context(correlation_id=correlation_id)


@contextmanager
def log_context(
    *,
    correlation_id: UUID | str | None = None,
    session_id: UUID | str | None = None,
    component: str | None = None,
    **fields: Any,
) -> Iterator[dict[str, Any]]:
    """Bind log context fields for the ``with`` block, then restore the previous ones.

    ``None`` values leave the surrounding value in place.

    Yields:
        The context in force inside the block.
    """
    tokens = bind_log_context(
        correlation_id=correlation_id, session_id=session_id, component=component, **fields
    )
    try:
        yield get_log_context()
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


@asynccontextmanager
async def async_log_context(
    *,
    correlation_id: UUID | str | None = None,
    session_id: UUID | str | None = None,
    component: str | None = None,
    **fields: Any,
) -> AsyncIterator[dict[str, Any]]:
    """Async form of :func:`log_context` (``async with async_log_context(...)``).

    Tasks started inside the block copy the context, so their lines carry it too.
    """
    with log_context(
        correlation_id=correlation_id, session_id=session_id, component=component, **fields
    ) as context:
        yield context


class LogContext:
    """Reusable context holder: ``with LogContext(correlation_id=...)`` or ``async with``."""

    def __init__(
        self,
        *,
        correlation_id: UUID | str | None = None,
        session_id: UUID | str | None = None,
        component: str | None = None,
        **fields: Any,
    ) -> None:
        self.fields: dict[str, Any] = {
            "correlation_id": correlation_id,
            "session_id": session_id,
            "component": component,
            **fields,
        }
        self._tokens: list[Mapping[str, contextvars.Token[Any]]] = []

    def __enter__(self) -> dict[str, Any]:
        self._tokens.append(bind_log_context(**self.fields))
        return get_log_context()

    def __exit__(self, *exc: object) -> None:
        structlog.contextvars.reset_contextvars(**self._tokens.pop())

    async def __aenter__(self) -> dict[str, Any]:
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__(*exc)


def with_log_context(
    component: str | None = None,
    *,
    correlation_id_param: str = "correlation_id",
    session_id_param: str = "session_id",
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a sync or async function so it runs inside a log context.

    The correlation and session ids are read from the call's arguments named
    ``correlation_id_param`` and ``session_id_param`` (keyword or positional);
    ``component`` is bound as given.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(func)

        def context_for(args: tuple[Any, ...], kwargs: dict[str, Any]) -> LogContext:
            try:
                bound = signature.bind_partial(*args, **kwargs).arguments
            except TypeError:
                bound = kwargs
            return LogContext(
                correlation_id=bound.get(correlation_id_param),
                session_id=bound.get(session_id_param),
                component=component,
            )

        if inspect.iscoroutinefunction(func):
            async_func = cast("Callable[P, Awaitable[Any]]", func)

            @functools.wraps(func)
            async def async_wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
                with context_for(args, kwargs):
                    return await async_func(*args, **kwargs)

            return cast("Callable[P, R]", async_wrapper)

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with context_for(args, kwargs):
                return func(*args, **kwargs)

        return wrapper

    return decorate


# --------------------------------------------------------------------------- threads


def run_in_executor_with_context(
    executor: Executor | None, func: Callable[..., R], *args: Any
) -> asyncio.Future[R]:
    """``loop.run_in_executor`` that carries the caller's context into the worker.

    ``loop.run_in_executor`` does not copy ``contextvars``; this runs ``func``
    inside a copy of the current context, so log lines from the worker thread
    keep the correlation id.
    """
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    return loop.run_in_executor(executor, functools.partial(context.run, func, *args))


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """A thread pool whose ``submit`` runs each call in a copy of the caller's context.

    Usable directly or as the loop's default executor
    (``loop.set_default_executor(ContextThreadPoolExecutor())``), after which
    plain ``loop.run_in_executor(None, ...)`` carries the context too.
    """

    def submit(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        context = contextvars.copy_context()
        return super().submit(functools.partial(context.run, fn, *args, **kwargs))


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True, slots=True)
class RotationConfig:
    """How the log file rotates.

    Attributes:
        mode: ``"size"`` rotates at ``max_bytes``; ``"daily"`` at midnight UTC.
        max_bytes: File size that triggers rotation in ``size`` mode.
        backup_count: Rotated files kept (days kept in ``daily`` mode).
    """

    mode: Literal["size", "daily"] = "size"
    max_bytes: int = 100 * 1024 * 1024
    backup_count: int = 30

    @classmethod
    def development(cls) -> RotationConfig:
        """Small files, few backups."""
        return cls(mode="size", max_bytes=10 * 1024 * 1024, backup_count=5)

    @classmethod
    def production(cls) -> RotationConfig:
        """100 MB files, 30 backups."""
        return cls(mode="size", max_bytes=100 * 1024 * 1024, backup_count=30)

    @classmethod
    def daily_rotation(cls, retention_days: int = 30) -> RotationConfig:
        """One file per UTC day, ``retention_days`` kept."""
        return cls(mode="daily", backup_count=retention_days)

    def handler(self, path: Path) -> logging.Handler:
        """A stdlib handler writing to ``path`` with this rotation."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.mode == "daily":
            return logging.handlers.TimedRotatingFileHandler(
                path, when="midnight", backupCount=self.backup_count, encoding="utf-8", utc=True
            )
        return logging.handlers.RotatingFileHandler(
            path, maxBytes=self.max_bytes, backupCount=self.backup_count, encoding="utf-8"
        )


_installed_handlers: list[logging.Handler] = []
#: Chatty third-party loggers kept at WARNING unless the level is DEBUG.
_QUIET_LOGGERS = ("alembic", "aiosqlite", "asyncio", "httpcore", "httpx")


def configure_logging(
    settings: Settings | None = None,
    *,
    level: str | None = None,
    log_format: Literal["auto", "json", "console"] | None = None,
    log_file: Path | None = None,
    rotation: RotationConfig | None = None,
    stream: TextIO | None = None,
) -> list[logging.Handler]:
    """Route every log line (ours and third-party) to stderr and an optional file.

    Call once at process start (the CLI does). Calling again replaces the
    handlers installed by the previous call. Explicit keyword arguments win
    over ``settings``.

    Args:
        settings: Provides ``log_level``, ``log_format`` and ``log_file``.
        level: Level name for the root logger.
        log_format: ``json``, ``console`` or ``auto`` (console when the stream
            is a terminal).
        log_file: Also write JSON lines here, rotated per ``rotation``.
        rotation: Defaults to :meth:`RotationConfig.production`.
        stream: Where console/JSON lines go; defaults to ``sys.stderr``.

    Returns:
        The handlers installed.
    """
    level = level or (settings.log_level if settings else "INFO")
    log_format = log_format or (settings.log_format if settings else "auto")
    log_file = log_file or (settings.log_file if settings else None)
    stream = stream if stream is not None else sys.stderr

    root = logging.getLogger()
    for handler in _installed_handlers:
        root.removeHandler(handler)
        handler.close()
    _installed_handlers.clear()

    is_tty = bool(getattr(stream, "isatty", lambda: False)())
    use_console = log_format == "console" or (log_format == "auto" and is_tty)
    stream_handler = logging.StreamHandler(stream)
    stream_handler.setFormatter(
        console_formatter(colors=is_tty) if use_console else json_formatter()
    )
    _installed_handlers.append(stream_handler)
    if log_file is not None:
        file_handler = (rotation or RotationConfig.production()).handler(Path(log_file))
        file_handler.setFormatter(json_formatter())
        _installed_handlers.append(file_handler)
    for handler in _installed_handlers:
        root.addHandler(handler)
    root.setLevel(level.upper())
    quiet = logging.getLevelName(level.upper()) != logging.DEBUG
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.NOTSET)
    return list(_installed_handlers)
