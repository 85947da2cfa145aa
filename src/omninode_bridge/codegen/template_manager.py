"""TemplateManager: Jinja2 templates by id, cached, reloaded when their file changes.

A template with id ``X`` is the file ``X.j2`` (or ``X.jinja2``, or
``<type>/X.j2`` when a type is given) in the user template directory, which
overrides the built-in directory of the package (``omninode_bridge/codegen/templates``).
Templates are compiled once and kept in a :class:`TemplateLRUCache`; each
lookup checks the file cheaply (its path, modification time and size) and, when
those differ, compares the SHA-256 of the content: only a real content change
invalidates the entry. Adding a user template that overrides a cached built-in
is noticed the same way.

Rendering uses ``StrictUndefined`` (a missing variable is an error, not an
empty string), keeps trailing newlines, trims blocks, and does not autoescape
(templates render Python, YAML and Markdown, not HTML). Renders are
synchronous inside the coroutine and share no mutable state, so any number of
asyncio tasks may render at once; concurrent first loads of one template are
merged into a single read. A manager serves one event loop; to share templates
between threads or loops, give each its own manager over one thread-safe
:class:`TemplateLRUCache` (``cache=``).

The cache is keyed by template id: ``<type>/<id>.j2`` files of different
types under one id replace each other in the cache.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any, Final

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from omninode_bridge.codegen.documented_context import (
    expand_documented_context,
    is_documented_context,
)
from omninode_bridge.codegen.template_activity import ActivityTally, TemplateActivity
from omninode_bridge.codegen.template_cache import (
    CachedTemplate,
    FileFingerprint,
    TemplateCache,
    TemplateCacheStats,
    TemplateLRUCache,
)
from omninode_bridge.codegen.template_models import (
    Template,
    TemplateMetadata,
    TemplateRenderContext,
    TemplateType,
)
from omninode_bridge.errors import TemplateError, TemplateRenderError
from omninode_bridge.logs import get_logger

if TYPE_CHECKING:
    from omninode_bridge.metrics.collector import MetricsCollector

__all__ = [
    "BUILTIN_TEMPLATE_DIR",
    "TEMPLATE_SUFFIXES",
    "Template",
    "TemplateActivity",
    "TemplateCache",
    "TemplateCacheStats",
    "TemplateLRUCache",
    "TemplateManager",
    "TemplateMetadata",
    "TemplateRenderContext",
    "TemplateType",
]

log = get_logger(__name__, component="templates")

#: Built-in templates shipped with the package (owned by the code generator).
BUILTIN_TEMPLATE_DIR: Final = Path(__file__).resolve().parent / "templates"
#: File suffixes tried for a template id, in order.
TEMPLATE_SUFFIXES: Final = (".j2", ".jinja2")

_ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*(/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*$")
_MAX_TEMPLATE_BYTES: Final = 1_048_576


class TemplateManager:
    """Loads, caches and renders templates by id.

    Args:
        template_dir: User template directory (overrides built-ins by id);
            ``None`` uses only the built-in templates.
        cache_size: Most templates held in the cache.
        metrics_collector: Receives hit/miss counters and load/render timings.
        builtin_dir: Built-in template directory (``None`` for none).
        cache: A cache to share with other managers (``cache_size`` is then ignored).
        filters: Extra Jinja2 filters available to every template.
        globals: Extra names available to every template.
        max_template_bytes: Largest template file accepted.

    Example:
        ```python
        manager = TemplateManager(template_dir="./templates", cache_size=100)
        await manager.start()
        text = await manager.render_template("node_effect_v1", {"class_name": "NodeXEffect"})
        print(f"Hit rate: {manager.get_cache_stats().hit_rate:.1%}")
        ```
    """

    def __init__(
        self,
        template_dir: Path | str | None,
        cache_size: int = 100,
        metrics_collector: MetricsCollector | None = None,
        *,
        builtin_dir: Path | str | None = BUILTIN_TEMPLATE_DIR,
        cache: TemplateLRUCache | None = None,
        filters: Mapping[str, Callable[..., Any]] | None = None,
        globals: Mapping[str, Any] | None = None,
        max_template_bytes: int = _MAX_TEMPLATE_BYTES,
    ) -> None:
        self.template_dir = Path(template_dir) if template_dir is not None else None
        self.builtin_dir = Path(builtin_dir) if builtin_dir is not None else None
        self.max_template_bytes = max_template_bytes
        self._cache = cache if cache is not None else TemplateLRUCache(max_size=cache_size)
        self._metrics = metrics_collector
        self._env = self._make_environment(filters or {}, globals or {})
        self._inflight: dict[str, asyncio.Future[CachedTemplate]] = {}
        self._loads = 0
        self._renders = 0
        self._render_time = 0.0
        self._started = False
        #: This manager's lookups, loads and renders since the last take_activity().
        self._tally = ActivityTally()
        #: Lookups other managers reported (merge_activity): (hits, misses).
        self._merged_lookups = (0, 0)

    @property
    def cache(self) -> TemplateLRUCache:
        """The cache behind this manager."""
        return self._cache

    @property
    def search_path(self) -> tuple[Path, ...]:
        """Directories searched for a template, user directory first."""
        return tuple(d for d in (self.template_dir, self.builtin_dir) if d is not None)

    @property
    def is_started(self) -> bool:
        """Whether :meth:`start` ran and :meth:`stop` did not since."""
        return self._started

    async def start(self) -> None:
        """Check the template directories and get ready to serve.

        A ``template_dir`` that does not exist means "no overrides": the
        built-in templates serve and a ``templates.dir_missing`` warning is
        logged.

        Raises:
            TemplateError: ``template_dir`` exists but is not a directory.
        """
        if self.template_dir is not None and not self.template_dir.is_dir():
            if self.template_dir.exists():
                raise TemplateError(f"template directory {self.template_dir} is not a directory")
            log.warning(
                "templates.dir_missing",
                template_dir=str(self.template_dir),
                meaning="no user overrides; built-in templates only",
            )
        self._started = True
        log.info("templates.started", search_path=[str(p) for p in self.search_path])

    async def stop(self) -> None:
        """Stop serving: callers waiting on a pending load get a :class:`TemplateError`.

        A load already reading its file finishes for its own caller; the cache
        (maybe shared) is kept.
        """
        for template_id, future in self._inflight.items():
            if not future.done():
                future.set_exception(
                    TemplateError(f"template manager stopped while loading '{template_id}'")
                )
                future.exception()  # retrieved: waiters see it, nobody else must
        self._inflight.clear()
        self._started = False
        log.info("templates.stopped", stats=self._cache.snapshot().as_dict())

    async def load_template(
        self,
        template_id: str,
        template_type: TemplateType,
        force_reload: bool = False,
    ) -> Template:
        """Load a template, from the cache when its file has not changed.

        Args:
            template_id: Template identifier (file name without suffix).
            template_type: Type of template; also enables ``<type>/<id>.j2``.
            force_reload: Read the file again even when cached.

        Raises:
            TemplateError: Unknown id, unreadable file, or a syntax error
                (with file and line).
        """
        entry = await self._entry(template_id, TemplateType(template_type), force_reload)
        return entry.template

    def load_template_now(
        self,
        template_id: str,
        template_type: TemplateType,
        force_reload: bool = False,
    ) -> Template:
        """:meth:`load_template` for code that cannot await (reads the file in this thread).

        Uses and fills the same cache, with the same hit/miss counting, so a
        later :meth:`load_template` of the id is a hit.

        Raises:
            TemplateError: As :meth:`load_template`.
        """
        kind = TemplateType(template_type)
        entry = self._lookup(template_id, kind, force_reload)
        if entry is None:
            path = self._resolve(template_id, kind)
            if path is None:
                raise TemplateError(self._not_found(template_id, kind))
            started = time.perf_counter()
            entry = self._read_and_compile(template_id, kind, path)
            self._loads += 1
            self._tally.load(template_id, (time.perf_counter() - started) * 1000)
            self._cache.put(template_id, entry)
        return entry.template

    async def render_template(
        self,
        template_id: str,
        context: Mapping[str, Any] | TemplateRenderContext,
        template_type: TemplateType | None = None,
    ) -> str:
        """Render a template with a context.

        Args:
            template_id: Template identifier.
            context: Variables, or a :class:`TemplateRenderContext`.
            template_type: Type of template (inferred from the id when omitted).

        Raises:
            TemplateError: Unknown template, syntax error, or a render error
                such as an undefined variable (with template and line).
        """
        kind = template_type or self._known_type(template_id)
        entry = await self._entry(template_id, TemplateType(kind), False)
        started = time.perf_counter()
        if isinstance(context, TemplateRenderContext):
            variables = {**context.globals, **context.variables}
            compiled = self._compile_for(entry, context) if context.needs_own_environment else None
        else:
            variables, compiled = dict(context), None
        if is_documented_context(template_id, variables, builtin=_is_builtin(entry)):
            variables = expand_documented_context(template_id, variables, entry.fingerprint.sha256)
        compiled = compiled or entry.compiled
        if compiled is None:
            raise TemplateError(f"cannot render template '{template_id}': {entry.deferred_error}")
        text = self._render(entry, compiled, variables)
        elapsed = time.perf_counter() - started
        self._renders += 1
        self._render_time += elapsed
        self._tally.render(elapsed * 1000)
        if self._metrics is not None:
            self._metrics.record_timing(
                "template_render_ms", elapsed * 1000, tags={"template_id": template_id}
            )
        return text

    async def preload_templates(self, templates: Iterable[tuple[str, TemplateType | None]]) -> None:
        """Load templates into the cache concurrently.

        A type of ``None`` is inferred from the id (:meth:`TemplateType.infer`).

        Raises:
            TemplateError: Listing every template that could not be loaded.
        """
        pairs = list(templates)
        results = await asyncio.gather(
            *(self._entry(tid, _kind(tid, kind), False) for tid, kind in pairs),
            return_exceptions=True,
        )
        failures = [str(r) for r in results if isinstance(r, BaseException)]
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, TemplateError):
                raise result
        if failures:
            raise TemplateError(
                f"{len(failures)} of {len(pairs)} templates could not be preloaded:\n  "
                + "\n  ".join(failures)
            )
        log.info("templates.preloaded", count=len(pairs))

    def get_cache_stats(self) -> TemplateCacheStats:
        """Cache counters and timings, with this manager's file loads and renders.

        What other managers reported through :meth:`merge_activity` (the
        workers' lookups, loads and renders) is counted in too.
        """
        stats = self._cache.snapshot()
        merged_hits, merged_misses = self._merged_lookups
        hits, misses = stats.hits + merged_hits, stats.misses + merged_misses
        requests = hits + misses
        average = self._render_time * 1000 / self._renders if self._renders else 0.0
        return replace(
            stats,
            total_requests=requests,
            hits=hits,
            misses=misses,
            hit_rate=hits / requests if requests else 0.0,
            loads=self._loads,
            renders=self._renders,
            avg_render_time_ms=average,
        )

    def take_activity(self) -> TemplateActivity:
        """This manager's lookups, loads and renders since the previous take (a small delta).

        A worker process returns it with each task's result (see
        :mod:`~omninode_bridge.codegen.template_activity`); what was merged in
        with :meth:`merge_activity` is not part of it.
        """
        return self._tally.take()

    def merge_activity(self, activity: TemplateActivity) -> None:
        """Count another manager's activity (a worker's) as this manager's.

        The lookups join :meth:`get_cache_stats`, the loads and renders its
        counts; the metrics collector receives one ``template_cache_hit`` /
        ``template_cache_miss`` counter per template (valued with the count)
        and one ``template_load_ms`` timing per loaded template (the last load).
        """
        if not activity:
            return
        hits, misses = self._merged_lookups
        self._merged_lookups = (hits + activity.hit_count, misses + activity.miss_count)
        self._loads += activity.load_count
        self._renders += activity.renders
        self._render_time += activity.render_ms / 1000
        metrics = self._metrics
        if metrics is None:
            return
        for name, counts in (
            ("template_cache_hit", activity.hits),
            ("template_cache_miss", activity.misses),
        ):
            for template_id, count in counts:
                metrics.record_counter(name, count, tags={"template_id": template_id})
        for load in activity.loads:
            metrics.record_timing(
                "template_load_ms", load.last_ms, tags={"template_id": load.template_id}
            )

    def invalidate(self, template_id: str | None = None) -> int:
        """Drop one template, or all of them, from the cache.

        Returns:
            How many entries were dropped.
        """
        return self._cache.invalidate(template_id)

    def has_template(self, template_id: str, template_type: TemplateType | None = None) -> bool:
        """Whether a file exists for ``template_id`` in the search path."""
        return self._resolve(template_id, template_type) is not None

    def template_path(self, template_id: str, template_type: TemplateType | None = None) -> Path:
        """The file that serves ``template_id`` now.

        Raises:
            TemplateError: When no file serves it.
        """
        path = self._resolve(template_id, template_type)
        if path is None:
            raise TemplateError(self._not_found(template_id, template_type))
        return path

    # ------------------------------------------------------------------ loading

    async def _entry(
        self, template_id: str, template_type: TemplateType, force_reload: bool
    ) -> CachedTemplate:
        entry = self._lookup(template_id, template_type, force_reload)
        if entry is not None:
            return entry
        pending = self._inflight.get(template_id)
        if pending is not None and not force_reload:
            return await asyncio.shield(pending)
        future: asyncio.Future[CachedTemplate] = asyncio.get_running_loop().create_future()
        self._inflight[template_id] = future
        try:
            entry = await self._load(template_id, template_type)
        except BaseException as exc:
            if not future.done():  # stop() may have failed it already
                future.set_exception(exc)
                future.exception()  # the waiters, if any, see it; nobody else must
            raise
        finally:
            if self._inflight.get(template_id) is future:
                del self._inflight[template_id]
        if not future.done():
            future.set_result(entry)
        self._cache.put(template_id, entry)
        return entry

    def _lookup(
        self, template_id: str, template_type: TemplateType, force_reload: bool
    ) -> CachedTemplate | None:
        """The fresh cached entry (a hit), or ``None`` (a miss, counted)."""
        _check_id(template_id)
        if force_reload:
            self._cache.record_miss()
        else:
            entry = self._cache.get(
                template_id, is_fresh=lambda e: self._is_fresh(e, template_type)
            )
            if entry is not None:
                self._tally.hit(template_id)
                self._count("template_cache_hit", template_id)
                return entry
        self._tally.miss(template_id)
        self._count("template_cache_miss", template_id)
        return None

    async def _load(self, template_id: str, template_type: TemplateType) -> CachedTemplate:
        path = self._resolve(template_id, template_type)
        if path is None:
            raise TemplateError(self._not_found(template_id, template_type))
        started = time.perf_counter()
        entry = await asyncio.to_thread(self._read_and_compile, template_id, template_type, path)
        self._loads += 1
        elapsed_ms = (time.perf_counter() - started) * 1000
        self._tally.load(template_id, elapsed_ms)
        if self._metrics is not None:
            self._metrics.record_timing(
                "template_load_ms", elapsed_ms, tags={"template_id": template_id}
            )
        log.debug(
            "template.loaded",
            template_id=template_id,
            path=str(path),
            size_bytes=entry.size_bytes,
            duration_ms=round(elapsed_ms, 3),
        )
        return entry

    def _read_and_compile(
        self, template_id: str, template_type: TemplateType, path: Path
    ) -> CachedTemplate:
        raw, stat = self._read(path)
        try:
            source = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TemplateError(f"{path}: template is not UTF-8 text ({exc.reason})") from None
        digest = hashlib.sha256(raw).hexdigest()
        try:
            compiled: jinja2.Template | None = self._compile(self._env, source, template_id, path)
            deferred = None
        except _UnknownName as exc:
            compiled, deferred = None, str(exc)
        builtin = self.builtin_dir is not None and path.is_relative_to(self.builtin_dir)
        template = Template(
            template_id=template_id,
            template_type=template_type,
            content=source,
            metadata=TemplateMetadata(path, digest, time.time(), builtin),
            size_bytes=len(raw),
        )
        fingerprint = FileFingerprint(str(path), stat.st_mtime_ns, stat.st_size, digest)
        return CachedTemplate(template, compiled, fingerprint, deferred)

    def _read(self, path: Path) -> tuple[bytes, os.stat_result]:
        try:
            stat = path.stat()
            if stat.st_size > self.max_template_bytes:
                raise TemplateError(
                    f"{path}: template is larger than {self.max_template_bytes} bytes"
                )
            return path.read_bytes(), stat
        except OSError as exc:
            raise TemplateError(f"{path}: cannot read template ({exc.strerror})") from None

    def _is_fresh(self, entry: CachedTemplate, template_type: TemplateType) -> bool:
        """Cheap check first (path, mtime, size), content hash only when those moved."""
        known = entry.fingerprint
        found = self._locate(entry.template.template_id, template_type)
        if found is None or str(found[0]) != known.path:
            return False
        path, stat = found
        if stat.st_mtime_ns == known.mtime_ns and stat.st_size == known.size:
            return True
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return False
        if digest != known.sha256:
            return False
        touched = replace(known, mtime_ns=stat.st_mtime_ns, size=stat.st_size)
        self._cache.replace(entry.template.template_id, replace(entry, fingerprint=touched))
        return True

    def _resolve(self, template_id: str, template_type: TemplateType | None) -> Path | None:
        found = self._locate(template_id, template_type)
        return found[0] if found else None

    def _locate(
        self, template_id: str, template_type: TemplateType | None
    ) -> tuple[Path, os.stat_result] | None:
        """The first file serving ``template_id`` in the search path, with its stat."""
        for base in self.search_path:
            for relative in _candidates(template_id, template_type):
                path = base / relative
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                if S_ISREG(stat.st_mode):
                    return path, stat
        return None

    def _not_found(self, template_id: str, template_type: TemplateType | None) -> str:
        names = ", ".join(str(p) for p in _candidates(template_id, template_type))
        dirs = ", ".join(str(d) for d in self.search_path) or "(no template directories)"
        return f"template '{template_id}' not found (looked for {names} in {dirs})"

    def _known_type(self, template_id: str) -> TemplateType:
        entry = self._cache.peek(template_id)
        return entry.template.template_type if entry else TemplateType.infer(template_id)

    def _count(self, name: str, template_id: str) -> None:
        if self._metrics is not None:
            self._metrics.record_counter(name, tags={"template_id": template_id})

    # ------------------------------------------------------------------ compiling and rendering

    def _make_environment(
        self, filters: Mapping[str, Callable[..., Any]], names: Mapping[str, Any]
    ) -> jinja2.Environment:
        # Sandboxed: --template-dir templates are user input and must not
        # reach Python internals (``__class__``, ``os.popen``...).
        env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader([str(p) for p in self.search_path]),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=True,
        )
        env.filters.update(filters)
        env.globals.update(names)
        return env

    @staticmethod
    def _compile(
        env: jinja2.Environment, source: str, template_id: str, path: Path
    ) -> jinja2.Template:
        try:
            code = env.compile(source, name=template_id, filename=str(path))
        except jinja2.TemplateAssertionError as exc:
            message = f"{path}:{exc.lineno}: {exc.message}"
            raise _UnknownName(message) from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"{path}:{exc.lineno}: template syntax error: {exc.message}"
            ) from None
        return env.template_class.from_code(env, code, env.make_globals(None))

    def _compile_for(
        self, entry: CachedTemplate, context: TemplateRenderContext
    ) -> jinja2.Template:
        env = self._env.overlay(
            autoescape=context.autoescape,
            trim_blocks=context.trim_blocks,
            lstrip_blocks=context.lstrip_blocks,
        )
        env.filters.update(context.filters)
        path = Path(entry.fingerprint.path)
        return self._compile(env, entry.template.content, entry.template.template_id, path)

    @staticmethod
    def _render(entry: CachedTemplate, compiled: jinja2.Template, variables: dict[str, Any]) -> str:
        template_id = entry.template.template_id
        try:
            return compiled.render(variables)
        except Exception as exc:  # any error raised by template code is a render error
            line = _template_line(exc, entry.fingerprint.path)
            where = f"{entry.fingerprint.path}:{line}" if line else entry.fingerprint.path
            missing = _undefined_name(exc)
            if missing is not None:
                raise TemplateRenderError(
                    f"{where}: cannot render template '{template_id}': the context has no "
                    f"variable '{missing}' (pass it in the context)",
                    template_id=template_id,
                    variable=missing,
                ) from None
            raise TemplateRenderError(
                f"{where}: cannot render template '{template_id}': {exc}",
                template_id=template_id,
            ) from None


class _UnknownName(TemplateError):
    """The template names a filter or test the shared environment does not have."""


_UNDEFINED: Final = re.compile(r"^'([^']+)' is undefined$")


def _undefined_name(exc: BaseException) -> str | None:
    """The variable a StrictUndefined error is about (``None`` for other errors)."""
    if not isinstance(exc, jinja2.UndefinedError):
        return None
    match = _UNDEFINED.match(str(exc))
    return match.group(1) if match else None


def _is_builtin(entry: CachedTemplate) -> bool:
    metadata = entry.template.metadata
    return metadata is not None and metadata.builtin


def _kind(template_id: str, kind: TemplateType | str | None) -> TemplateType:
    return TemplateType.infer(template_id) if kind is None else TemplateType(kind)


def _candidates(template_id: str, template_type: TemplateType | None) -> list[str]:
    names = [f"{template_id}{suffix}" for suffix in TEMPLATE_SUFFIXES]
    if template_type is not None:
        names += [f"{template_type.value}/{template_id}{suffix}" for suffix in TEMPLATE_SUFFIXES]
    return names


def _check_id(template_id: str) -> None:
    if not _ID_PATTERN.match(template_id) or ".." in template_id.split("/"):
        raise TemplateError(
            f"invalid template id {template_id!r}: expected a name like 'node_effect_v1' "
            "(letters, digits, '_', '-', '.', and '/' between folder names)"
        )


def _template_line(exc: BaseException, path: str) -> int | None:
    """Line in the template file from a render traceback, when Jinja2 recorded it."""
    traceback = exc.__traceback__
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == path:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return getattr(exc, "lineno", None) or line
