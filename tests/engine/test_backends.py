"""Execution backends: CPU work off the event loop, timeouts and cancellation during it."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import time
from typing import Any

import pytest

from omninode_bridge.engine.backends import (
    DaskBackend,
    InLoopBackend,
    ProcessPoolBackend,
    default_workers,
    make_backend,
)
from omninode_bridge.engine.executor import StagedParallelExecutor
from omninode_bridge.engine.models import (
    EnumStepStatus,
    EnumStepType,
    WorkflowStage,
    WorkflowStep,
)
from omninode_bridge.errors import ConfigError, WorkerPoolError, WorkflowFailedError

# pbkdf2 with this many rounds keeps one core busy for several seconds
_ROUNDS = 30_000_000


def _spin_step(backend_rounds: int, timeout: float) -> WorkflowStep:
    async def handler(step: WorkflowStep, ctx: dict[str, Any]) -> dict[str, Any]:
        executor: StagedParallelExecutor = ctx["executor"]
        digest = await executor.backend.run(
            hashlib.pbkdf2_hmac, "sha256", b"pw", b"salt", backend_rounds
        )
        return {"digest": digest.hex()}

    return WorkflowStep(
        step_id="spin",
        step_type=EnumStepType.PARALLEL,
        handler=handler,
        timeout_seconds=timeout,
    )


async def test_process_pool_runs_work_in_other_processes() -> None:
    backend = ProcessPoolBackend(2)
    try:
        pids = await asyncio.gather(*(backend.run(_pid) for _ in range(4)))
    finally:
        await backend.close()
    assert all(pid != _pid() for pid in pids)


def _pid() -> int:
    import os

    return os.getpid()


async def test_step_timeout_fires_during_cpu_work_in_a_worker() -> None:
    backend = ProcessPoolBackend(1)
    executor = StagedParallelExecutor(backend=backend)
    stage = WorkflowStage("cpu", 1, [_spin_step(_ROUNDS, timeout=0.5)])
    started = time.perf_counter()
    try:
        with pytest.raises(WorkflowFailedError) as failed:  # fast-fail raises (API Reference)
            await executor.execute_workflow("w", [stage], context={"executor": executor})
    finally:
        await backend.close()
    elapsed = time.perf_counter() - started
    result = failed.value.result
    [step] = result.stage_results[0].step_results
    assert not result.success
    assert step.status is EnumStepStatus.FAILED
    assert step.error_type == "StepTimeoutError"
    assert elapsed < 3.0


async def test_cancelling_a_run_returns_during_cpu_work() -> None:
    backend = ProcessPoolBackend(1)
    executor = StagedParallelExecutor(backend=backend)
    stage = WorkflowStage("cpu", 1, [_spin_step(_ROUNDS, timeout=60)])
    task = asyncio.create_task(
        executor.execute_workflow("w", [stage], context={"executor": executor})
    )
    await asyncio.sleep(0.5)
    started = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.perf_counter() - started < 1.0
    await backend.close()


async def test_in_loop_backend_runs_in_this_process() -> None:
    backend = InLoopBackend()
    assert await backend.run(_pid) == _pid()
    assert backend.tasks == 1


def test_make_backend_reads_flags_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMNINODE_DASK_SCHEDULER", raising=False)
    monkeypatch.setenv("OMNINODE_WORKERS", "3")
    assert default_workers() == 3
    backend = make_backend()
    assert isinstance(backend, ProcessPoolBackend)
    assert backend.workers == 3
    assert isinstance(make_backend(0), InLoopBackend)
    monkeypatch.setenv("OMNINODE_DASK_SCHEDULER", "tcp://127.0.0.1:1")
    assert isinstance(make_backend(2), DaskBackend)
    assert isinstance(make_backend(2, "tcp://127.0.0.1:2"), DaskBackend)


@pytest.mark.parametrize(
    ("workers", "scheduler", "env"),
    [(-1, None, ""), (None, "127.0.0.1:8786", ""), (None, None, "many")],
)
def test_bad_settings_are_config_errors(
    monkeypatch: pytest.MonkeyPatch, workers: int | None, scheduler: str | None, env: str
) -> None:
    monkeypatch.delenv("OMNINODE_DASK_SCHEDULER", raising=False)
    monkeypatch.setenv("OMNINODE_WORKERS", env)
    with pytest.raises(ConfigError):
        make_backend(workers, scheduler)


async def test_run_pinned_sends_a_key_to_the_same_worker_every_time() -> None:
    backend = ProcessPoolBackend(2)
    try:
        by_key = {key: {await backend.run_pinned(key, _pid) for _ in range(3)} for key in range(4)}
    finally:
        await backend.close()
    assert all(len(pids) == 1 for pids in by_key.values())  # one worker per key
    assert by_key[0] == by_key[2] and by_key[1] == by_key[3]  # key % workers
    assert by_key[0] != by_key[1]  # and the two workers both get keys


async def test_run_hands_concurrent_tasks_to_idle_workers() -> None:
    backend = ProcessPoolBackend(2)
    try:
        pids = await asyncio.gather(backend.run(_sleepy_pid), backend.run(_sleepy_pid))
    finally:
        await backend.close()
    assert len(set(pids)) == 2


def _sleepy_pid() -> int:
    time.sleep(0.3)
    return _pid()


async def test_prestart_starts_the_workers_without_blocking_the_caller() -> None:
    backend = ProcessPoolBackend(2, preload=("omninode_bridge.codegen.stages.worker_init",))
    started = time.perf_counter()
    backend.prestart()  # the fork server imports and warms the preload in the background
    returned = time.perf_counter() - started
    try:
        pids = {await backend.run_pinned(key, _pid) for key in range(2)}
    finally:
        await backend.close()
    assert returned < 0.2
    assert len(pids) == 2


def test_only_dask_lacks_affinity_and_the_callers_files() -> None:
    assert ProcessPoolBackend(1).affinity and ProcessPoolBackend(1).shares_filesystem
    assert InLoopBackend().affinity and InLoopBackend().shares_filesystem
    dask = DaskBackend("tcp://127.0.0.1:1")
    assert not dask.affinity and not dask.shares_filesystem


def _spin() -> bytes:
    return hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", _ROUNDS)


@pytest.mark.timeout(60)
async def test_a_killed_worker_fails_the_waiting_and_later_calls() -> None:
    backend = ProcessPoolBackend(2)
    try:
        victim = await backend.run_pinned(0, _pid)
        busy = asyncio.create_task(backend.run_pinned(0, _spin))
        queued = [asyncio.create_task(backend.run_pinned(0, _spin)) for _ in range(3)]
        elsewhere = asyncio.create_task(backend.run_pinned(1, _spin))  # on the live worker
        await asyncio.sleep(0)  # every call handed to its worker's queue
        queued[1].cancel()  # a cancelled call in a broken pool must not strand the others
        started = time.perf_counter()
        os.kill(victim, signal.SIGKILL)
        outcomes = await asyncio.gather(
            busy, queued[0], queued[2], elsewhere, return_exceptions=True
        )
        later = await asyncio.gather(backend.run(_pid), return_exceptions=True)
    finally:
        await backend.close()
    assert all(isinstance(outcome, WorkerPoolError) for outcome in outcomes + later), outcomes
    assert time.perf_counter() - started < 3  # one spin takes longer: none was waited for
    assert "--workers 0" in str(outcomes[0])
