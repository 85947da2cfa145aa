"""WebServer on uvicorn and the loopback test used to decide whether a token is required."""

from __future__ import annotations

import httpx
import pytest
from starlette.responses import PlainTextResponse

from omninode_bridge.web import WebServer, is_loopback


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.internal", False),
    ],
    ids=lambda v: str(v),
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


def test_server_on_a_thread_serves_then_releases_its_port() -> None:
    server = WebServer(PlainTextResponse("hello"), port=0).start_thread()
    try:
        assert server.url == f"http://127.0.0.1:{server.port}"
        response = httpx.get(server.url, timeout=10)
    finally:
        server.join(timeout=30)
    assert response.text == "hello"
    assert "server" not in response.headers
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url, timeout=2)
