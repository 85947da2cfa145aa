"""Where a step's CPU-bound work runs: in the event loop, worker processes, or Dask.

:class:`~omninode_bridge.engine.executor.StagedParallelExecutor` owns one
backend; a step hands its CPU work to ``await executor.backend.run(fn, *args)``
(``fn`` a picklable top-level function, ``args`` picklable) and awaits the
result while the event loop stays free, so step timeouts and cancellation fire
during the work. The backends:

- :class:`InLoopBackend`: calls ``fn`` in the event loop (no processes; a
  timeout can only fire once ``fn`` returns).
- :class:`ProcessPoolBackend`: ``workers`` worker processes on this machine.
- :class:`DaskBackend`: the workers of an existing ``dask.distributed``
  cluster (``pip install 'omninode-bridge[dask]'``). A task whose worker dies
  is rescheduled by the scheduler; its result comes back to the client once.

Results come back to the caller. ``shares_filesystem`` says whether the
workers see the caller's files: worker processes of this machine may write the
packages they render (the caller's plan and atomic write, run there); Dask
workers never write, the client does.

Example:
    ```python
    backend = make_backend(workers=2)
    executor = StagedParallelExecutor(backend=backend)
    try:
        ...
    finally:
        await backend.close()
    ```
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, Protocol, TypeVar, runtime_checkable

from omninode_bridge.errors import ConfigError, WorkerPoolError

__all__ = [
    "DaskBackend",
    "ExecutionBackend",
    "InLoopBackend",
    "ProcessPoolBackend",
    "default_workers",
    "make_backend",
]

T = TypeVar("T")


@runtime_checkable
class ExecutionBackend(Protocol):
    """Runs a picklable function with picklable arguments somewhere, returns its result."""

    name: str
    workers: int
    #: Whether the workers see this process's files (and may write output there).
    shares_filesystem: bool
    #: Whether :meth:`run_pinned` sends equal keys to the same worker process
    #: (so a task may use what an earlier task of its key kept there).
    affinity: bool

    def prestart(self) -> None:
        """Start the workers now, in the background, so their start-up overlaps other work."""
        ...

    async def run(self, fn: Callable[..., T], *args: Any) -> T: ...

    async def run_pinned(self, key: int, fn: Callable[..., T], *args: Any) -> T:
        """:meth:`run`, on the worker ``key`` names where the backend has ``affinity``."""
        ...

    async def close(self) -> None: ...


class InLoopBackend:
    """Runs the work in the event loop itself (no worker processes)."""

    name = "in-loop"
    shares_filesystem = True
    affinity = True  # one place: every key's tasks run here

    def __init__(self) -> None:
        self.workers = 1
        self.tasks = 0

    def prestart(self) -> None:
        return None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        self.tasks += 1
        return fn(*args)

    async def run_pinned(self, key: int, fn: Callable[..., T], *args: Any) -> T:
        return await self.run(fn, *args)

    async def close(self) -> None:
        return None


class ProcessPoolBackend:
    """Runs the work in ``workers`` worker processes of this machine.

    Each worker process has its own task queue: :meth:`run` hands a task to the
    least busy worker, :meth:`run_pinned` to the worker its key names (``key %
    workers``), so a job's later tasks find what its earlier ones kept in that
    process and only small results travel. A cancelled or timed-out call
    returns at once; its task, queued or running, still runs in its worker and
    the result is dropped (a task is never cancelled in the pool: on Python
    3.11 a cancelled task makes a broken pool leave the other tasks waiting
    for ever). :meth:`close` stops the workers (the running ones are
    terminated). :meth:`prestart` starts the workers from a background thread:
    the fork server imports and warms the ``preload`` modules on another core
    while this process goes on.

    A worker process that cannot start or dies (killed, crashed) fails every
    call waiting on the workers and every later call with
    :class:`~omninode_bridge.errors.WorkerPoolError`: one thread per backend
    waits on the worker processes' sentinels.
    """

    name = "processes"
    shares_filesystem = True
    affinity = True

    def __init__(self, workers: int, *, preload: tuple[str, ...] = ()) -> None:
        if workers < 1:
            raise ConfigError(f"workers must be >= 1 (got {workers})")
        self.workers = workers
        self.preload = preload
        self.tasks = 0
        #: CPU seconds the tasks used in the workers (measured in each worker).
        self.worker_cpu_s = 0.0
        self._pools: list[ProcessPoolExecutor] = []
        self._busy: list[int] = [0] * workers
        self._lock = threading.Lock()
        self._starter: threading.Thread | None = None
        #: Calls awaiting a result, with their event loop (failed at once when a worker dies).
        self._waiting: dict[asyncio.Future[Any], asyncio.AbstractEventLoop] = {}
        #: Why the workers are unusable (set once, by the start-up or the watcher).
        self._failure: str | None = None
        self._watcher: threading.Thread | None = None
        self._wakeup: tuple[int, int] | None = None  # the pipe that stops the watcher

    @property
    def failure(self) -> WorkerPoolError | None:
        """The error every call gets once a worker process could not start or died."""
        return None if self._failure is None else WorkerPoolError(self._failure)

    def _executors(self) -> list[ProcessPoolExecutor]:
        with self._lock:
            if not self._pools:
                # forkserver: workers fork from a clean server process that imported
                # ``preload`` once (no threads or event loop of ours copied into them)
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(list(self.preload))
                self._pools = [
                    ProcessPoolExecutor(max_workers=1, mp_context=context)
                    for _ in range(self.workers)
                ]
            return self._pools

    def prestart(self) -> None:
        if self._starter is None and not self._pools:
            self._starter = threading.Thread(
                target=self._start_workers, name="omninode-workers-start", daemon=True
            )
            self._starter.start()

    def _start_workers(self) -> None:
        """Start every worker process, then watch them (in the starter thread)."""
        try:
            pools = self._executors()
            for pool in pools:
                pool.submit(_nothing)
        except Exception as exc:  # a broken pool, or a start refused during bootstrapping
            first = " ".join(str(exc).split()).split(". ")[0]  # its first sentence
            self._fail(f"{type(exc).__name__}: {first}")
            return
        processes = [p for pool in pools for p in getattr(pool, "_processes", {}).values()]
        self._wakeup = os.pipe()
        self._watcher = threading.Thread(
            target=self._watch, args=(processes, self._wakeup[0]), name="omninode-workers-watch",
            daemon=True,
        )  # fmt: skip
        self._watcher.start()

    def _watch(self, processes: list[Any], wakeup: int) -> None:
        """Wait until a worker process ends (that fails the calls) or :meth:`shutdown` wakes us."""
        ready = multiprocessing.connection.wait([p.sentinel for p in processes] + [wakeup])
        if wakeup not in ready:
            dead = [str(p.pid) for p in processes if p.sentinel in ready]
            self._fail(f"worker process {', '.join(dead)} exited")

    def _fail(self, detail: str) -> None:
        """Mark the workers unusable and fail every waiting call (from any thread)."""
        message = _POOL_FAILED.format(detail=detail)
        with self._lock:
            if self._failure is None:
                self._failure = message
            waiting, self._waiting = self._waiting, {}
        for waiter, loop in waiting.items():
            _settle_soon(loop, waiter, WorkerPoolError(message), None)

    async def _started(self) -> list[ProcessPoolExecutor]:
        """The pools, once their worker processes have started (off the loop)."""
        self.prestart()
        starter = self._starter
        if starter is not None and starter.is_alive():
            await asyncio.to_thread(starter.join)
        return self._executors()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        await self._started()
        index = min(range(self.workers), key=self._busy.__getitem__)
        return await self._run_on(index, fn, args)

    async def run_pinned(self, key: int, fn: Callable[..., T], *args: Any) -> T:
        await self._started()
        return await self._run_on(key % self.workers, fn, args)

    async def _run_on(self, index: int, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[tuple[float, T]] = loop.create_future()
        with self._lock:
            if self._failure is not None:
                raise WorkerPoolError(self._failure)
            self._waiting[waiter] = loop
        self.tasks += 1
        self._busy[index] += 1
        try:
            try:
                job = self._pools[index].submit(_timed_call, fn, args)
            except BrokenProcessPool as exc:
                raise self._broken(exc) from None
            job.add_done_callback(partial(self._finished, loop, waiter))
            cpu, result = await waiter  # cancelling the call leaves ``job`` alone (see above)
        finally:
            self._busy[index] -= 1
            with self._lock:
                self._waiting.pop(waiter, None)
        self.worker_cpu_s += cpu
        return result

    def _finished(
        self, loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[Any], job: Future[Any]
    ) -> None:
        """``job``'s outcome to its caller's loop (runs in the pool's thread)."""
        error = None if job.cancelled() else job.exception()
        if job.cancelled() or isinstance(error, BrokenProcessPool):
            error = self._broken(error)
        _settle_soon(loop, waiter, error, None if error is not None else job.result())

    def _broken(self, cause: BaseException | None) -> WorkerPoolError:
        """The error for a pool the standard library found broken."""
        with self._lock:
            if self._failure is None:
                self._failure = _POOL_FAILED.format(detail=f"{cause or 'the pool was stopped'}")
            return WorkerPoolError(self._failure)

    async def close(self) -> None:
        await asyncio.to_thread(self.shutdown)

    def shutdown(self) -> None:
        """:meth:`close` without an event loop: stop the workers (a start-up under way first)."""
        starter = self._starter
        if starter is not None and starter.is_alive():
            starter.join()
        self._stop_watching()
        with self._lock:
            pools, self._pools = self._pools, []
        processes = [p for pool in pools for p in getattr(pool, "_processes", {}).values()]
        for pool in pools:
            # queued tasks are not cancelled: the pool then fails them when its workers end
            pool.shutdown(wait=False, cancel_futures=False)
        for process in processes:
            if process.is_alive():
                process.terminate()
        _join_all(processes)

    def _stop_watching(self) -> None:
        """Wake the watcher and wait for it: the workers' end is ours, not a failure."""
        wakeup, self._wakeup = self._wakeup, None
        watcher, self._watcher = self._watcher, None
        if wakeup is None or watcher is None:
            return
        os.write(wakeup[1], b"x")
        watcher.join()
        for fd in wakeup:
            os.close(fd)


_POOL_FAILED = (
    "the worker processes could not start or died ({detail}). The usual cause is a script "
    'that runs omninode (its CLI or API) without an `if __name__ == "__main__":` guard: '
    "each worker process re-imports the main script. A worker can also be killed (out of "
    "memory) or crash. `--workers 0` runs without worker processes."
)


def _settle_soon(
    loop: asyncio.AbstractEventLoop,
    waiter: asyncio.Future[Any],
    error: BaseException | None,
    result: Any,
) -> None:
    """Complete ``waiter`` in its own loop with ``error`` or ``result`` (from any thread)."""
    with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
        loop.call_soon_threadsafe(_settle, waiter, error, result)


def _settle(waiter: asyncio.Future[Any], error: BaseException | None, result: Any) -> None:
    if waiter.done():  # cancelled, or failed already by the watcher
        return
    if error is not None:
        waiter.set_exception(error)
    else:
        waiter.set_result(result)


def _nothing() -> None:
    return None


def _timed_call(fn: Callable[..., T], args: tuple[Any, ...]) -> tuple[float, T]:
    """Runs in a worker: the CPU seconds ``fn(*args)`` took there, and its result."""
    start = time.process_time()
    result = fn(*args)
    return time.process_time() - start, result


def _join_all(processes: list[Any]) -> None:
    """Wait for terminated workers; one that ignores SIGTERM (caught mid-start) is killed."""
    for process in processes:
        process.join(timeout=2)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


class DaskBackend:
    """Runs the work on an existing ``dask.distributed`` cluster.

    Args:
        address: The scheduler, ``tcp://HOST:PORT``.
        timeout: Seconds to wait for the scheduler when connecting.

    ``tasks`` counts the tasks submitted; ``task_workers`` records, per task
    key, the worker address that ran it (for reports and tests).
    """

    name = "dask"
    shares_filesystem = False
    affinity = False  # a task goes to any worker (and is rescheduled if its worker dies)

    def __init__(self, address: str, *, timeout: float = 10) -> None:
        self.address = address
        self.timeout = timeout
        self.workers = 0
        self.tasks = 0
        self.task_workers: dict[str, str] = {}
        #: CPU seconds the tasks used on the workers (measured on each worker).
        self.worker_cpu_s = 0.0
        self._client: Any = None
        self._lock = asyncio.Lock()

    def prestart(self) -> None:
        return None  # the cluster's workers are running already

    async def _connect(self) -> Any:
        async with self._lock:
            if self._client is None:
                try:
                    from distributed import Client
                except ImportError:
                    raise ConfigError(
                        "--scheduler needs dask.distributed: pip install 'omninode-bridge[dask]'"
                    ) from None
                try:
                    self._client = await Client(  # type: ignore[no-untyped-call]
                        self.address, asynchronous=True, timeout=self.timeout
                    )
                except (OSError, TimeoutError) as exc:
                    raise ConfigError(
                        f"cannot reach the Dask scheduler at {self.address}: {exc}"
                    ) from None
                self.workers = len(await self._client.nthreads())
            return self._client

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        client = await self._connect()
        self.tasks += 1
        future = client.submit(_on_worker, fn, args, pure=False)
        try:
            address, (cpu, result) = await future
        except asyncio.CancelledError:
            await future.cancel()
            raise
        self.task_workers[str(future.key)] = str(address)
        self.worker_cpu_s += cpu
        return result  # type: ignore[no-any-return]

    async def run_pinned(self, key: int, fn: Callable[..., T], *args: Any) -> T:
        return await self.run(fn, *args)

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()


def _on_worker(fn: Callable[..., T], args: tuple[Any, ...]) -> tuple[str, tuple[float, T]]:
    """Runs on a Dask worker: the worker's address, the task's CPU seconds and its result."""
    from distributed import get_worker

    return str(get_worker().address), _timed_call(fn, args)


def default_workers() -> int:
    """``OMNINODE_WORKERS`` when set, else the CPU count."""
    raw = os.environ.get("OMNINODE_WORKERS", "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"OMNINODE_WORKERS must be an integer (got {raw!r})") from None
        if value < 0:
            raise ConfigError(f"OMNINODE_WORKERS must be >= 0 (got {value})")
        return value
    return os.cpu_count() or 1


def make_backend(
    workers: int | None = None,
    scheduler: str | None = None,
    *,
    preload: tuple[str, ...] = (),
) -> ExecutionBackend:
    """The backend for ``--workers`` / ``--scheduler`` (and their environment variables).

    ``scheduler`` (or ``OMNINODE_DASK_SCHEDULER``) selects Dask; otherwise
    ``workers`` (default :func:`default_workers`) worker processes, or the
    event loop itself when ``workers`` is 0. ``preload``: modules the worker
    processes import once at start (the modules of the functions they will run).
    """
    scheduler = scheduler or os.environ.get("OMNINODE_DASK_SCHEDULER", "").strip() or None
    if scheduler is not None:
        if "://" not in scheduler:
            raise ConfigError(f"--scheduler must be tcp://HOST:PORT (got {scheduler!r})")
        return DaskBackend(scheduler)
    count = default_workers() if workers is None else workers
    if count < 0:
        raise ConfigError(f"--workers must be >= 0 (got {count})")
    if count == 0:
        return InLoopBackend()
    return ProcessPoolBackend(count, preload=preload)
