"""A thread-safe LRU cache of loaded, compiled templates, with counted statistics.

:class:`TemplateLRUCache` keeps at most ``max_size`` templates and at most
``max_memory_mb`` of template source; the least recently used entry goes
first when either limit is reached. Every lookup is timed and counted (hits,
misses, evictions, invalidations), and :meth:`TemplateLRUCache.get_stats`
returns a frozen :class:`TemplateCacheStats` record.

:class:`TemplateCache` is the same cache under the name and constructor
arguments (``max_templates``, ``max_size_mb``) of the integration guide; pass
one to several :class:`~omninode_bridge.codegen.template_manager.TemplateManager`
instances (``cache=``) to share it between workers.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

    from omninode_bridge.codegen.template_models import Template

__all__ = [
    "CachedTemplate",
    "FileFingerprint",
    "TemplateCache",
    "TemplateCacheStats",
    "TemplateLRUCache",
]


@dataclass(frozen=True, slots=True)
class FileFingerprint:
    """What a cached template was read from, to notice when the file changes.

    Attributes:
        path: The file.
        mtime_ns: Modification time when read (cheap first check).
        size: Size in bytes when read (cheap first check).
        sha256: Hex digest of the content (the real check).
    """

    path: str
    mtime_ns: int
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class CachedTemplate:
    """One cache entry: the template record, its compiled form and its file."""

    template: Template
    compiled: jinja2.Template | None
    fingerprint: FileFingerprint
    deferred_error: str | None = None
    """Why ``compiled`` is ``None``: the template needs filters or tests only a
    :class:`TemplateRenderContext` supplies."""

    @property
    def size_bytes(self) -> int:
        """Source size counted against the memory limit."""
        return self.template.size_bytes


@dataclass(frozen=True, slots=True)
class TemplateCacheStats:
    """Counters and timings of a template cache.

    Attributes:
        total_requests: Lookups (hits + misses).
        hits: Lookups answered from the cache with an up-to-date entry.
        misses: Lookups that had to load from disk (absent, stale or forced).
        hit_rate: ``hits / total_requests`` (0.0 before the first request).
        evictions: Entries dropped to respect ``max_size`` or the memory limit.
        invalidations: Entries dropped because their file changed or on request.
        current_size: Entries held now.
        max_size: Entry limit.
        total_size_bytes: Template source bytes held now.
        max_size_bytes: Memory limit in bytes.
        avg_get_time_ms: Mean time of a lookup, including the freshness check.
        avg_put_time_ms: Mean time of an insertion, including evictions.
        loads: Files read and compiled by the manager (concurrent misses of
            one template share a single load).
        renders: Templates rendered by the manager.
        avg_render_time_ms: Mean render time of those renders.
    """

    total_requests: int
    hits: int
    misses: int
    hit_rate: float
    evictions: int
    invalidations: int
    current_size: int
    max_size: int
    total_size_bytes: int
    max_size_bytes: int
    avg_get_time_ms: float
    avg_put_time_ms: float
    loads: int = 0
    renders: int = 0
    avg_render_time_ms: float = 0.0

    @property
    def cache_hits(self) -> int:
        """Same as :attr:`hits` (name used by the original API)."""
        return self.hits

    @property
    def cache_misses(self) -> int:
        """Same as :attr:`misses` (name used by the original API)."""
        return self.misses

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output and logs."""
        return asdict(self)


class TemplateLRUCache:
    """Least-recently-used cache of :class:`CachedTemplate` entries, safe across threads.

    Args:
        max_size: Most entries held.
        max_memory_mb: Most template source held, in MiB.
        clock: Monotonic clock in seconds, for timings (injectable for tests).
    """

    def __init__(
        self,
        max_size: int = 100,
        max_memory_mb: float = 100.0,
        *,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if max_size < 1:
            raise ValueError(f"max_size must be at least 1, got {max_size}")
        if max_memory_mb <= 0:
            raise ValueError(f"max_memory_mb must be positive, got {max_memory_mb}")
        self.max_size = max_size
        self.max_size_bytes = int(max_memory_mb * 1024 * 1024)
        self._clock = clock
        self._entries: OrderedDict[str, CachedTemplate] = OrderedDict()
        self._lock = threading.RLock()
        self._bytes = 0
        self._hits = 0
        self._misses = 0
        self._evictions = 0
        self._invalidations = 0
        self._get_time = 0.0
        self._puts = 0
        self._put_time = 0.0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        """Keys from least to most recently used (a snapshot)."""
        return iter(self.keys())

    def keys(self) -> list[str]:
        """Keys from least to most recently used."""
        with self._lock:
            return list(self._entries)

    def peek(self, key: str) -> CachedTemplate | None:
        """The entry for ``key`` without counting, timing or reordering."""
        with self._lock:
            return self._entries.get(key)

    def get(
        self, key: str, *, is_fresh: Callable[[CachedTemplate], bool] | None = None
    ) -> CachedTemplate | None:
        """Look ``key`` up, counting a hit or a miss.

        Args:
            key: Template id.
            is_fresh: Called on a found entry; when it returns ``False`` the
                entry is dropped (an invalidation) and the lookup is a miss.

        Returns:
            The entry, most recently used now, or ``None`` on a miss.
        """
        started = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and is_fresh is not None and not is_fresh(entry):
                self._drop(key)
                self._invalidations += 1
                entry = None
            if entry is None:
                self._misses += 1
            else:
                self._entries.move_to_end(key)
                self._hits += 1
            self._get_time += self._clock() - started
        return entry

    def record_miss(self) -> None:
        """Count a lookup that bypassed the cache (a forced reload)."""
        with self._lock:
            self._misses += 1

    def put(self, key: str, entry: CachedTemplate) -> None:
        """Insert or replace ``key``, evicting least recently used entries as needed.

        An entry larger than the whole memory limit is not stored.
        """
        started = self._clock()
        with self._lock:
            if key in self._entries:
                self._drop(key)
            if entry.size_bytes <= self.max_size_bytes:
                while self._entries and (
                    len(self._entries) >= self.max_size
                    or self._bytes + entry.size_bytes > self.max_size_bytes
                ):
                    oldest = next(iter(self._entries))
                    self._drop(oldest)
                    self._evictions += 1
                self._entries[key] = entry
                self._bytes += entry.size_bytes
            self._puts += 1
            self._put_time += self._clock() - started

    def replace(self, key: str, entry: CachedTemplate) -> None:
        """Swap the entry of a present key in place (no counting, no reordering)."""
        with self._lock:
            old = self._entries.get(key)
            if old is not None:
                self._entries[key] = entry
                self._bytes += entry.size_bytes - old.size_bytes

    def invalidate(self, key: str | None = None) -> int:
        """Drop one entry, or every entry when ``key`` is ``None``.

        Returns:
            How many entries were dropped (each counted as an invalidation).
        """
        with self._lock:
            keys = list(self._entries) if key is None else [key] if key in self._entries else []
            for name in keys:
                self._drop(name)
            self._invalidations += len(keys)
            return len(keys)

    def clear(self) -> None:
        """Drop every entry and reset the statistics."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._hits = self._misses = self._evictions = self._invalidations = 0
            self._get_time = self._put_time = 0.0
            self._puts = 0

    def get_stats(self) -> TemplateCacheStats:
        """A snapshot of the counters."""
        return self.snapshot()

    def snapshot(self) -> TemplateCacheStats:
        """A snapshot of the counters (the typed record, in every subclass)."""
        with self._lock:
            requests = self._hits + self._misses
            return TemplateCacheStats(
                total_requests=requests,
                hits=self._hits,
                misses=self._misses,
                hit_rate=self._hits / requests if requests else 0.0,
                evictions=self._evictions,
                invalidations=self._invalidations,
                current_size=len(self._entries),
                max_size=self.max_size,
                total_size_bytes=self._bytes,
                max_size_bytes=self.max_size_bytes,
                avg_get_time_ms=self._get_time * 1000 / requests if requests else 0.0,
                avg_put_time_ms=self._put_time * 1000 / self._puts if self._puts else 0.0,
            )

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key)
        self._bytes -= entry.size_bytes


class TemplateCache(TemplateLRUCache):
    """The integration guide's name for the template cache (same implementation).

    Args:
        max_templates: Most entries held.
        max_size_mb: Most template source held, in MiB.

    Example:
        ```python
        cache = TemplateCache(max_templates=100, max_size_mb=50)
        manager = TemplateManager("./templates", cache=cache)
        stats = cache.get_stats()  # {"hits": ..., "misses": ..., "hit_rate": ...}
        ```
    """

    def __init__(
        self,
        max_templates: int = 100,
        max_size_mb: float = 50.0,
        *,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__(max_size=max_templates, max_memory_mb=max_size_mb, clock=clock)

    def get_stats(self) -> dict[str, Any]:  # type: ignore[override]
        """Statistics as a dict, as the integration guide reads them (``stats["hit_rate"]``)."""
        stats = self.snapshot()
        return {**stats.as_dict(), "cached_templates": stats.current_size}
