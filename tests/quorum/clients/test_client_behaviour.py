"""Every provider client against the local server: replies, retries, timeouts, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import structlog

from omninode_bridge.quorum import (
    CodestralClient,
    ExclusionKind,
    GeminiClient,
    GLMClient,
    InvalidReplyError,
    LLMClient,
    OpenAICompatibleClient,
    ProviderError,
    RetryPolicy,
)
from omninode_bridge.validation.models import ValidationContext

KEY = "sk-test-secret-123"
CONTEXT = ValidationContext(node_type="effect", contract_summary="stores users")
CODE = "async def execute_effect(self, contract):\n    return None\n"


def _gemini(server: Any, **kw: Any) -> LLMClient:
    return GeminiClient("gemini", "gemini-1.5-pro", KEY, server.url("gemini", "/v1beta"), **kw)


def _glm(server: Any, **kw: Any) -> LLMClient:
    url = server.url("glm", "/api/paas/v4/chat/completions")
    return GLMClient("glm-4.5", "glm-4.5", KEY, url, **kw)


def _codestral(server: Any, **kw: Any) -> LLMClient:
    url = server.url("mistral", "/v1/chat/completions")
    return CodestralClient("codestral", "codestral-latest", KEY, url, **kw)


def _local(server: Any, **kw: Any) -> LLMClient:
    return OpenAICompatibleClient("local", "llama3.1", None, server.url("ollama", "/v1"), **kw)


PROVIDERS: dict[str, tuple[Callable[..., LLMClient], str, str | None, str]] = {
    "gemini": (_gemini, "gemini", KEY, "gemini_body"),
    "glm": (_glm, "glm", KEY, "chat_body"),
    "codestral": (_codestral, "mistral", KEY, "chat_body"),
    "openai_compat": (_local, "ollama", None, "chat_body"),
}


class Harness:
    def __init__(self, server: Any, name: str, sleep: Any) -> None:
        self.server = server
        self.factory, self.route, self.key, body_fn = PROVIDERS[name]
        self.body = getattr(server, body_fn)
        self.sleep = sleep

    def client(self, **kw: Any) -> LLMClient:
        kw.setdefault("sleep", self.sleep)
        kw.setdefault("timeout", 5)
        return self.factory(self.server, **kw)

    def script(self, *replies: Any) -> None:
        self.server.script(self.route, *replies, key=self.key)

    def ok(self, text: str, **kw: Any) -> Any:
        return self.server.Reply(200, self.body(text, **kw))

    def requests(self) -> list[Any]:
        return self.server.requests_for(self.route)


@pytest.fixture(params=sorted(PROVIDERS))
def harness(request: pytest.FixtureRequest, provider_server: Any, fake_sleep: Any) -> Harness:
    return Harness(provider_server, request.param, fake_sleep)


async def test_success_returns_vote_and_usage(harness: Harness) -> None:
    harness.script(harness.ok(harness.server.verdict(True, 0.85, "ok"), prompt_tokens=1200))
    async with harness.client() as client:
        verdict = await client.evaluate(CODE, CONTEXT)
    assert (verdict.vote, verdict.confidence, verdict.reasoning) == (True, 0.85, "ok")
    assert verdict.usage.input_tokens == 1200
    assert verdict.usage.output_tokens == 50
    assert verdict.attempts == 1


async def test_validate_code_returns_seed_tuple(harness: Harness) -> None:
    harness.script(harness.ok(harness.server.verdict(False, 0.4, "missing docstrings")))
    async with harness.client() as client:
        assert await client.validate_code(CODE, CONTEXT) == (False, 0.4, "missing docstrings")


async def test_prompt_carries_code_and_context(harness: Harness) -> None:
    harness.script(harness.ok(harness.server.verdict()))
    async with harness.client() as client:
        await client.evaluate(CODE, CONTEXT)
    text = json.dumps(harness.requests()[0].body)
    assert "execute_effect" in text
    assert "Node Type: effect" in text
    assert "stores users" in text


@pytest.mark.parametrize(
    "text",
    [
        '```json\n{"vote": true, "confidence": 0.7, "reasoning": "fenced"}\n```',
        'Here is my verdict:\n{"vote": true, "confidence": 0.7, "reasoning": "prose"}\nThanks.',
    ],
    ids=["fenced", "prose"],
)
async def test_fenced_or_prose_wrapped_json_is_accepted(harness: Harness, text: str) -> None:
    harness.script(harness.ok(text))
    async with harness.client() as client:
        verdict = await client.evaluate(CODE, CONTEXT)
    assert verdict.vote is True
    assert verdict.confidence == 0.7


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"confidence": 0.9, "reasoning": "no vote"}', "vote"),
        ('{"vote": true, "reasoning": "no confidence"}', "confidence"),
        ('{"vote": "yes", "confidence": 0.9}', "vote"),
        ('{"vote": true, "confidence": 1.7}', "confidence"),
        ("I think the code is fine.", "not JSON"),
    ],
    ids=["no-vote", "no-confidence", "vote-string", "confidence-range", "no-json"],
)
async def test_reply_of_wrong_shape_is_invalid(harness: Harness, text: str, fragment: str) -> None:
    harness.script(harness.ok(text, prompt_tokens=10, output_tokens=5))
    async with harness.client() as client:
        with pytest.raises(InvalidReplyError, match=fragment) as info:
            await client.evaluate(CODE, CONTEXT)
    assert info.value.usage.total_tokens == 15
    assert len(harness.requests()) == 1


async def test_envelope_without_text_is_invalid(harness: Harness) -> None:
    harness.script(harness.server.Reply(200, {"unexpected": True}))
    async with harness.client() as client:
        with pytest.raises(InvalidReplyError):
            await client.evaluate(CODE, CONTEXT)


async def test_429_waits_exactly_retry_after_then_succeeds(harness: Harness) -> None:
    limited = harness.server.Reply(429, {"error": {"message": "slow down"}}, {"retry-after": "3"})
    harness.script(limited, harness.ok(harness.server.verdict()))
    async with harness.client(max_retries=2) as client:
        verdict = await client.evaluate(CODE, CONTEXT)
    assert verdict.attempts == 2
    assert harness.sleep.calls == [3.0]


async def test_retry_after_beyond_cap_is_not_retried(harness: Harness) -> None:
    limited = harness.server.Reply(429, {"error": {"message": "quota"}}, {"retry-after": "600"})
    harness.script(limited, harness.ok(harness.server.verdict()))
    async with harness.client(max_retries=2) as client:
        with pytest.raises(ProviderError) as info:
            await client.evaluate(CODE, CONTEXT)
    assert info.value.kind is ExclusionKind.RATE_LIMITED
    assert info.value.retry_after == 600
    assert harness.sleep.calls == []


async def test_500_is_retried_with_capped_jittered_backoff(harness: Harness) -> None:
    boom = harness.server.Reply(500, {"error": {"message": "internal"}})
    harness.script(boom, boom, harness.ok(harness.server.verdict()))
    policy = RetryPolicy(initial_wait=0.5, max_wait=0.8, jitter=0.25)
    async with harness.client(max_retries=2, retry_policy=policy) as client:
        verdict = await client.evaluate(CODE, CONTEXT)
    assert verdict.attempts == 3
    first, second = harness.sleep.calls
    assert 0.5 <= first <= 0.75
    assert second == 0.8  # capped: 0.5 * 2 + jitter exceeds max_wait
    assert len(harness.requests()) == 3


async def test_500_exhausting_retries_raises_server_error(harness: Harness) -> None:
    harness.script(harness.server.Reply(503, {"error": {"message": "overloaded"}}))
    async with harness.client(max_retries=2) as client:
        with pytest.raises(ProviderError, match="HTTP 503") as info:
            await client.evaluate(CODE, CONTEXT)
    assert info.value.kind is ExclusionKind.SERVER_ERROR
    assert info.value.attempts == 3
    assert len(harness.sleep.calls) == 2


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, ExclusionKind.CLIENT_ERROR),
        (401, ExclusionKind.AUTH_ERROR),
        (403, ExclusionKind.AUTH_ERROR),
    ],
    ids=["400", "401", "403"],
)
async def test_client_errors_are_never_retried(
    harness: Harness, status: int, kind: ExclusionKind
) -> None:
    harness.script(harness.server.Reply(status, {"error": {"message": "invalid api key"}}))
    async with harness.client(max_retries=3) as client:
        with pytest.raises(ProviderError, match=f"HTTP {status}") as info:
            await client.evaluate(CODE, CONTEXT)
    assert info.value.kind is kind
    assert info.value.attempts == 1
    assert harness.sleep.calls == []
    assert len(harness.requests()) == 1


async def test_slow_reply_past_timeout_is_retried_then_fails(harness: Harness) -> None:
    harness.script(harness.server.Reply(200, harness.body(harness.server.verdict()), hang=True))
    async with harness.client(timeout=0.2, max_retries=1) as client:
        with pytest.raises(ProviderError, match=r"no reply within 0\.2 s") as info:
            await client.evaluate(CODE, CONTEXT)
    assert info.value.kind is ExclusionKind.TIMEOUT
    assert info.value.attempts == 2
    assert len(harness.sleep.calls) == 1


async def test_slow_first_reply_then_fast_one_succeeds(harness: Harness) -> None:
    slow = harness.server.Reply(200, harness.body(harness.server.verdict()), hang=True)
    harness.script(slow, harness.ok(harness.server.verdict(False, 0.6, "second")))
    async with harness.client(timeout=0.2, max_retries=1) as client:
        verdict = await client.evaluate(CODE, CONTEXT)
    assert verdict.reasoning == "second"
    assert verdict.attempts == 2


async def test_key_never_appears_in_repr_or_errors(harness: Harness) -> None:
    harness.script(harness.server.Reply(401, {"error": {"message": "bad key"}}))
    async with harness.client() as client:
        assert KEY not in repr(client)
        with pytest.raises(ProviderError) as info:
            await client.evaluate(CODE, CONTEXT)
    assert KEY not in str(info.value)


async def test_connection_refused_is_a_connection_error(fake_sleep: Any) -> None:
    client = OpenAICompatibleClient(
        "local", "llama3.1", None, "http://127.0.0.1:9/v1", timeout=2, sleep=fake_sleep
    )
    async with client:
        with pytest.raises(ProviderError) as info:
            await client.evaluate(CODE, CONTEXT)
    assert info.value.kind is ExclusionKind.CONNECTION
    assert info.value.attempts == 3


async def test_key_never_appears_in_logs(harness: Harness) -> None:
    limited = harness.server.Reply(429, {"error": {"message": "busy"}}, {"retry-after": "1"})
    harness.script(limited, harness.server.Reply(401, {"error": {"message": "bad key"}}))
    with structlog.testing.capture_logs() as logs:
        async with harness.client(max_retries=2) as client:
            with pytest.raises(ProviderError):
                await client.evaluate(CODE, CONTEXT)
    assert any(entry["event"] == "quorum.retry" for entry in logs)
    assert KEY not in repr(logs)
