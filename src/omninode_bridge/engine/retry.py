"""Retries with capped, jittered exponential backoff (tenacity underneath).

The sleep function is injectable so tests never wait for real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from omninode_bridge.errors import StepTimeoutError

__all__ = ["RetryAttempt", "RetryPolicy", "SleepFunc", "call_with_retry"]

T = TypeVar("T")
SleepFunc = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff between attempts: ``min(max_delay, initial * 2**(n-1)) + U(0, jitter)``.

    Attributes:
        initial_delay: Delay before the first retry, in seconds.
        max_delay: Cap on any single delay, jitter included, in seconds.
        jitter: Upper bound of the uniform random jitter added, in seconds.
    """

    initial_delay: float = 0.1
    max_delay: float = 10.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.initial_delay < 0 or self.max_delay < 0 or self.jitter < 0:
            raise ValueError("retry delays must be >= 0")


@dataclass(frozen=True, slots=True)
class RetryAttempt:
    """Passed to ``on_retry`` before each backoff sleep."""

    attempt: int
    delay_seconds: float
    error: BaseException


async def call_with_retry(
    func: Callable[[], Awaitable[T]],
    *,
    retries: int,
    timeout_seconds: float | None,
    policy: RetryPolicy,
    sleep: SleepFunc = asyncio.sleep,
    on_retry: Callable[[RetryAttempt], None] | None = None,
    timeout_id: str = "task",
) -> tuple[T, int]:
    """Await ``func()`` with a per-attempt timeout, retrying failures.

    Args:
        func: Zero-argument coroutine factory, called once per attempt.
        retries: Extra attempts after the first (0 = no retry).
        timeout_seconds: Per-attempt timeout; None for none.
        policy: Backoff policy.
        sleep: Awaitable sleep, injectable for tests.
        on_retry: Called before each backoff sleep.
        timeout_id: Name used in ``StepTimeoutError`` messages.

    Returns:
        The result and the number of attempts made.

    Raises:
        StepTimeoutError: The last attempt timed out.
        Exception: Whatever the last attempt raised. Cancellation is never retried.
    """

    async def attempt_once() -> T:
        if timeout_seconds is None:
            return await func()
        try:
            async with asyncio.timeout(timeout_seconds):
                return await func()
        except TimeoutError as exc:
            raise StepTimeoutError(timeout_id, timeout_seconds) from exc

    if retries <= 0:
        return await attempt_once(), 1

    def before_sleep(state: RetryCallState) -> None:
        if on_retry is None or state.outcome is None or state.next_action is None:
            return
        error = state.outcome.exception()
        assert error is not None
        on_retry(RetryAttempt(state.attempt_number, state.next_action.sleep, error))

    wait = wait_exponential_jitter(
        multiplier=policy.initial_delay, max=policy.max_delay, exp_base=2, jitter=policy.jitter
    )
    retrying = AsyncRetrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait,
        retry=retry_if_exception_type(Exception),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    attempts = 0
    async for attempt in retrying:
        with attempt:
            attempts = attempt.retry_state.attempt_number
            result = await attempt_once()
        if not attempt.retry_state.outcome or not attempt.retry_state.outcome.failed:
            return result, attempts
    raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover
