"""A local HTTP server on 127.0.0.1 speaking the quorum providers' wire formats.

The first path segment names a route (``/gemini/v1beta/models/...``,
``/glm/api/paas/v4/chat/completions``); each route answers from its own
script of replies. Every request is checked against the shape its provider
documents (path, headers, body); a wrong shape gets a 400 and is recorded in
``shape_errors``, which the fixture asserts empty at teardown.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

KEY_VARIABLES = (
    "GEMINI_API_KEY",
    "GLM_API_KEY",
    "CODESTRAL_API_KEY",
    "OMNINODE_QUORUM_CASSETTE",
    "OMNINODE_QUORUM_CASSETTE_MODE",
    "OMNINODE_QUORUM_CONFIG",
    "OMNINODE_QUORUM_ENABLED",
)


@dataclass
class Reply:
    """One scripted answer: status, JSON (dict) or raw (str) body, headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    delay: float = 0.0


@dataclass
class Seen:
    """One request the server received."""

    route: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


def verdict(vote: bool = True, confidence: float = 0.9, reasoning: str = "looks fine") -> str:
    """The JSON verdict text a model is asked to produce."""
    return json.dumps({"vote": vote, "confidence": confidence, "reasoning": reasoning})


def gemini_body(text: str, prompt_tokens: int = 1000, output_tokens: int = 50) -> dict[str, Any]:
    """A documented ``generateContent`` reply."""
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": text}]},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": output_tokens,
            "totalTokenCount": prompt_tokens + output_tokens,
        },
        "modelVersion": "gemini-1.5-pro",
    }


def chat_body(text: str, prompt_tokens: int = 1000, output_tokens: int = 50) -> dict[str, Any]:
    """A documented chat-completions reply (GLM, Mistral, OpenAI-style)."""
    return {
        "id": "cmpl-1",
        "object": "chat.completion",
        "created": 1732548590,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": output_tokens,
            "total_tokens": prompt_tokens + output_tokens,
        },
    }


_GEMINI_PATH = re.compile(r"/v1beta/models/[A-Za-z0-9.\-]+:generateContent$")


def _check_gemini(seen: Seen, key: str | None) -> list[str]:
    problems = []
    if not _GEMINI_PATH.search(seen.path):
        problems.append(f"path {seen.path} is not /v1beta/models/{{model}}:generateContent")
    if key is not None and seen.headers.get("x-goog-api-key") != key:
        problems.append("x-goog-api-key header missing or wrong")
    if "key" in seen.query:
        problems.append("API key must not travel in the URL")
    body = seen.body if isinstance(seen.body, dict) else {}
    try:
        text = body["contents"][0]["parts"][0]["text"]
        if not isinstance(text, str) or not text:
            problems.append("contents[0].parts[0].text empty")
    except (KeyError, IndexError, TypeError):
        problems.append("body lacks contents[0].parts[0].text")
    config = body.get("generationConfig")
    if not isinstance(config, dict):
        problems.append("body lacks generationConfig")
    elif not isinstance(config.get("maxOutputTokens"), int):
        problems.append("generationConfig.maxOutputTokens missing")
    return problems


def _check_chat(seen: Seen, key: str | None) -> list[str]:
    problems = []
    if key is not None and seen.headers.get("authorization") != f"Bearer {key}":
        problems.append("Authorization: Bearer header missing or wrong")
    if key is None and "authorization" in seen.headers:
        problems.append("unexpected Authorization header")
    body = seen.body if isinstance(seen.body, dict) else {}
    if not isinstance(body.get("model"), str) or not body.get("model"):
        problems.append("body lacks model")
    messages = body.get("messages")
    if not isinstance(messages, list) or [m.get("role") for m in messages] != ["system", "user"]:
        problems.append("messages must be [system, user]")
    if not isinstance(body.get("max_tokens"), int):
        problems.append("max_tokens missing")
    fmt = body.get("response_format")
    if fmt is not None and fmt != {"type": "json_object"}:
        problems.append(f"response_format {fmt!r} is not json_object")
    return problems


class ProviderServer:
    """Threaded HTTP/1.1 server with a reply script per route.

    The reply helpers hang off the class so test modules need no imports.
    """

    Reply = Reply
    verdict = staticmethod(verdict)
    gemini_body = staticmethod(gemini_body)
    chat_body = staticmethod(chat_body)

    def __init__(self) -> None:
        self.scripts: dict[str, deque[Reply]] = {}
        self.defaults: dict[str, Reply] = {}
        self.keys: dict[str, str | None] = {}
        self.seen: list[Seen] = []
        self.shape_errors: list[str] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, route: str, path: str = "") -> str:
        return f"{self.base}/{route}{path}"

    def script(self, route: str, *replies: Reply, key: str | None = None) -> None:
        with self._lock:
            self.scripts.setdefault(route, deque()).extend(replies)
            self.keys[route] = key

    def requests_for(self, route: str) -> list[Seen]:
        return [s for s in self.seen if s.route == route]

    def _next(self, route: str) -> Reply:
        with self._lock:
            queue = self.scripts.get(route)
            if queue and len(queue) > 1:
                return queue.popleft()
            if queue:
                return queue[0]
        return Reply(404, {"error": {"message": f"no script for route {route}"}})

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("content-length", "0"))
        raw = handler.rfile.read(length)
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")
        route = split.path.strip("/").split("/")[0]
        seen = Seen(
            route,
            split.path,
            parse_qs(split.query),
            {k.lower(): v for k, v in handler.headers.items()},
            body,
        )
        with self._lock:
            self.seen.append(seen)
        key = self.keys.get(route)
        if split.path.endswith(":generateContent"):
            problems = _check_gemini(seen, key)
        elif split.path.endswith("/chat/completions"):
            problems = _check_chat(seen, key)
        else:
            problems = [f"unknown endpoint {split.path}"]
        if problems:
            with self._lock:
                self.shape_errors.extend(f"{route}: {p}" for p in problems)
            reply = Reply(400, {"error": {"message": "; ".join(problems)}})
        else:
            reply = self._next(route)
        if reply.hang:
            self.release.wait(10)
        elif reply.delay:
            self.release.wait(reply.delay)
        self._respond(handler, reply)

    @staticmethod
    def _respond(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if isinstance(reply.body, str):
            payload, ctype = reply.body.encode(), "text/plain"
        else:
            payload, ctype = json.dumps(reply.body).encode(), "application/json"
        try:
            handler.send_response(reply.status)
            handler.send_header("content-type", ctype)
            handler.send_header("content-length", str(len(payload)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            pass  # the client gave up (timeout) and closed the socket

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                server._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def start(self) -> None:
        self._thread.start()

    def reset(self) -> None:
        """Forget scripts and requests; let any hanging handler finish."""
        self.release.set()
        with self._lock:
            self.scripts.clear()
            self.keys.clear()
            self.seen.clear()
            self.shape_errors.clear()
        self.release = threading.Event()

    def stop(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


@pytest.fixture(scope="session")
def _provider_server_session() -> Iterator[ProviderServer]:
    server = ProviderServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def provider_server(_provider_server_session: ProviderServer) -> Iterator[ProviderServer]:
    """The local :class:`ProviderServer`, reset; asserts every request had the documented shape."""
    server = _provider_server_session
    server.reset()
    yield server
    errors = list(server.shape_errors)
    server.reset()
    assert errors == []


class FakeSleep:
    """Records requested waits instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture(autouse=True)
def _no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's real keys or cassette settings."""
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
