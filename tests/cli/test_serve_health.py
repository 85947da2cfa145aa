"""``omninode serve``'s /health probes the configured event bus: a dead Redis or Kafka is
unhealthy (503, event_bus critical), a live Redis is healthy."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

CLI = "from omninode_bridge.cli.app import main; main()"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


def _health(tmp_path: Path, **settings: str) -> tuple[int, dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNINODE_")}
    env.update(settings)
    args = [sys.executable, "-c", CLI, "serve", "--port", "0", "--no-database"]
    with subprocess.Popen(
        args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline().strip()
            assert first.startswith("serving http://127.0.0.1:"), first
            with httpx.Client(base_url=first.removeprefix("serving "), timeout=30) as client:
                response = client.get("/health")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    return response.status_code, response.json()


def test_a_dead_redis_is_unhealthy(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    code, body = _health(tmp_path, OMNINODE_EVENT_BUS="redis", OMNINODE_REDIS_URL=url)
    assert code == 503, body
    event_bus = body["components"]["event_bus"]  # type: ignore[index]
    assert event_bus["status"] == "critical", body


def test_a_dead_kafka_is_unhealthy(tmp_path: Path) -> None:
    servers = f"127.0.0.1:{_closed_port()}"
    code, body = _health(
        tmp_path, OMNINODE_EVENT_BUS="kafka", OMNINODE_KAFKA_BOOTSTRAP_SERVERS=servers
    )
    assert code == 503, body
    event_bus = body["components"]["event_bus"]  # type: ignore[index]
    assert event_bus["status"] == "critical", body
    assert "unreachable" in str(event_bus["error"])


def test_a_live_redis_is_healthy(tmp_path: Path, redis_url: str) -> None:
    code, body = _health(tmp_path, OMNINODE_EVENT_BUS="redis", OMNINODE_REDIS_URL=redis_url)
    event_bus = body["components"]["event_bus"]  # type: ignore[index]
    assert event_bus["status"] == "healthy", body
    assert code == 200, body


@pytest.mark.parametrize("bus", ["memory"])
def test_the_in_process_bus_needs_no_probe(tmp_path: Path, bus: str) -> None:
    code, body = _health(tmp_path, OMNINODE_EVENT_BUS=bus)
    assert body["components"]["event_bus"]["status"] == "healthy", body  # type: ignore[index]
    assert code == 200
