"""The CLI as a user runs it: worker processes, a Dask cluster, cold start, regeneration.

Every figure is a fresh ``omninode`` process on distinct contracts (the
examples renamed, :mod:`synth`), timed from outside; baselines are measured
in the same run:

* ``cold_start``: ``omninode --help`` against ``python -c pass`` (same
  interpreter), best of several runs each; ``ratio`` is the one to keep <= 8.
* ``scaling``: N contracts (1, 10, 100, 1,000; quick: 1, 10, 40) with
  ``--workers 1``, ``--workers 2`` and ``--scheduler`` on a 2-worker Dask
  cluster (``dask scheduler`` + two ``dask worker --nthreads 1`` processes);
  wall time, per-contract time and the CLI process's peak RSS.
* ``batch_160``: the acceptance batch: 160 contracts, ``--workers 1`` and
  ``--workers 2`` alternated ``repeats`` times (best of each), ``speedup`` =
  workers-1 wall / workers-2 wall; ``identical_files`` compares every file
  with the run id and correlation id masked; then the same batch on the Dask
  cluster (``tasks_on_cluster`` / ``contracts``).
* ``ceiling``: the bound for any split of the batch in two on this machine:
  one ``--workers 0`` process on the 160 contracts against two ``--workers
  0`` processes at once on 80 each (separate folders and stores), and a bare
  CPU loop in one process against two (``cpu_loop_pair``). ``--workers 1``
  already runs two processes (the CLI and its worker), so its ratio to
  ``--workers 2`` stays below ``halves_speedup``.
* ``regeneration``: the batch again on its own unchanged output (nothing
  rendered or written) against the first run.
* ``recording``: 100 contracts recorded in the run history (SQLite) against
  the same run with ``--no-history``, alternated ``repeats`` times (best of
  each); ``overhead`` = recorded / unrecorded - 1 (target <= 0.15).
* No output is deleted until every figure is taken: on a journal-less ext4
  (this machine's), creating files within minutes of deleting thousands scans
  the recently freed inodes (``recently_deleted`` in the kernel) and made
  later runs up to 30% slower, most of it in the runs with fewer workers.
* CPU seconds: every generate row carries ``main_cpu_s`` (the CLI process)
  and ``worker_cpu_s`` (the tasks, measured in the workers), so a result on
  a shared machine can be read against the work done.

Run: ``python3 benchmarks/run.py --only cli`` (``--quick`` for smaller sizes);
``python3 benchmarks/bench_cli.py --only batch_160`` for the acceptance batch
alone (three alternations).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import write_contracts

_CLI = "import sys; from omninode_bridge.cli.app import main; sys.argv[0] = 'omninode'; main()"


def _omninode() -> list[str]:
    script = Path(sys.executable).parent / "omninode"
    return [str(script)] if script.exists() else [sys.executable, "-c", _CLI]


def _timed(args: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) of the process, stdout."""
    started = time.perf_counter()
    process = subprocess.Popen(
        args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{args[:3]} exited {process.returncode}: {out[-500:]}")
    return elapsed, int(usage.ru_maxrss), out


def cold_start(repeats: int = 7) -> dict[str, Any]:
    here = Path.cwd()
    bare = min(_timed([sys.executable, "-c", "pass"], here)[0] for _ in range(repeats))
    help_ = min(_timed([*_omninode(), "--help"], here)[0] for _ in range(repeats))
    generate_help = min(
        _timed([*_omninode(), "generate", "--help"], here)[0] for _ in range(repeats)
    )
    probe = (
        "import sys, io; from omninode_bridge.cli.app import main; sys.argv=['omninode','--help']\n"
        "real, sys.stdout = sys.stdout, io.StringIO()\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('typer', 'rich', 'sqlalchemy', 'alembic', 'omninode_bridge.quorum',"
        " 'distributed')\n"
        "real.write(','.join(m for m in heavy if m in sys.modules))"
    )
    imported = _timed([sys.executable, "-c", probe], here)[2].strip()
    return {
        "python_pass_ms": round(bare * 1000, 1),
        "omninode_help_ms": round(help_ * 1000, 1),
        "ratio": round(help_ / bare, 2),
        "generate_help_ms": round(generate_help * 1000, 1),
        "generate_help_ratio": round(generate_help / bare, 2),
        "heavy_modules_imported": [m for m in imported.split(",") if m],
    }


def _generate(
    contracts: Path, out: Path, mode: list[str], cwd: Path
) -> tuple[float, int, dict[str, Any]]:
    elapsed, rss, text = _timed(
        [*_omninode(), "generate", str(contracts), "--out", str(out), "--json", *mode], cwd
    )
    return elapsed, rss, json.loads(text)


def normalised_tree(root: Path, run: dict[str, Any]) -> dict[str, str]:
    """Every file's text, this run's id and correlation id (and manifest hashes) masked."""
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        text = text.replace(run["session_id"], "<run>").replace(run["correlation_id"], "<corr>")
        if path.name == ".omninode-manifest.json":
            text = re.sub(r'"sha256": "[0-9a-f]{64}"', '"sha256": "<h>"', text)
        files[str(path.relative_to(root))] = text
    return files


class _Cluster:
    """``dask scheduler`` and two single-threaded ``dask worker`` processes."""

    def __init__(self) -> None:
        tool = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
        if tool is None:
            raise RuntimeError("dask is not installed (pip install 'omninode-bridge[dask]')")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.processes = [
            subprocess.Popen(
                [tool, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                **quiet,  # type: ignore[call-overload]
            )
        ]
        for _ in range(2):
            self.processes.append(
                subprocess.Popen(
                    [tool, "worker", self.address, "--nthreads", "1", "--no-dashboard"],
                    **quiet,  # type: ignore[call-overload]
                )
            )
        wait = (
            "from distributed import Client\n"
            f"c = Client({self.address!r}, timeout=60); c.wait_for_workers(2, timeout=60)\n"
            "c.close()"
        )
        subprocess.run([sys.executable, "-c", wait], check=True, capture_output=True, timeout=120)

    def close(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _row(n: int, mode: str, elapsed: float, rss: int, run: dict[str, Any]) -> dict[str, Any]:
    return {
        "contracts": n,
        "mode": mode,
        "wall_s": round(elapsed, 3),
        "per_contract_ms": round(elapsed * 1000 / n, 2),
        "peak_rss_mb": round(rss / 1024, 1),
        "tasks": run["execution"]["tasks"],
        **_cpu(run),
    }


def _cpu(run: dict[str, Any]) -> dict[str, Any]:
    execution = run["execution"]
    return {k: execution.get(k) for k in ("main_cpu_s", "worker_cpu_s")}


def scaling(sizes: list[int], cluster: _Cluster | None, root: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for n in sizes:
        contracts = root / f"scale{n}"
        write_contracts(contracts, n)
        modes: list[tuple[str, list[str]]] = [
            ("workers=1", ["--workers", "1"]),
            ("workers=2", ["--workers", "2"]),
        ]
        if cluster is not None:
            modes.append(("dask-2", ["--scheduler", cluster.address]))
        for label, flags in modes:
            out = root / f"out-scale{n}-{label}"
            elapsed, rss, run = _generate(contracts, out, flags, root)
            rows.append(_row(n, label, elapsed, rss, run))
    return rows


def batch(n: int, repeats: int, cluster: _Cluster | None, root: Path) -> dict[str, Any]:
    contracts = root / f"batch{n}"
    write_contracts(contracts, n)
    walls: dict[str, list[float]] = {"1": [], "2": []}
    cpu: dict[str, list[dict[str, Any]]] = {"1": [], "2": []}
    trees: dict[str, dict[str, str]] = {}
    for i in range(repeats):
        for workers in ("1", "2"):
            out = root / f"batch-out-{workers}-{i}"
            elapsed, _, run = _generate(contracts, out, ["--workers", workers], root)
            walls[workers].append(elapsed)
            cpu[workers].append(_cpu(run))
            trees.setdefault(workers, normalised_tree(out, run))
    last = root / f"batch-out-2-{repeats - 1}"
    first_s = walls["2"][-1]
    regen_s, _, regen = _generate(contracts, last, ["--workers", "2"], root)
    result: dict[str, Any] = {
        "contracts": n,
        "repeats": repeats,
        "workers_1_wall_s": [round(w, 3) for w in walls["1"]],
        "workers_2_wall_s": [round(w, 3) for w in walls["2"]],
        "speedup": round(min(walls["1"]) / min(walls["2"]), 3),
        "workers_1_cpu_s": cpu["1"],
        "workers_2_cpu_s": cpu["2"],
        "identical_files": trees["1"] == trees["2"],
        "files": len(trees["1"]),
        "regeneration": {
            "first_run_s": round(first_s, 3),
            "no_change_s": round(regen_s, 3),
            "ratio": round(first_s / regen_s, 2),
            "fresh_packages": sum(p["fresh"] for p in regen["packages"]),
        },
    }
    if cluster is not None:
        out = root / "batch-out-dask"
        elapsed, _, run = _generate(contracts, out, ["--scheduler", cluster.address], root)
        execution = run["execution"]
        result["dask"] = {
            "wall_s": round(elapsed, 3),
            "identical_files": normalised_tree(out, run) == trees["1"],
            "tasks": execution["tasks"],
            "tasks_on_cluster": sum(execution["task_workers"].values()),
            "tasks_per_contract": round(sum(execution["task_workers"].values()) / n, 2),
            "task_workers": execution["task_workers"],
        }
    return result


def ceiling(n: int, repeats: int, root: Path) -> dict[str, Any]:
    """What this machine gives two processes that share nothing: the bound for any split in two.

    ``in_loop_s``: one ``--workers 0`` process (all the work in one process,
    one core) on the ``n`` contracts. ``halves_concurrent_s``: two
    ``--workers 0`` processes at once, each on half the contracts, in folders
    of their own (own store): no coordination, no shared state, each paying
    its own start. ``halves_speedup`` = in-loop / halves is the speed-up this
    machine's cores give a perfectly split batch; ``cpu_loop_pair`` the same
    for a bare CPU loop in two processes (no I/O, no start-up).
    """
    contracts = root / f"batch{n}"
    halves = [root / f"half{n}-{side}" for side in "ab"]
    for index, path in enumerate(sorted(contracts.iterdir())):
        target = halves[index % 2] / path.name
        target.parent.mkdir(exist_ok=True)
        shutil.copy2(path, target)
    walls: dict[str, list[float]] = {"in_loop": [], "halves": []}
    for i in range(repeats):
        cwd = root / f"in-loop-{i}"
        cwd.mkdir()
        walls["in_loop"].append(_generate(contracts, cwd / "out", ["--workers", "0"], cwd)[0])
        started = time.perf_counter()
        processes = []
        for side, half in zip("ab", halves, strict=True):
            cwd = root / f"halves-{i}-{side}"
            cwd.mkdir()
            command = [*_omninode(), "generate", str(half), "--out", "out", "--json"]
            processes.append(
                subprocess.Popen(
                    [*command, "--workers", "0"],
                    cwd=cwd,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        if any(process.wait() != 0 for process in processes):
            raise RuntimeError("a half run failed")
        walls["halves"].append(time.perf_counter() - started)
    in_loop, both = min(walls["in_loop"]), min(walls["halves"])
    return {
        "contracts": n,
        "repeats": repeats,
        "in_loop_s": [round(w, 3) for w in walls["in_loop"]],
        "halves_concurrent_s": [round(w, 3) for w in walls["halves"]],
        "halves_speedup": round(in_loop / both, 3),
        "cpu_loop_pair": _cpu_loop_pair(),
    }


_LOOP = "s = 0\nfor i in range(15_000_000):\n    s += i * i % 7\n"


def _cpu_loop_pair(repeats: int = 3) -> dict[str, Any]:
    """A bare CPU loop: twice in one process after the other, then in two processes at once."""
    ratios = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", _LOOP * 2], check=True)
        serial = time.perf_counter() - started
        started = time.perf_counter()
        pair = [subprocess.Popen([sys.executable, "-c", _LOOP]) for _ in range(2)]
        for process in pair:
            process.wait()
        ratios.append(round(serial / (time.perf_counter() - started), 3))
    return {"speedups": ratios, "best": max(ratios)}


def recording(n: int, repeats: int, root: Path) -> dict[str, Any]:
    """The same run recorded in the history store and with ``--no-history``."""
    contracts = root / f"record{n}"
    write_contracts(contracts, n)
    walls: dict[str, list[float]] = {"recorded": [], "unrecorded": []}
    cpu: dict[str, list[dict[str, Any]]] = {"recorded": [], "unrecorded": []}
    for i in range(repeats):
        for mode, flags in (("recorded", []), ("unrecorded", ["--no-history"])):
            out = root / f"record-out-{mode}-{i}"
            elapsed, _, run = _generate(contracts, out, ["--workers", "2", *flags], root)
            walls[mode].append(elapsed)
            cpu[mode].append(_cpu(run))
    recorded, unrecorded = min(walls["recorded"]), min(walls["unrecorded"])
    main = {m: min(c["main_cpu_s"] for c in cpu[m]) for m in cpu}
    return {
        "contracts": n,
        "repeats": repeats,
        "recorded_wall_s": [round(w, 3) for w in walls["recorded"]],
        "unrecorded_wall_s": [round(w, 3) for w in walls["unrecorded"]],
        "overhead": round(recorded / unrecorded - 1, 3),
        "main_cpu_s": main,
        "main_cpu_overhead": round(main["recorded"] / main["unrecorded"] - 1, 3),
    }


def run(quick: bool = False, *, only_batch: bool = False) -> dict[str, Any]:
    """Every part (or, with ``only_batch``, the acceptance batch alone, three alternations)."""
    sizes = [1, 10, 40] if quick else [1, 10, 100, 1000]
    root = Path(tempfile.mkdtemp(prefix="omninode-bench-cli-"))
    try:
        cluster: _Cluster | None = _Cluster()
    except (RuntimeError, subprocess.SubprocessError):
        cluster = None
    try:
        result: dict[str, Any] = {
            "cpus": os.cpu_count(),
            "load_average_at_start": list(os.getloadavg()),
        }
        if only_batch:
            result["batch_160"] = batch(40 if quick else 160, 1 if quick else 3, cluster, root)
            result["ceiling"] = ceiling(40 if quick else 160, 1 if quick else 3, root)
        else:
            result["cold_start"] = cold_start()
            result["recording"] = recording(40 if quick else 100, 2 if quick else 3, root)
            result["batch_160"] = batch(40 if quick else 160, 1 if quick else 2, cluster, root)
            result["ceiling"] = ceiling(40 if quick else 160, 1 if quick else 2, root)
            result["scaling"] = scaling(sizes, cluster, root)
        result["load_average_at_end"] = list(os.getloadavg())
        return result
    finally:
        if cluster is not None:
            cluster.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    only_batch = "--only" in sys.argv and sys.argv[sys.argv.index("--only") + 1] == "batch_160"
    print(json.dumps(run(quick=quick, only_batch=only_batch), indent=2))
