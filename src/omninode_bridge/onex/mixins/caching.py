"""``MixinCaching``: an in-memory cache with per-entry TTL and LRU eviction."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar, cast

from omninode_bridge.onex.mixins.config import MixinCachingConfig, MixinMetricsConfig
from omninode_bridge.onex.mixins.hashing import hexdigest
from omninode_bridge.onex.mixins.metrics import MixinMetrics
from omninode_bridge.onex.node import NodeBase

__all__ = ["MixinCaching", "ModelCacheStats", "TTLCache"]

T = TypeVar("T")
_ABSENT: Final[Any] = object()


@dataclass(frozen=True, slots=True)
class ModelCacheStats:
    """Cache counters.

    Attributes:
        hits: Lookups that found a live entry.
        misses: Lookups that found nothing or an expired entry.
        evictions: Entries dropped because the cache was full (least recently used first).
        expirations: Entries dropped because their TTL passed.
        size: Live entries now.
        max_size: Capacity.
    """

    hits: int
    misses: int
    evictions: int
    expirations: int
    size: int
    max_size: int

    @property
    def hit_rate(self) -> float:
        """``hits / (hits + misses)``, 0.0 before any lookup."""
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0


class TTLCache:
    """A size-bounded LRU map whose entries expire after a TTL.

    Args:
        max_size: Capacity; inserting beyond it evicts the least recently used entry.
        ttl_seconds: Default time to live.
        clock: Monotonic clock in seconds (inject a fake one in tests).
    """

    def __init__(self, *, max_size: int, ttl_seconds: float, clock: Callable[[], float]) -> None:
        self.max_size = max_size
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self.hits = self.misses = self.evictions = self.expirations = 0

    def get(self, key: str, default: object = None) -> object:
        """The live value under ``key`` (refreshing its recency), else ``default``."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] <= self._clock():
            del self._entries[key]
            self.expirations += 1
            entry = None
        if entry is None:
            self.misses += 1
            return default
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[1]

    def set(self, key: str, value: object, *, ttl_seconds: float | None = None) -> None:
        """Store ``value``; evicts the least recently used entries beyond capacity."""
        ttl = self.ttl_seconds if ttl_seconds is None else ttl_seconds
        self._entries[key] = (self._clock() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)
            self.evictions += 1

    def delete(self, key: str) -> bool:
        """Remove ``key``; whether it was present."""
        return self._entries.pop(key, None) is not None

    def clear(self) -> None:
        """Remove every entry (counters are kept)."""
        self._entries.clear()

    def stats(self) -> ModelCacheStats:
        """Counters and size (expired entries still stored count until looked up)."""
        return ModelCacheStats(
            self.hits,
            self.misses,
            self.evictions,
            self.expirations,
            len(self._entries),
            self.max_size,
        )


class MixinCaching(NodeBase):
    """A TTL + LRU cache for the node's results, with concurrent-miss sharing.

    :meth:`cache_get_or_compute` runs ``compute`` once per key even when many
    tasks miss at the same time; the others await the same result. Entries are
    namespaced by ``cache_key_prefix``. With ``cache_enabled: false`` every
    lookup misses and nothing is stored. TTLs use the container's
    :data:`~omninode_bridge.onex.container.CLOCK`. When the node also has
    ``MixinMetrics`` with ``track_cache_hit_rate``, hits and misses are counted
    there as ``cache_hits_total`` and ``cache_misses_total``.

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinCachingConfig`.
    """

    def _on_configure(self) -> None:
        super()._on_configure()
        self._cache_config = self.mixin_config(MixinCachingConfig)
        self._cache = TTLCache(
            max_size=self._cache_config.max_cache_size,
            ttl_seconds=self._cache_config.cache_ttl_seconds,
            clock=self._clock,
        )
        self._pending_computations: dict[str, asyncio.Future[object]] = {}
        self._count_hits = (
            isinstance(self, MixinMetrics)
            and self.mixin_config(MixinMetricsConfig).track_cache_hit_rate
        )

    def make_cache_key(self, *parts: object) -> str:
        """A stable key from JSON-like parts (models, mappings, scalars).

        Raises:
            ModelOnexError: ``VALIDATION_ERROR`` for a part JSON cannot represent.
        """
        return hexdigest(list(parts))

    def cache_get(self, key: str, default: object = None) -> object:
        """The cached value under ``key``, else ``default``."""
        if not self._cache_config.cache_enabled:
            self._count_lookup(hit=False)
            return default
        value = self._cache.get(self._full_key(key), _ABSENT)
        self._count_lookup(hit=value is not _ABSENT)
        return default if value is _ABSENT else value

    def cache_set(self, key: str, value: object, *, ttl_seconds: float | None = None) -> None:
        """Store ``value`` under ``key`` (``ttl_seconds`` overrides the configured TTL)."""
        if self._cache_config.cache_enabled:
            self._cache.set(self._full_key(key), value, ttl_seconds=ttl_seconds)

    def cache_invalidate(self, key: str) -> bool:
        """Drop ``key``; whether it was cached."""
        return self._cache.delete(self._full_key(key))

    def cache_clear(self) -> None:
        """Drop every entry."""
        self._cache.clear()

    def cache_stats(self) -> ModelCacheStats:
        """Hits, misses, evictions, expirations and size."""
        return self._cache.stats()

    async def cache_get_or_compute(
        self,
        key: str,
        compute: Callable[[], Awaitable[T]],
        *,
        ttl_seconds: float | None = None,
    ) -> T:
        """The cached value under ``key``, computing and storing it on a miss.

        Concurrent misses on one key share one ``compute`` call; if it raises,
        every waiter gets the error and nothing is stored.
        """
        value = self.cache_get(key, _ABSENT)
        if value is not _ABSENT:
            return cast(T, value)
        pending = self._pending_computations.get(key)
        if pending is not None:
            return cast(T, await asyncio.shield(pending))
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._pending_computations[key] = future
        try:
            result = await compute()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # marks it retrieved when nobody else waits
            raise
        finally:
            self._pending_computations.pop(key, None)
        future.set_result(result)
        self.cache_set(key, result, ttl_seconds=ttl_seconds)
        return result

    def _full_key(self, key: str) -> str:
        return f"{self._cache_config.cache_key_prefix}{key}"

    def _count_lookup(self, *, hit: bool) -> None:
        if self._count_hits and isinstance(self, MixinMetrics):
            self.increment_counter("cache_hits_total" if hit else "cache_misses_total")

    async def _on_shutdown(self) -> None:
        self._cache.clear()
        await super()._on_shutdown()
