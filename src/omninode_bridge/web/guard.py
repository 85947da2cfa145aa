"""The request guard in front of every route of ``omninode serve``.

It keeps the server read-only and bounded whatever the routes do:

- only ``GET`` and ``HEAD`` (anything else is 405 with ``Allow``);
- a request body, a long query string or a long path is refused (413, 414);
- every request has a time limit (503 when it runs out before a response);
- with a token set, everything but the open paths (``/health``, ``/metrics``)
  needs it: an ``Authorization: Bearer`` header, the session cookie, or a
  ``?token=`` link, which sets the cookie and redirects to the same page
  without the token in its address;
- every response carries a strict Content-Security-Policy (only this server's
  own scripts and styles) and no-sniff/no-referrer headers.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omninode_bridge.logs import get_logger

__all__ = ["COOKIE_NAME", "GuardOptions", "RequestGuard"]

log = get_logger(__name__, component="web")

COOKIE_NAME = "omninode_token"
READ_METHODS = frozenset({"GET", "HEAD"})
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
_TOKEN_PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>omninode: token needed"
    "</title></head><body><h1>Token needed</h1><p>This server needs its access token "
    "(<code>OMNINODE_SERVE_TOKEN</code>). Open this page with <code>?token=...</code> "
    "added to the address once, or send <code>Authorization: Bearer ...</code>.</p>"
    "</body></html>"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardOptions:
    """Limits and the token the guard enforces.

    Attributes:
        token: Required for every path but ``open_paths``; None lets every request in.
        open_paths: Paths served without the token (health and metrics scrapers).
        max_body_bytes: Largest request body accepted (the routes read none).
        max_query_bytes: Longest query string accepted.
        max_path_bytes: Longest path accepted.
        request_timeout_seconds: Time one request may take before a 503.
    """

    token: str | None = None
    open_paths: frozenset[str] = frozenset({"/health", "/metrics"})
    max_body_bytes: int = 1024
    max_query_bytes: int = 2048
    max_path_bytes: int = 2048
    request_timeout_seconds: float = 15.0


class RequestGuard:
    """ASGI middleware enforcing :class:`GuardOptions` (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, options: GuardOptions) -> None:
        self.app = app
        self.options = options

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_security_headers(send)
        refusal = self._refusal(scope)
        if refusal is not None:
            await _respond(send, scope, *refusal)
            return
        await self._bounded(scope, receive, send)

    def _refusal(self, scope: Scope) -> tuple[int, str, list[tuple[str, str]]] | None:
        options = self.options
        headers = Headers(scope=scope)
        if scope["method"] not in READ_METHODS:
            return 405, "method not allowed: this server is read-only", [("allow", "GET, HEAD")]
        if len(scope.get("raw_path", b"")) > options.max_path_bytes:
            return 414, "path too long", []
        if len(scope.get("query_string", b"")) > options.max_query_bytes:
            return 414, "query string too long", []
        if "transfer-encoding" in headers or _content_length(headers) > options.max_body_bytes:
            return 413, "request body too large", []
        if options.token is None or scope["path"] in options.open_paths:
            return None
        return self._token_refusal(scope, headers, options.token)

    def _token_refusal(
        self, scope: Scope, headers: Headers, token: str
    ) -> tuple[int, str, list[tuple[str, str]]] | None:
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        offered = [value for name, value in query if name == "token"]
        if offered:
            if not _matches(offered, token):
                return 401, "wrong token", [("www-authenticate", "Bearer")]
            rest = urlencode([(n, v) for n, v in query if n != "token"])
            location = quote(scope["path"]) + (f"?{rest}" if rest else "")
            cookie = f"{COOKIE_NAME}={quote(token, safe='')}; Path=/; HttpOnly; SameSite=Strict"
            return 303, "token accepted", [("location", location), ("set-cookie", cookie)]
        auth = headers.get("authorization", "")
        scheme, _, credentials = auth.partition(" ")
        presented = [credentials.strip()] if scheme.lower() == "bearer" else []
        cookie_value = cookie_parser(headers.get("cookie", "")).get(COOKIE_NAME)
        if cookie_value is not None:
            presented.append(unquote(cookie_value))
        if _matches(presented, token):
            return None
        return 401, "token needed", [("www-authenticate", "Bearer")]

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            async with asyncio.timeout(self.options.request_timeout_seconds):
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            log.warning("web.request_timed_out", path=scope["path"])
            if not started:
                await _respond(send, scope, 503, "request took too long", [])


def _matches(candidates: Iterable[str], token: str) -> bool:
    expected = token.encode("utf-8")
    return any(hmac.compare_digest(c.encode("utf-8"), expected) for c in candidates)


def _content_length(headers: Headers) -> int:
    try:
        return int(headers.get("content-length", "0"))
    except ValueError:
        return 1 << 62


def _with_security_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in _SECURITY_HEADERS.items():
                if name not in headers:
                    headers[name] = value
        await send(message)

    return wrapped


async def _respond(
    send: Send, scope: Scope, status: int, message: str, extra: list[tuple[str, str]]
) -> None:
    accept = Headers(scope=scope).get("accept", "")
    if status == 401 and "text/html" in accept:
        body, media = _TOKEN_PAGE.encode("utf-8"), "text/html; charset=utf-8"
    else:
        body, media = json.dumps({"error": message}).encode("utf-8"), "application/json"
    headers = [
        (b"content-type", media.encode("latin-1")),
        (b"content-length", str(len(body)).encode("latin-1")),
        (b"cache-control", b"no-store"),
        *((name.encode("latin-1"), value.encode("latin-1")) for name, value in extra),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
