"""Every JSON log line of an ``omninode generate`` run carries the run's correlation id."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_log_line_of_a_run_has_the_same_correlation_id(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OMNINODE_")}
    environ.update(OMNINODE_LOG_FORMAT="json", OMNINODE_LOG_LEVEL="DEBUG")
    code = "from omninode_bridge.cli.app import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", code, "generate", str(ROOT / "examples" / "contracts"),
         "--out", "out", "--json"],
        cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    events = {line["event"] for line in lines}
    assert "templates.started" in events and "workflow.started" in events
    ids = {line.get("correlation_id") for line in lines}
    run_id = json.loads(result.stdout)["correlation_id"]
    assert ids == {run_id}, [(x["event"], x.get("correlation_id")) for x in lines][:10]
