"""The provider-independent part of every quorum client: HTTP, retries, parsing.

A client owns one pooled ``httpx.AsyncClient``. Each call is bounded by the
model's timeout; timeouts, connection errors, 429 and 5xx replies are retried
with capped, jittered exponential backoff (a ``Retry-After`` header sets the
wait exactly), while 400, 401, 403 and other client errors are not. Provider
subclasses only build the request and read the reply envelope.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import os
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar, Self

import httpx
from pydantic import BaseModel, ConfigDict
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception
from tenacity.stop import stop_after_attempt, stop_after_delay

from omninode_bridge.logs import get_logger
from omninode_bridge.quorum.errors import (
    InvalidReplyError,
    ProviderError,
    RecordingMissingError,
)
from omninode_bridge.quorum.models import ExclusionKind, ModelVerdict, TokenUsage
from omninode_bridge.quorum.prompt import (
    SYSTEM_PROMPT,
    build_validation_prompt,
    parse_vote_reply,
)
from omninode_bridge.quorum.recording import transport_from_env
from omninode_bridge.validation.models import ValidationContext

__all__ = ["Completion", "LLMClient", "LooseReply", "RetryPolicy", "SleepFn", "ask_client"]

log = get_logger(__name__, component="quorum")

SleepFn = Callable[[float], Awaitable[None]]

_MESSAGE_LIMIT = 200
_NO_PROVIDER_HOOKS = (
    "{} overrides neither validate_code(code, context) nor build_request/parse_reply"
)


class LooseReply(BaseModel):
    """Base of the provider reply models: unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff between attempts of one model call.

    Attributes:
        initial_wait: Wait before the first retry, seconds; doubles per retry.
        max_wait: Cap of one exponential wait, seconds.
        jitter: Up to this many random seconds added to each exponential wait.
        max_retry_after: Largest ``Retry-After`` honoured; a provider asking
            for longer is not retried (the model is excluded as rate limited).
        max_total_seconds: No new attempt starts after this much time.
    """

    initial_wait: float = 0.5
    max_wait: float = 8.0
    jitter: float = 0.5
    max_retry_after: float = 30.0
    max_total_seconds: float = 120.0

    def backoff(self, attempt_number: int, rng: random.Random) -> float:
        """Capped, jittered wait after attempt ``attempt_number`` (1-based)."""
        base = min(self.max_wait, self.initial_wait * 2.0 ** (attempt_number - 1))
        return min(self.max_wait, base + rng.uniform(0.0, self.jitter))


@dataclass(frozen=True, slots=True)
class Completion:
    """A model's reply text and what it cost.

    Attributes:
        text: The generated text, envelope removed.
        usage: Tokens reported by the provider.
        attempts: HTTP attempts made, retries included.
        status: HTTP status of the successful reply.
    """

    text: str
    usage: TokenUsage = field(default_factory=TokenUsage)
    attempts: int = 1
    status: int = 200


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle costs tens of milliseconds; every client shares one context.
    return httpx.create_ssl_context()


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _provider_message(response: httpx.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        text = response.text
    else:
        error = payload.get("error") if isinstance(payload, dict) else None
        if isinstance(error, dict):
            text = str(error.get("message") or error)
        elif isinstance(payload, dict) and "message" in payload:
            text = str(payload["message"])
        else:
            text = str(error or payload)
    flat = " ".join(text.split())
    return flat[:_MESSAGE_LIMIT]


def _status_kind(status: int) -> tuple[ExclusionKind, bool]:
    if status == 429:
        return ExclusionKind.RATE_LIMITED, True
    if status == 408 or status >= 500:
        return ExclusionKind.SERVER_ERROR, True
    if status in (401, 403):
        return ExclusionKind.AUTH_ERROR, False
    return ExclusionKind.CLIENT_ERROR, False


class LLMClient:
    """Base of every quorum client: one model behind one provider endpoint.

    Args:
        model_id: Quorum model id this client answers for.
        model_name: Model name sent to the provider.
        api_key: API key; None reads the provider's environment variable.
            Never logged and never part of ``repr``.
        endpoint: Provider URL (see each provider for the accepted forms).
        timeout: Seconds one attempt may take, connection to last byte.
        model: Alias of ``model_name``.
        max_retries: Retries after the first attempt.
        json_mode: Ask the provider for JSON output where it supports it.
        temperature: Sampling temperature.
        max_output_tokens: Cap of generated tokens.
        transport: httpx transport; None uses the network, or the recording
            transport when ``OMNINODE_QUORUM_CASSETTE`` is set.
        retry_policy: Backoff settings.
        sleep: Awaitable sleep used between attempts (tests pass a fake).
        rng: Random source of the jitter.
    """

    provider: ClassVar[str] = ""
    default_model_id: ClassVar[str] = ""
    default_model_name: ClassVar[str] = ""
    default_endpoint: ClassVar[str] = ""
    api_key_env: ClassVar[str] = ""
    requires_api_key: ClassVar[bool] = True

    def __init__(
        self,
        model_id: str | None = None,
        model_name: str | None = None,
        api_key: str | None = None,
        endpoint: str | None = None,
        timeout: float = 30,
        *,
        model: str | None = None,
        max_retries: int = 2,
        json_mode: bool = True,
        temperature: float = 0.2,
        max_output_tokens: int = 1024,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: SleepFn | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.model_name = model_name or model or self.default_model_name
        self.model_id = model_id or self.default_model_id or self.model_name
        self.endpoint = endpoint or self.default_endpoint
        self.timeout = float(timeout)
        self.max_retries = max_retries
        self.json_mode = json_mode
        self.temperature = temperature
        self.max_output_tokens = max_output_tokens
        self.retry_policy = retry_policy or RetryPolicy()
        if api_key is None and self.api_key_env:
            api_key = os.environ.get(self.api_key_env, "")
        self._api_key = api_key or ""
        self._transport = transport
        self._sleep: SleepFn = sleep or asyncio.sleep
        self._rng = rng or random.Random()
        self._http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(model_id={self.model_id!r}, model_name={self.model_name!r}, "
            f"endpoint={self.endpoint!r})"
        )

    @property
    def has_api_key(self) -> bool:
        """Whether a key is set (or none is needed)."""
        return bool(self._api_key) or not self.requires_api_key

    # -- lifecycle -------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            transport = self._transport or transport_from_env()
            self._http = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout),
                transport=transport,
                verify=_ssl_context(),
                limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
                headers={"user-agent": "omninode-bridge-quorum"},
            )
        return self._http

    async def initialize(self) -> None:
        """Open the connection pool (also done lazily by the first call)."""
        self._client()

    async def close(self) -> None:
        """Close the connection pool; the client may be initialised again."""
        if self._http is not None:
            http, self._http = self._http, None
            await http.aclose()

    async def __aenter__(self) -> Self:
        await self.initialize()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- provider hooks ----------------------------------------------------------

    def build_request(
        self, prompt: str, system: str, json_mode: bool
    ) -> tuple[str, dict[str, str], dict[str, Any]]:
        """URL, headers and JSON body of one call in the provider's wire format.

        A custom client overrides either :meth:`validate_code` (the API
        Reference's contract) or this and :meth:`parse_reply`.
        """
        raise NotImplementedError(_NO_PROVIDER_HOOKS.format(type(self).__name__))

    def parse_reply(self, payload: Any) -> tuple[str, TokenUsage]:
        """Reply text and token usage from the provider's JSON envelope.

        Raises:
            InvalidReplyError: The envelope lacks the documented fields.
        """
        raise NotImplementedError(_NO_PROVIDER_HOOKS.format(type(self).__name__))

    # -- calls -----------------------------------------------------------------

    async def complete(
        self, prompt: str, *, system: str = SYSTEM_PROMPT, json_mode: bool | None = None
    ) -> Completion:
        """Send one prompt, with retries, and return the reply text.

        Raises:
            ProviderError: Every attempt failed, or a non-retryable status came back.
            InvalidReplyError: The reply envelope lacks the documented fields.
        """
        url, headers, body = self.build_request(
            prompt, system, self.json_mode if json_mode is None else json_mode
        )
        policy = self.retry_policy
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_retries + 1)
            | stop_after_delay(policy.max_total_seconds),
            wait=self._wait,
            retry=retry_if_exception(self._should_retry),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        attempts = 0
        try:
            async for attempt in retrying:
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    response = await self._send(url, headers, body)
        except ProviderError as exc:
            exc.attempts = attempts
            raise
        try:
            text, usage = self._read(response)
        except InvalidReplyError as exc:
            exc.attempts = attempts
            raise
        return Completion(text, usage, attempts, response.status_code)

    async def evaluate(self, code: str, context: ValidationContext) -> ModelVerdict:
        """Ask the model to vote on ``code``; the verdict carries usage and attempts.

        Raises:
            ProviderError: The model could not be reached or refused the call.
            InvalidReplyError: The reply is not the expected JSON verdict.
        """
        completion = await self.complete(build_validation_prompt(code, context))
        try:
            reply = parse_vote_reply(completion.text, self.model_id)
        except InvalidReplyError as exc:
            exc.usage = completion.usage
            exc.attempts = completion.attempts
            raise
        return ModelVerdict(
            reply.vote, reply.confidence, reply.reasoning, completion.usage, completion.attempts
        )

    async def validate_code(self, code: str, context: ValidationContext) -> tuple[bool, float, str]:
        """Validate code with this model: the API Reference's client contract.

        A custom client may override just this method; the quorum then calls
        it (see :func:`ask_client`) instead of :meth:`evaluate`.

        Returns:
            (vote, confidence, reasoning)
        """
        verdict = await self.evaluate(code, context)
        return verdict.vote, verdict.confidence, verdict.reasoning

    # -- internals -------------------------------------------------------------

    def _auth_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self._api_key}"} if self._api_key else {}

    async def _send(
        self, url: str, headers: dict[str, str], body: dict[str, Any]
    ) -> httpx.Response:
        http = self._client()
        try:
            async with asyncio.timeout(self.timeout):
                response = await http.post(url, headers=headers, json=body)
        except (TimeoutError, httpx.TimeoutException):
            raise ProviderError(
                self.model_id,
                ExclusionKind.TIMEOUT,
                f"no reply within {self.timeout:g} s",
                retryable=True,
            ) from None
        except httpx.TransportError as exc:
            raise ProviderError(
                self.model_id,
                ExclusionKind.CONNECTION,
                f"cannot reach {self.provider} endpoint: {type(exc).__name__}: {exc}",
                retryable=True,
            ) from exc
        except RecordingMissingError as exc:
            raise ProviderError(self.model_id, ExclusionKind.NOT_RECORDED, str(exc)) from exc
        if response.is_success:
            return response
        kind, retryable = _status_kind(response.status_code)
        raise ProviderError(
            self.model_id,
            kind,
            f"HTTP {response.status_code} from {self.provider}: {_provider_message(response)}",
            status=response.status_code,
            retry_after=_retry_after_seconds(response.headers.get("retry-after")),
            retryable=retryable,
        )

    def _read(self, response: httpx.Response) -> tuple[str, TokenUsage]:
        try:
            payload = response.json()
        except ValueError:
            raise InvalidReplyError(
                self.model_id, f"reply body is not JSON ({len(response.content)} bytes)"
            ) from None
        return self.parse_reply(payload)

    def _should_retry(self, exc: BaseException) -> bool:
        if not isinstance(exc, ProviderError) or not exc.retryable:
            return False
        return exc.retry_after is None or exc.retry_after <= self.retry_policy.max_retry_after

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, ProviderError) and exc.retry_after is not None:
            return exc.retry_after
        return self.retry_policy.backoff(state.attempt_number, self._rng)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        log.warning(
            "quorum.retry",
            model_id=self.model_id,
            attempt=state.attempt_number,
            wait_s=round(state.upcoming_sleep, 3),
            kind=getattr(exc, "kind", None),
            status=getattr(exc, "status", None),
        )


async def ask_client(client: LLMClient, code: str, context: ValidationContext) -> ModelVerdict:
    """One model's verdict on ``code``, through the contract ``client`` implements.

    A client that overrides :meth:`LLMClient.validate_code` (the API
    Reference's contract: ``(vote, confidence, reasoning)``) is called through
    it; the built-in provider clients through :meth:`LLMClient.evaluate`, which
    also reports token usage and attempts.

    Raises:
        InvalidReplyError: ``validate_code`` returned something other than a
            ``(bool, confidence in [0, 1], str)`` triple.
    """
    if type(client).validate_code is LLMClient.validate_code:
        return await client.evaluate(code, context)
    answer = await client.validate_code(code, context)
    model_id = getattr(client, "model_id", type(client).__name__)
    try:
        vote, confidence, reasoning = answer
        confidence = float(confidence)
    except (TypeError, ValueError):
        raise InvalidReplyError(
            model_id,
            f"{type(client).__name__}.validate_code returned {answer!r}; "
            "expected (vote, confidence, reasoning)",
        ) from None
    if not isinstance(vote, bool) or not 0.0 <= confidence <= 1.0:
        raise InvalidReplyError(
            model_id,
            f"{type(client).__name__}.validate_code returned vote={vote!r}, "
            f"confidence={confidence!r}; expected a bool and a confidence in [0, 1]",
        )
    return ModelVerdict(vote, confidence, str(reasoning))
