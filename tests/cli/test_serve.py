"""``omninode serve`` as a real process: scrape /metrics after the example runs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from omninode_bridge.engine.example import EXAMPLE_STAGE_NAMES

RUNS = 2
ITEMS = 2
CLI = "from omninode_bridge.cli.app import main; main()"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNINODE_")}
    env["OMNINODE_LOG_FORMAT"] = "json"
    return env


@pytest.fixture
def serve_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    args = [
        sys.executable,
        "-c",
        CLI,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--run-example",
        str(RUNS),
        "--example-items",
        str(ITEMS),
    ]
    log_path = tmp_path / "serve.log"
    with (
        log_path.open("w", encoding="utf-8") as log_file,
        subprocess.Popen(
            args, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=log_file, text=True
        ) as proc,
    ):
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline().strip()
            assert first.startswith("serving http://127.0.0.1:"), log_path.read_text()
            second = proc.stdout.readline().strip()
            assert second == f"example runs finished: {RUNS}", log_path.read_text()
            yield proc, first.removeprefix("serving ")
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)


def test_serve_exposes_workflow_histograms_health_and_runs(
    serve_process: tuple[subprocess.Popen[str], str],
) -> None:
    proc, url = serve_process
    with httpx.Client(base_url=url, timeout=10) as client:
        metrics = client.get("/metrics")
        health = client.get("/health")
        runs = client.get("/api/runs").json()
        alerts = client.get("/api/alerts").json()
    assert metrics.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(metrics.text)}

    def count(name: str, **labels: str) -> float:
        return sum(
            s.value
            for s in families[name].samples
            if s.name == f"{name}_count" and all(s.labels.get(k) == v for k, v in labels.items())
        )

    assert count("omninode_workflow_duration_seconds", status="completed") == RUNS
    for stage in EXAMPLE_STAGE_NAMES:
        assert count("omninode_stage_duration_seconds", stage_id=stage) == RUNS
        assert count("omninode_step_duration_seconds", stage_id=stage) == RUNS * ITEMS
    in_flight = families["omninode_workflows_in_flight"].samples[0].value
    assert in_flight == 0

    assert health.status_code == 200
    assert health.json()["components"]["database"]["status"] == "healthy"
    assert len(runs["recent"]) == RUNS
    assert len(runs["persisted"]) == RUNS
    assert alerts["statistics"]["rules"] == 21

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


def test_serve_rejects_a_bad_alert_config_with_one_message(tmp_path: Path) -> None:
    bad = tmp_path / "alerts.yaml"
    bad.write_text("rules:\n  - name: a\n    metric_name: m\n    threshold: high\n")
    proc = subprocess.run(
        [sys.executable, "-c", CLI, "serve", "--port", "0", "--alert-config", str(bad)],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "alerts.yaml, line 4: rules.0.threshold" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_serve_refuses_a_non_loopback_host_without_a_token(tmp_path: Path, host: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CLI, "serve", "--host", host, "--port", "0"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert f"--host {host}" in proc.stderr
    assert "OMNINODE_SERVE_TOKEN" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_serve_reports_a_port_in_use_with_one_message(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-c", CLI, "serve", "--no-database", "--port", str(port)],
            cwd=tmp_path,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 2
    assert f"--port {port}: cannot listen" in proc.stderr
    assert "Traceback" not in proc.stderr
