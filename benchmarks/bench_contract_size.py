"""Contract size: ``omninode generate`` on contracts of 10 to 10,000 fields.

Each size runs the real CLI in a fresh process (its own store) and records
wall time, CPU time (user + system) and peak RSS of that process
(``RUSAGE_CHILDREN`` max RSS of the one child), the exit code and the size of
the generated ``tests/test_models.py``. Contracts over the documented limit
(``contracts.values.MAX_FIELDS``, 1,000 fields) are refused with exit 2 before
any costly work. Baseline, in the same run: ``omninode --help`` (the process
start and import cost every size pays).

Run: ``python3 benchmarks/run.py --only contract_size`` (or this file directly).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_LAUNCH = "from omninode_bridge.cli.app import main; main()"


def wide_contract(fields: int) -> str:
    """A node_id contract with ``fields`` schema fields in all."""
    lines = [
        "node_id: wide_node",
        "node_type: effect",
        "version: v1_0_0",
        "metadata:",
        "  service_name: wide",
        "  domain: bench",
        "  description: A contract with many fields",
        "input_schema:",
        "  type: object",
        "  properties:",
    ]
    for index in range(fields - 1):
        lines += [f"    field_{index}:", "      type: string", "      maxLength: 20"]
    lines += ["output_schema:", "  type: object", "  properties:", "    result:"]
    lines += ["      type: string"]
    return "\n".join(lines) + "\n"


def _measure(args: list[str], cwd: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNINODE_")}
    env["OMNINODE_HOME"] = str(cwd / "home")
    env["OMNINODE_DATABASE_URL"] = f"sqlite:///{cwd / 'home' / 'omninode.db'}"
    # A forked helper runs the CLI, so RUSAGE_CHILDREN of the helper is this run only.
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "start = time.perf_counter()\n"
        "code = subprocess.run(sys.argv[1:], capture_output=True).returncode\n"
        "wall = time.perf_counter() - start\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'exit_code': code, 'wall_s': round(wall, 3),"
        " 'cpu_s': round(u.ru_utime + u.ru_stime, 3),"
        " 'peak_rss_mb': round(u.ru_maxrss / 1024, 1)}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-c", _LAUNCH, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def run(quick: bool = False) -> dict[str, Any]:
    sizes = (10, 100, 1_000, 10_000) if not quick else (10, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        baseline = _measure(["--help"], root)
        rows = []
        for fields in sizes:
            work = root / f"f{fields}"
            work.mkdir()
            (work / "wide.yaml").write_text(wide_contract(fields), encoding="utf-8")
            row = {"fields": fields, **_measure(["generate", "wide.yaml", "--out", "out"], work)}
            tests = work / "out" / "wide" / "v1_0_0" / "tests" / "test_models.py"
            row["test_models_bytes"] = tests.stat().st_size if tests.exists() else None
            row["refused"] = row["exit_code"] == 2
            rows.append(row)
    return {
        "baseline_help": baseline,
        "sizes": rows,
        "limit_fields": 1_000,
        "max_peak_rss_mb": max(r["peak_rss_mb"] for r in rows),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "ru_maxrss_unit": "KiB on Linux" if sys.platform.startswith("linux") else "platform",
        "rusage_self_max_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
