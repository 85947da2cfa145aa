"""Shared fixtures: real services on 127.0.0.1, skipped or required.

Tests that need PostgreSQL or Redis take the ``postgres_url`` / ``redis_url``
fixtures. When the service does not answer they skip with the reason, unless
``OMNINODE_REQUIRE_SERVICES=1`` is set (CI sets it), in which case they fail.
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from omninode_bridge.logs import configure_logging

REQUIRE_SERVICES = os.environ.get("OMNINODE_REQUIRE_SERVICES") == "1"

POSTGRES_URL = os.environ.get(
    "OMNINODE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("OMNINODE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _need_service(name: str, host: str, port: int) -> None:
    if _port_open(host, port):
        return
    reason = f"{name} is not reachable on {host}:{port}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} and OMNINODE_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """SQLAlchemy URL of the test PostgreSQL database (skips or fails when absent)."""
    _need_service("PostgreSQL", "127.0.0.1", 5432)
    return POSTGRES_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the test Redis database (skips or fails when absent)."""
    _need_service("Redis", "127.0.0.1", 6379)
    return REDIS_URL


@dataclass
class LogCapture:
    """JSON lines written through :func:`configure_logging` into a buffer."""

    buffer: io.StringIO

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.buffer.getvalue().splitlines() if line]


@pytest.fixture
def log_capture() -> Iterator[LogCapture]:
    """Route every log line to an in-memory buffer as JSON, restore afterwards."""
    root = logging.getLogger()
    level = root.level
    buffer = io.StringIO()
    handlers = configure_logging(level="INFO", log_format="json", stream=buffer)
    yield LogCapture(buffer)
    for handler in handlers:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
