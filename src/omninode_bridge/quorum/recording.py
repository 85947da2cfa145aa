"""Record provider exchanges to files and replay them, as an httpx transport.

Set ``OMNINODE_QUORUM_CASSETTE`` to a folder and ``OMNINODE_QUORUM_CASSETTE_MODE``
to ``record`` to call the real providers and keep every exchange, or to
``replay`` (the default once a folder is set) to answer from the folder with no
network at all, so CI runs the quorum offline and deterministically.

Each request is keyed by its method, URL (without a ``key`` query parameter)
and canonical JSON body, so parallel calls replay in any order. Repeated
requests with one key (retries) replay their responses in recorded order.
Nothing secret is stored: request headers are never written and only the
``content-type`` and ``retry-after`` response headers are kept.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from omninode_bridge.atomic import atomic_write_text
from omninode_bridge.errors import ConfigError
from omninode_bridge.logs import get_logger
from omninode_bridge.quorum.errors import RecordingMissingError

__all__ = [
    "CASSETTE_ENV",
    "CASSETTE_MODE_ENV",
    "RecordMode",
    "RecordingTransport",
    "request_key",
    "transport_from_env",
]

log = get_logger(__name__, component="quorum")

CASSETTE_ENV = "OMNINODE_QUORUM_CASSETTE"
CASSETTE_MODE_ENV = "OMNINODE_QUORUM_CASSETTE_MODE"
_KEPT_HEADERS = ("content-type", "retry-after")
_SECRET_PARAMS = frozenset({"key", "api_key", "apikey"})


class RecordMode(enum.StrEnum):
    """Whether a :class:`RecordingTransport` calls the network or answers from files."""

    RECORD = "record"
    REPLAY = "replay"


@dataclass(frozen=True, slots=True)
class _Recorded:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: str


def _public_url(url: httpx.URL) -> str:
    params = [(k, v) for k, v in parse_qsl(url.query.decode()) if k.lower() not in _SECRET_PARAMS]
    base = str(url.copy_with(query=None))
    return f"{base}?{urlencode(params)}" if params else base


def _canonical_body(content: bytes) -> str:
    try:
        return json.dumps(json.loads(content), sort_keys=True, separators=(",", ":"))
    except (ValueError, UnicodeDecodeError):
        return content.decode("utf-8", errors="replace")


def request_key(request: httpx.Request) -> str:
    """Stable key of a request: method, public URL and canonical body, hashed."""
    material = "\n".join(
        [request.method, _public_url(request.url), _canonical_body(request.content)]
    )
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


class RecordingTransport(httpx.AsyncBaseTransport):
    """An httpx transport that records exchanges to a folder or replays them.

    Args:
        directory: Folder holding one JSON file per request key.
        mode: ``record`` forwards to ``inner`` and writes; ``replay`` only reads.
        inner: Transport used in record mode (a pooled ``AsyncHTTPTransport``
            by default).
    """

    def __init__(
        self,
        directory: Path | str,
        mode: RecordMode | str = RecordMode.REPLAY,
        *,
        inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.mode = RecordMode(mode)
        self._inner = inner
        self._recorded: dict[str, list[_Recorded]] = {}
        self._replayed: dict[str, int] = {}

    def _path(self, request: httpx.Request, key: str) -> Path:
        host = request.url.host.replace(":", "_") or "local"
        return self.directory / f"{host}-{key}.json"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer ``request`` from the folder (replay) or the network (record)."""
        await request.aread()
        key = request_key(request)
        path = self._path(request, key)
        if self.mode is RecordMode.REPLAY:
            return await self._replay(request, key, path)
        return await self._record(request, key, path)

    def _read(self, request: httpx.Request, path: Path) -> list[dict[str, Any]]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RecordingMissingError(
                f"no recorded exchange for {request.method} {_public_url(request.url)} "
                f"in {self.directory} (record it with {CASSETTE_MODE_ENV}=record)"
            ) from None
        except (OSError, ValueError) as exc:
            raise RecordingMissingError(f"{path}: cannot read recorded exchange: {exc}") from exc
        responses = data.get("responses") if isinstance(data, dict) else None
        if not responses:
            raise RecordingMissingError(f"{path}: no responses recorded")
        return list(responses)

    async def _replay(self, request: httpx.Request, key: str, path: Path) -> httpx.Response:
        responses = await asyncio.to_thread(self._read, request, path)
        index = self._replayed.get(key, 0)
        self._replayed[key] = index + 1
        item = responses[min(index, len(responses) - 1)]
        return httpx.Response(
            status_code=int(item["status"]),
            headers=[(str(k), str(v)) for k, v in item.get("headers", [])],
            content=str(item.get("body", "")).encode(),
            request=request,
        )

    async def _record(self, request: httpx.Request, key: str, path: Path) -> httpx.Response:
        if self._inner is None:
            self._inner = httpx.AsyncHTTPTransport()
        response = await self._inner.handle_async_request(request)
        try:
            body = (await response.aread()).decode("utf-8", errors="replace")
        finally:
            await response.aclose()
        kept = tuple(
            (name, response.headers[name]) for name in _KEPT_HEADERS if name in response.headers
        )
        entry = _Recorded(response.status_code, kept, body)
        self._recorded.setdefault(key, []).append(entry)
        await asyncio.to_thread(_write_atomic, path, self._document(request, self._recorded[key]))
        log.debug("quorum.exchange_recorded", path=str(path), status=response.status_code)
        return httpx.Response(
            status_code=entry.status, headers=list(kept), content=body.encode(), request=request
        )

    @staticmethod
    def _document(request: httpx.Request, entries: list[_Recorded]) -> dict[str, Any]:
        return {
            "request": {
                "method": request.method,
                "url": _public_url(request.url),
                "body": _canonical_body(request.content),
            },
            "responses": [
                {"status": e.status, "headers": [list(h) for h in e.headers], "body": e.body}
                for e in entries
            ],
        }

    async def aclose(self) -> None:
        """Close the inner transport, if one was opened."""
        if self._inner is not None:
            await self._inner.aclose()


def transport_from_env(environ: Mapping[str, str] | None = None) -> RecordingTransport | None:
    """A :class:`RecordingTransport` when ``OMNINODE_QUORUM_CASSETTE`` is set, else None.

    Raises:
        ConfigError: ``OMNINODE_QUORUM_CASSETTE_MODE`` is not ``record`` or ``replay``.
    """
    env = os.environ if environ is None else environ
    directory = env.get(CASSETTE_ENV, "")
    if not directory:
        return None
    raw_mode = env.get(CASSETTE_MODE_ENV, "") or RecordMode.REPLAY.value
    try:
        mode = RecordMode(raw_mode.lower())
    except ValueError:
        raise ConfigError(
            f"{CASSETTE_MODE_ENV}: expected 'record' or 'replay', got {raw_mode!r}"
        ) from None
    return RecordingTransport(directory, mode)
