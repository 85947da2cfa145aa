"""Run the web app on uvicorn: on the caller's event loop or on a thread of its own.

The listening socket is bound and listening before serving starts, so the
bound port (``port=0`` picks a free one) is known at once and connections made
before the loop accepts them wait in the backlog instead of being refused.
Signals are left to the caller (``omninode serve`` installs its own handlers
and calls :meth:`WebServer.stop`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import threading
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from omninode_bridge.logs import get_logger

__all__ = ["WebServer", "is_loopback"]

log = get_logger(__name__, component="web")

#: Largest request head (request line and headers) uvicorn's h11 parser accepts.
MAX_HEADER_BYTES = 16 * 1024


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (127.0.0.0/8, ::1 or ``localhost``)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Server(uvicorn.Server):
    """uvicorn's server without its signal handlers; the owner calls ``stop``."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    return socket.create_server((host.strip("[]"), port), family=family, backlog=128)


class WebServer:
    """An ASGI app served by uvicorn on ``host:port``.

    Args:
        app: The ASGI application.
        host: Interface to bind.
        port: TCP port; 0 lets the OS choose (see :attr:`port`).
        limit_concurrency: Connections served at once before uvicorn answers 503.
        keep_alive_seconds: How long an idle keep-alive connection is kept.
        shutdown_seconds: Grace period for open requests when stopping.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        limit_concurrency: int = 64,
        keep_alive_seconds: int = 5,
        shutdown_seconds: int = 5,
    ) -> None:
        self._socket = _listening_socket(host, port)
        self._address = self._socket.getsockname()
        config = uvicorn.Config(
            app,
            http="h11",
            ws="none",
            lifespan="auto",  # the app's lifespan runs the alert loop
            log_config=None,
            access_log=False,
            server_header=False,
            limit_concurrency=limit_concurrency,
            timeout_keep_alive=keep_alive_seconds,
            timeout_graceful_shutdown=shutdown_seconds,
            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        )
        self._server = _Server(config)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        """Bound interface."""
        return str(self._address[0])

    @property
    def port(self) -> int:
        """Bound port."""
        return int(self._address[1])

    @property
    def url(self) -> str:
        """Base URL."""
        host = self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    async def serve(self) -> None:
        """Serve on the running loop until :meth:`stop`; closes the socket after."""
        log.info("serve.started", url=self.url)
        try:
            await self._server.serve(sockets=[self._socket])
        finally:
            self._socket.close()
            log.info("serve.stopped", url=self.url)

    def stop(self) -> None:
        """Ask the server to finish (safe from any thread or a signal handler)."""
        self._server.should_exit = True

    def start_thread(self) -> WebServer:
        """Serve on a daemon thread with its own event loop; returns self."""
        self._thread = threading.Thread(
            target=asyncio.run, args=(self.serve(),), name="omninode-serve", daemon=True
        )
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> None:
        """Stop and wait for the serving thread."""
        self.stop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
