"""``omninode generate --workers N`` and ``--scheduler``: same files, work spread out.

The Dask tests start a real scheduler and two workers as separate processes
(``dask scheduler`` / ``dask worker``) and run the CLI as a user does, in its
own process; one test kills a worker in the middle of the run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "contracts"
_STEMS = {
    "distributed_lock_effect.yaml": "distributed_lock",
    "event_aggregator_reducer.yaml": "event_aggregator",
    "order_pricing_compute.yaml": "order_pricing",
}


def write_contracts(target: Path, count: int) -> Path:
    """``count`` distinct contracts: the examples with their name stem numbered."""
    target.mkdir(parents=True)
    names = sorted(_STEMS)
    for i in range(count):
        name = names[i % 3]
        stem = _STEMS[name]
        text = (EXAMPLES / name).read_text(encoding="utf-8").replace(stem, f"{stem}_n{i}")
        (target / f"{stem}_n{i}.yaml").write_text(text, encoding="utf-8")
    return target


def omninode(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    code = "import sys; from omninode_bridge.cli.app import main; sys.argv[0] = 'omninode'; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def finish(process: subprocess.Popen[str], timeout: float = 240) -> dict[str, Any]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-2000:]
    document: dict[str, Any] = json.loads(out)
    return document


def normalised_tree(root: Path, run: dict[str, Any]) -> dict[str, str]:
    """Every file's text with this run's id and correlation id (and the hashes
    of the manifests, which cover them) replaced by fixed tokens."""
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or ".omninode" in path.parts[len(root.parts) :][:1]:
            continue
        text = path.read_text(encoding="utf-8")
        text = text.replace(run["session_id"], "<run>").replace(run["correlation_id"], "<corr>")
        if path.name == ".omninode-manifest.json":
            text = re.sub(r'"sha256": "[0-9a-f]{64}"', '"sha256": "<h>"', text)
        files[str(path.relative_to(root))] = text
    return files


def test_workers_2_writes_the_same_files_as_workers_1_and_in_loop(tmp_path: Path) -> None:
    contracts = write_contracts(tmp_path / "contracts", 6)
    trees = {}
    for workers in ("0", "1", "2"):
        out = tmp_path / f"out{workers}"
        run = finish(
            omninode("generate", str(contracts), "--out", str(out), "--json", "--workers", workers)
        )
        execution = run["execution"]
        if workers == "0":
            assert execution["backend"] == "in-loop"
        else:
            assert execution["backend"] == "processes"
            assert execution["workers"] == int(workers)
            assert execution["tasks"] == 6 * 6  # parse..package, one task each per contract
        trees[workers] = normalised_tree(out, run)
    assert len(trees["0"]) > 6 * 10
    assert trees["1"] == trees["0"]
    assert trees["2"] == trees["0"]


def recorded_template_cache(
    tmp_path: Path, name: str, contracts: Path, *options: str
) -> tuple[float, dict[str, tuple[int, int]]]:
    """One run in a store of its own: ``omninode stats``' template cache hit rate, and
    the hits and misses recorded per template."""
    store = tmp_path / f"{name}.db"
    env = {"OMNINODE_DATABASE_URL": f"sqlite+aiosqlite:///{store}"}
    out = str(tmp_path / name)
    finish(omninode("generate", str(contracts), "--out", out, "--json", *options, env=env))
    stats = finish(omninode("stats", "--json", env=env))
    hits = sum(
        round(row["avg_cache_hits"] * row["template_count"]) for row in stats["template_cache"]
    )
    gauge = next(m for m in stats["metrics"] if m["metric_name"] == "template_cache_hit_rate")
    assert hits > 0
    with sqlite3.connect(store) as db:
        rows = db.execute(
            "SELECT template_name, cache_hits, cache_misses FROM template_cache_metadata"
        )
        per_template = {str(n): (int(h), int(m)) for n, h, m in rows}
    assert sum(h for h, _ in per_template.values()) == hits
    return float(gauge["avg"]), per_template


def test_renders_in_worker_processes_are_recorded_as_the_in_loop_ones(tmp_path: Path) -> None:
    contracts = write_contracts(tmp_path / "contracts", 6)
    in_loop_rate, in_loop = recorded_template_cache(tmp_path, "w0", contracts, "--workers", "0")
    for workers in ("1", "2"):
        rate, per_template = recorded_template_cache(
            tmp_path, f"w{workers}", contracts, "--workers", workers
        )
        assert rate == pytest.approx(in_loop_rate, abs=1e-4)
        assert per_template == in_loop


def test_omninode_workers_environment_variable_sets_the_pool(tmp_path: Path) -> None:
    contracts = write_contracts(tmp_path / "contracts", 2)
    run = finish(
        omninode(
            "generate",
            str(contracts),
            "--out",
            str(tmp_path / "o"),
            "--json",
            env={"OMNINODE_WORKERS": "1"},
        )
    )
    assert run["execution"]["backend"] == "processes"
    assert run["execution"]["workers"] == 1


def test_bad_scheduler_address_is_one_clear_message(tmp_path: Path) -> None:
    contracts = write_contracts(tmp_path / "contracts", 2)
    process = omninode(
        "generate", str(contracts), "--out", str(tmp_path / "o"), "--scheduler", "not-an-address"
    )
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2
    assert "tcp://HOST:PORT" in err
    assert "Traceback" not in err + out
    assert not (tmp_path / "o").exists()


# -- Dask -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _dask() -> str:
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    tool = shutil.which("dask", path=str(Path(sys.executable).parent))
    if tool is None:
        pytest.skip("the dask command is not installed")
    return tool


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A scheduler and two single-threaded workers, each its own process."""
    tool = _dask()
    address = f"tcp://127.0.0.1:{_free_port()}"
    logs = (tmp_path / "dask.log").open("wb")
    port = address.rsplit(":", 1)[1]
    processes = [
        subprocess.Popen(
            [tool, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
            stdout=logs,
            stderr=logs,
        )
    ]
    workers = [
        subprocess.Popen(
            [tool, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard"],
            stdout=logs,
            stderr=logs,
        )
        for _ in range(2)
    ]
    processes += workers
    try:
        _wait_for_workers(address, 2)
        yield address, workers
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        logs.close()


def _wait_for_workers(address: str, count: int) -> None:
    code = (
        "import sys; from distributed import Client\n"
        f"c = Client({address!r}, timeout=60); c.wait_for_workers({count}, timeout=60)\n"
        "c.close()"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, capture_output=True)


def test_scheduler_runs_the_work_on_the_cluster_with_the_same_files(
    tmp_path: Path, cluster: tuple[str, list[subprocess.Popen[bytes]]]
) -> None:
    address, _ = cluster
    contracts = write_contracts(tmp_path / "contracts", 6)
    local = finish(
        omninode(
            "generate", str(contracts), "--out", str(tmp_path / "local"), "--json", "--workers", "1"
        )
    )
    run = finish(
        omninode(
            "generate",
            str(contracts),
            "--out",
            str(tmp_path / "dask"),
            "--json",
            "--scheduler",
            address,
        )
    )
    execution = run["execution"]
    assert execution["backend"] == "dask"
    assert execution["workers"] == 2
    assert execution["tasks"] == 6 * 6
    assert sum(execution["task_workers"].values()) == execution["tasks"]
    assert normalised_tree(tmp_path / "dask", run) == normalised_tree(tmp_path / "local", local)


def test_renders_on_the_cluster_are_recorded(
    tmp_path: Path, cluster: tuple[str, list[subprocess.Popen[bytes]]]
) -> None:
    address, _ = cluster
    contracts = write_contracts(tmp_path / "contracts", 6)
    _, in_loop = recorded_template_cache(tmp_path, "w0", contracts, "--workers", "0")
    _, dask = recorded_template_cache(tmp_path, "dask", contracts, "--scheduler", address)
    # one lookup per render wherever it ran; a worker's first render of a template
    # misses (the cluster's workers start cold), so per template at most two more misses
    assert {k: sum(v) for k, v in dask.items()} == {k: sum(v) for k, v in in_loop.items()}
    assert all(in_loop[k][1] <= misses <= in_loop[k][1] + 2 for k, (_, misses) in dask.items())


def test_scheduler_from_the_environment(
    tmp_path: Path, cluster: tuple[str, list[subprocess.Popen[bytes]]]
) -> None:
    address, _ = cluster
    contracts = write_contracts(tmp_path / "contracts", 2)
    run = finish(
        omninode(
            "generate",
            str(contracts),
            "--out",
            str(tmp_path / "o"),
            "--json",
            env={"OMNINODE_DASK_SCHEDULER": address},
        )
    )
    assert run["execution"]["backend"] == "dask"


@pytest.mark.timeout(400)
def test_a_worker_killed_mid_run_loses_nothing(
    tmp_path: Path, cluster: tuple[str, list[subprocess.Popen[bytes]]]
) -> None:
    address, workers = cluster
    count = 24
    contracts = write_contracts(tmp_path / "contracts", count)
    local = finish(
        omninode(
            "generate", str(contracts), "--out", str(tmp_path / "local"), "--json", "--workers", "1"
        )
    )
    process = omninode(
        "generate",
        str(contracts),
        "--out",
        str(tmp_path / "dask"),
        "--json",
        "--scheduler",
        address,
    )
    try:
        _wait_for_tasks(address, 10)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=20)
        run = finish(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert run["success"]
    assert len(run["packages"]) == count
    assert run["execution"]["tasks"] == count * 6
    assert normalised_tree(tmp_path / "dask", run) == normalised_tree(tmp_path / "local", local)
    # every package written once: one manifest per package, no leftover temp files
    assert len(list((tmp_path / "dask").rglob(".omninode-manifest.json"))) == count
    assert not [p for p in (tmp_path / "dask").rglob("*") if p.name.startswith(".tmp")]


def _wait_for_tasks(address: str, count: int, timeout: float = 120) -> None:
    """Until the scheduler has seen ``count`` task transitions (the run has started)."""
    code = (
        "import sys\nfrom distributed import Client\n"
        f"c = Client({address!r}, timeout=30)\n"
        "print(c.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter))\n"
        "c.close()"
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if done.returncode == 0 and int(done.stdout.strip() or 0) >= count:
            return
        time.sleep(0.2)
    raise AssertionError("the run did not start on the cluster")


def test_bad_contract_parsed_in_a_worker_is_one_clear_message(tmp_path: Path) -> None:
    contracts = write_contracts(tmp_path / "contracts", 2)
    bad = next(contracts.glob("*.yaml"))
    lines = bad.read_text(encoding="utf-8").splitlines()
    lines.append("node_type: not_a_node_type")  # a value the schema refuses
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    process = omninode("generate", str(contracts), "--out", str(tmp_path / "o"), "--workers", "1")
    out, err = process.communicate(timeout=240)
    assert process.returncode == 2, out + err
    assert bad.name in err and "node_type" in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "o").exists()  # nothing half-written


@pytest.mark.parametrize("second", ["missing.yaml", "bad"], ids=["missing-file", "invalid"])
def test_workers_started_early_end_with_a_bad_input_run_quietly(
    tmp_path: Path, second: str
) -> None:
    """The workers start before the contracts are read; a refused run stops them cleanly."""
    contracts = write_contracts(tmp_path / "in", 2)
    first = sorted(contracts.iterdir())[0]
    if second == "bad":
        bad = tmp_path / "bad.yaml"
        bad.write_text("name: [unclosed\n", encoding="utf-8")
        second = str(bad)
    process = omninode(
        "generate", str(first), second, "--out", str(tmp_path / "out"), "--workers", "2"
    )
    started = time.perf_counter()
    _out, err = process.communicate(timeout=120)
    elapsed = time.perf_counter() - started
    assert process.returncode == 2, err
    assert "Traceback" not in err, err  # no worker left to fail after the command exited
    assert elapsed < 60, f"{elapsed:.1f} s: {err}"  # stopping the workers does not hang
    assert not (tmp_path / "out").exists()


_NO_GUARD_DRIVER = """\
import sys
from omninode_bridge.cli.app import main
sys.argv = ["omninode", "generate", {contracts!r}, "--out", {out!r}, "--workers", "2"]
main()
"""


@pytest.mark.timeout(120)
def test_a_driver_script_without_a_main_guard_fails_in_one_line(tmp_path: Path) -> None:
    """Each worker process re-imports the script (which runs the command again): one error."""
    contracts = write_contracts(tmp_path / "contracts", 3)
    out = tmp_path / "out"
    driver = tmp_path / "drive.py"
    driver.write_text(_NO_GUARD_DRIVER.format(contracts=str(contracts), out=str(out)))
    done = subprocess.run(
        [sys.executable, str(driver)], capture_output=True, text=True, timeout=90, cwd=tmp_path
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "--workers 0" in lines[0]
    assert not out.exists() or not any(out.rglob("*.py"))
