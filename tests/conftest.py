"""Shared fixtures: real services on 127.0.0.1, skipped or required.

Tests that need PostgreSQL or Redis take the ``postgres_url`` / ``redis_url``
fixtures. When the service does not answer they skip with the reason, unless
``OMNINODE_REQUIRE_SERVICES=1`` is set (CI sets it), in which case they fail.
"""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import logging
import os
import socket
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
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


@pytest.fixture(autouse=True)
def _close_idle_event_loop(request: pytest.FixtureRequest) -> None:
    """Before a synchronous test, close the idle loop an earlier async test left current.

    A command run with ``asyncio.run`` in this thread replaces the current loop
    without closing it; the orphan would raise a ResourceWarning in whichever
    later test the garbage collector happens to run in.
    """
    if inspect.iscoroutinefunction(getattr(request, "function", None)):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:  # no loop set: nothing to close
            return
    if not loop.is_running():
        loop.close()
    asyncio.set_event_loop(None)


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


#: The public ONEX packages whose node contracts are the real-world corpus.
ONEX_WHEELS = ("omnibase-infra==0.38.76", "omnibase-core==0.47.57")
#: Node contracts inside those wheels.
_CORPUS_GLOBS = (
    "omnibase_infra/nodes/*/contract.yaml",
    "omnibase_core/nodes/*/contract.yaml",
    "omnibase_core/contracts/runtime/*.yaml",
)
CORPUS_CACHE = Path(
    os.environ.get("OMNINODE_CORPUS_CACHE", Path.home() / ".cache" / "omninode-bridge" / "wheels")
)


def _download_wheels(target: Path) -> list[Path]:
    """The pinned wheels, downloaded once into ``target`` (pip's own index settings)."""
    wheels = sorted(target.glob("omnibase_*.whl"))
    if len(wheels) >= len(ONEX_WHEELS):
        return wheels
    target.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
               "--only-binary=:all:", "--python-version", "3.12", "--dest", str(target),
               *ONEX_WHEELS]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if completed.returncode != 0:
        reason = f"cannot download {', '.join(ONEX_WHEELS)}: {completed.stderr.strip()[-300:]}"
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} and OMNINODE_REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(reason)
    return sorted(target.glob("omnibase_*.whl"))


@pytest.fixture(scope="session")
def onex_corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every node contract of the pinned omnibase-infra / omnibase-core wheels, as files.

    The wheels are downloaded once and cached (``OMNINODE_CORPUS_CACHE``, by
    default ``~/.cache/omninode-bridge/wheels``), never committed. Without the
    package index the tests skip, or fail under ``OMNINODE_REQUIRE_SERVICES=1``.
    """
    root = tmp_path_factory.mktemp("onex-corpus")
    contracts: list[Path] = []
    for wheel in _download_wheels(CORPUS_CACHE):
        with zipfile.ZipFile(wheel) as archive:
            for name in sorted(archive.namelist()):
                if any(Path(name).match(pattern) for pattern in _CORPUS_GLOBS):
                    archive.extract(name, root)
                    contracts.append(root / name)
    return contracts


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
