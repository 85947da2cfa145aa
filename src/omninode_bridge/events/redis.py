"""RedisStreamsEventBus: topics as Redis Streams with consumer groups.

``publish`` is ``XADD``; ``consume`` is ``XREADGROUP ... >`` (the group is
created on first use, reading from the start of the stream); ``ack`` is
``XACK``; ``claim_stale`` is ``XAUTOCLAIM``, which hands events a dead
consumer read but never acknowledged to a live one. An entry that is not a
valid event envelope is copied to ``<stream>:dead`` with the reason and
acknowledged, so it cannot block the group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omninode_bridge.errors import EventBusError
from omninode_bridge.events.bus import Delivery
from omninode_bridge.events.models import ModelEvent
from omninode_bridge.logs import get_logger

__all__ = ["RedisStreamsEventBus"]

log = get_logger(__name__, component="events")

_FIELD = b"event"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisStreamsEventBus:
    """Event bus on Redis Streams.

    Args:
        url: Redis URL (``redis://host:port/db``).
        client: A ``redis.asyncio.Redis`` to use instead of connecting to ``url``.
        key_prefix: Prefix of the stream keys (``omninode:events:<topic>``).
        max_len: Approximate cap of each stream's length (None keeps everything).
    """

    name = "redis"

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        client: Any = None,
        key_prefix: str = "omninode:events:",
        max_len: int | None = None,
    ) -> None:
        if client is None:
            from redis.asyncio import Redis

            client = Redis.from_url(url)
        self._redis = client
        self.key_prefix = key_prefix
        self.max_len = max_len
        self._groups: set[tuple[str, str]] = set()
        self.dead_lettered = 0

    def key(self, topic: str) -> str:
        """The stream key of ``topic``."""
        return f"{self.key_prefix}{topic}"

    async def _call(self, what: str, coro: Any) -> Any:
        from redis.exceptions import RedisError

        try:
            return await coro
        except RedisError as exc:
            raise EventBusError(f"redis {what} failed: {exc}") from exc

    async def ping(self) -> dict[str, Any]:
        """``PING`` the server (``/health``); raises ``EventBusError`` when it does not answer."""
        await self._call("PING", self._redis.ping())
        return {"reachable": True}

    async def publish(self, topic: str, event: ModelEvent) -> str:
        """``XADD`` the event envelope; returns the stream entry id."""
        entry_id = await self._call(
            "XADD",
            self._redis.xadd(
                self.key(topic), {_FIELD: event.to_json()}, maxlen=self.max_len, approximate=True
            ),
        )
        return _text(entry_id)

    async def _ensure_group(self, topic: str, group: str) -> None:
        if (topic, group) in self._groups:
            return
        from redis.exceptions import ResponseError

        try:
            await self._redis.xgroup_create(self.key(topic), group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise EventBusError(f"redis XGROUP CREATE failed: {exc}") from exc
        self._groups.add((topic, group))

    async def consume(
        self,
        topic: str,
        *,
        group: str,
        consumer: str,
        max_count: int = 100,
        block_ms: int = 0,
    ) -> list[Delivery]:
        """``XREADGROUP`` new entries for ``group`` as ``consumer``."""
        await self._ensure_group(topic, group)
        reply = await self._call(
            "XREADGROUP",
            self._redis.xreadgroup(
                group,
                consumer,
                {self.key(topic): ">"},
                count=max_count,
                block=block_ms if block_ms > 0 else None,
            ),
        )
        entries: list[tuple[Any, dict[Any, Any]]] = []
        for _stream, items in reply or []:
            entries.extend(items)
        return await self._deliveries(topic, group, consumer, entries, redelivered=False)

    async def _deliveries(
        self,
        topic: str,
        group: str,
        consumer: str,
        entries: Sequence[tuple[Any, dict[Any, Any] | None]],
        *,
        redelivered: bool,
    ) -> list[Delivery]:
        out = []
        for raw_id, fields in entries:
            entry_id = _text(raw_id)
            try:
                if not fields or _FIELD not in fields:
                    raise EventBusError("invalid event envelope: no 'event' field")
                event = ModelEvent.from_json(fields[_FIELD])
            except EventBusError as exc:
                await self._dead_letter(topic, group, entry_id, fields, str(exc))
                continue
            out.append(Delivery(topic, entry_id, event, group, consumer, redelivered))
        return out

    async def _dead_letter(
        self, topic: str, group: str, entry_id: str, fields: dict[Any, Any] | None, reason: str
    ) -> None:
        raw = (fields or {}).get(_FIELD, b"")
        await self._call(
            "XADD",
            self._redis.xadd(
                f"{self.key(topic)}:dead",
                {b"entry_id": entry_id, b"group": group, b"reason": reason, _FIELD: raw},
            ),
        )
        await self._call("XACK", self._redis.xack(self.key(topic), group, entry_id))
        self.dead_lettered += 1
        log.warning("events.dead_lettered", topic=topic, entry_id=entry_id, reason=reason)

    async def ack(self, delivery: Delivery) -> None:
        """``XACK`` the entry in its group."""
        await self._call(
            "XACK", self._redis.xack(self.key(delivery.topic), delivery.group, delivery.message_id)
        )

    async def claim_stale(
        self,
        topic: str,
        *,
        group: str,
        consumer: str,
        min_idle_ms: int,
        max_count: int = 100,
    ) -> list[Delivery]:
        """``XAUTOCLAIM`` entries idle for ``min_idle_ms`` to ``consumer``."""
        await self._ensure_group(topic, group)
        cursor: Any = "0-0"
        entries: list[tuple[Any, dict[Any, Any] | None]] = []
        while len(entries) < max_count:
            reply = await self._call(
                "XAUTOCLAIM",
                self._redis.xautoclaim(
                    self.key(topic),
                    group,
                    consumer,
                    min_idle_ms,
                    start_id=cursor,
                    count=max_count - len(entries),
                ),
            )
            cursor, claimed = reply[0], reply[1]
            entries.extend(claimed)
            if _text(cursor) == "0-0":
                break
        return await self._deliveries(topic, group, consumer, entries, redelivered=True)

    async def pending_count(self, topic: str, group: str) -> int:
        """Entries delivered in ``group`` and not yet acknowledged (``XPENDING``)."""
        summary = await self._call("XPENDING", self._redis.xpending(self.key(topic), group))
        return int(summary["pending"])

    async def delete_topic(self, topic: str) -> None:
        """Delete the stream of ``topic`` and its dead-letter stream."""
        await self._call("DEL", self._redis.delete(self.key(topic), f"{self.key(topic)}:dead"))
        self._groups = {g for g in self._groups if g[0] != topic}

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()
