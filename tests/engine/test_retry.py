"""call_with_retry: attempts, capped jittered backoff, timeouts."""

from __future__ import annotations

import asyncio

import pytest

from omninode_bridge.agents.scheduler import RetryAttempt, RetryPolicy, call_with_retry
from omninode_bridge.errors import StepTimeoutError


class FakeSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def flaky(failures: int) -> tuple[list[int], object]:
    calls: list[int] = []

    async def func() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise ConnectionError(f"failure {len(calls)}")
        return "ok"

    return calls, func


async def test_succeeds_after_retries_and_counts_attempts() -> None:
    sleep = FakeSleep()
    calls, func = flaky(2)
    result, attempts = await call_with_retry(
        func,  # type: ignore[arg-type]
        retries=3,
        timeout_seconds=None,
        policy=RetryPolicy(initial_delay=1.0, max_delay=100.0, jitter=0.0),
        sleep=sleep,
    )
    assert (result, attempts, len(calls)) == ("ok", 3, 3)
    assert sleep.delays == [1.0, 2.0]


async def test_backoff_is_exponential_and_capped_with_jitter_bounded() -> None:
    sleep = FakeSleep()
    _, func = flaky(10)
    with pytest.raises(ConnectionError):
        await call_with_retry(
            func,  # type: ignore[arg-type]
            retries=6,
            timeout_seconds=None,
            policy=RetryPolicy(initial_delay=1.0, max_delay=8.0, jitter=0.5),
            sleep=sleep,
        )
    assert len(sleep.delays) == 6
    bases = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    for delay, base in zip(sleep.delays, bases, strict=True):
        assert min(base, 8.0) <= delay <= min(base + 0.5, 8.0)


async def test_last_error_is_reraised_after_all_attempts() -> None:
    calls, func = flaky(10)
    with pytest.raises(ConnectionError, match="failure 3"):
        await call_with_retry(
            func,  # type: ignore[arg-type]
            retries=2,
            timeout_seconds=None,
            policy=RetryPolicy(),
            sleep=FakeSleep(),
        )
    assert len(calls) == 3


async def test_on_retry_receives_attempt_delay_and_error() -> None:
    seen: list[RetryAttempt] = []
    _, func = flaky(1)
    await call_with_retry(
        func,  # type: ignore[arg-type]
        retries=1,
        timeout_seconds=None,
        policy=RetryPolicy(initial_delay=0.5, jitter=0.0),
        sleep=FakeSleep(),
        on_retry=seen.append,
    )
    assert [(a.attempt, a.delay_seconds) for a in seen] == [(1, 0.5)]
    assert isinstance(seen[0].error, ConnectionError)


async def test_timeout_raises_step_timeout_error() -> None:
    never = asyncio.Event()

    async def hang() -> None:
        await never.wait()

    with pytest.raises(StepTimeoutError, match=r"'slow' exceeded timeout of 0\.01s"):
        await call_with_retry(
            hang, retries=0, timeout_seconds=0.01, policy=RetryPolicy(), timeout_id="slow"
        )


async def test_timeouts_are_retried() -> None:
    sleep = FakeSleep()
    never = asyncio.Event()
    calls: list[int] = []

    async def first_hangs() -> str:
        calls.append(1)
        if len(calls) == 1:
            await never.wait()
        return "second"

    result, attempts = await call_with_retry(
        first_hangs, retries=1, timeout_seconds=0.01, policy=RetryPolicy(), sleep=sleep
    )
    assert (result, attempts) == ("second", 2)


async def test_cancellation_is_not_retried() -> None:
    calls: list[int] = []

    async def cancelled() -> None:
        calls.append(1)
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await call_with_retry(
            cancelled, retries=3, timeout_seconds=None, policy=RetryPolicy(), sleep=FakeSleep()
        )
    assert len(calls) == 1


def test_negative_delays_rejected() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        RetryPolicy(initial_delay=-1)
