"""Request and reply details each provider documents, checked on the local server."""

from __future__ import annotations

from typing import Any

import pytest

from omninode_bridge.quorum import (
    CodestralClient,
    GeminiClient,
    GLMClient,
    InvalidReplyError,
    OpenAICompatibleClient,
)
from omninode_bridge.quorum.prompt import SYSTEM_PROMPT
from omninode_bridge.validation.models import ValidationContext

KEY = "wire-key"
CONTEXT = ValidationContext(node_type="effect", validation_criteria=["Security"])


async def test_gemini_request_shape(provider_server: Any) -> None:
    server = provider_server
    server.script("gemini", server.Reply(200, server.gemini_body(server.verdict())), key=KEY)
    async with GeminiClient("gemini", "gemini-1.5-pro", KEY, server.url("gemini", "/v1beta")) as c:
        await c.evaluate("x = 1", CONTEXT)
    (seen,) = server.requests_for("gemini")
    assert seen.path == "/gemini/v1beta/models/gemini-1.5-pro:generateContent"
    assert seen.headers["x-goog-api-key"] == KEY
    assert seen.query == {}
    assert seen.body["contents"][0]["role"] == "user"
    assert "1. Security" in seen.body["contents"][0]["parts"][0]["text"]
    assert seen.body["systemInstruction"] == {"parts": [{"text": SYSTEM_PROMPT}]}
    assert seen.body["generationConfig"] == {
        "temperature": 0.2,
        "topK": 40,
        "topP": 0.95,
        "maxOutputTokens": 1024,
        "responseMimeType": "application/json",
    }


async def test_gemini_accepts_a_full_generate_content_url(provider_server: Any) -> None:
    server = provider_server
    server.script("gemini", server.Reply(200, server.gemini_body(server.verdict())), key=KEY)
    url = server.url("gemini", "/v1beta/models/gemini-2.0-flash:generateContent")
    async with GeminiClient("gemini", "ignored-name", KEY, url) as client:
        await client.evaluate("x = 1", CONTEXT)
    assert server.requests_for("gemini")[0].path.endswith("gemini-2.0-flash:generateContent")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"promptFeedback": {"blockReason": "SAFETY"}}, "prompt blocked: SAFETY"),
        (
            {"candidates": [{"content": {"parts": []}, "finishReason": "MAX_TOKENS"}]},
            "finishReason=MAX_TOKENS",
        ),
    ],
    ids=["blocked", "no-text"],
)
async def test_gemini_reply_without_text_is_invalid(
    provider_server: Any, body: dict[str, Any], message: str
) -> None:
    provider_server.script("gemini", provider_server.Reply(200, body), key=KEY)
    url = provider_server.url("gemini", "/v1beta")
    async with GeminiClient("gemini", "gemini-1.5-pro", KEY, url) as client:
        with pytest.raises(InvalidReplyError, match=message):
            await client.evaluate("x = 1", CONTEXT)


async def test_gemini_skips_thought_parts(provider_server: Any) -> None:
    server = provider_server
    body = server.gemini_body(server.verdict(False, 0.3, "final"))
    body["candidates"][0]["content"]["parts"].insert(0, {"text": "thinking...", "thought": True})
    server.script("gemini", server.Reply(200, body), key=KEY)
    async with GeminiClient("gemini", "gemini-1.5-pro", KEY, server.url("gemini", "/v1beta")) as c:
        assert await c.validate_code("x = 1", CONTEXT) == (False, 0.3, "final")


@pytest.mark.parametrize(
    ("factory", "route", "path", "model"),
    [
        (GLMClient, "glm", "/api/paas/v4/chat/completions", "glm-4.5-air"),
        (CodestralClient, "mistral", "/v1/chat/completions", "codestral-latest"),
    ],
    ids=["glm", "codestral"],
)
async def test_chat_request_shape(
    provider_server: Any, factory: Any, route: str, path: str, model: str
) -> None:
    server = provider_server
    server.script(route, server.Reply(200, server.chat_body(server.verdict())), key=KEY)
    async with factory("m", model, KEY, server.url(route, path)) as client:
        await client.evaluate("x = 1", CONTEXT)
    (seen,) = server.requests_for(route)
    assert seen.path == f"/{route}{path}"
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    assert seen.body["model"] == model
    assert seen.body["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert seen.body["response_format"] == {"type": "json_object"}
    assert seen.body["temperature"] == 0.2
    assert seen.body["max_tokens"] == 1024


async def test_openai_compatible_base_url_and_no_auth(provider_server: Any) -> None:
    server = provider_server
    server.script("ollama", server.Reply(200, server.chat_body(server.verdict())), key=None)
    client = OpenAICompatibleClient("local", "qwen2.5-coder:7b", None, server.url("ollama", "/v1/"))
    async with client:
        await client.evaluate("x = 1", CONTEXT)
    (seen,) = server.requests_for("ollama")
    assert seen.path == "/ollama/v1/chat/completions"
    assert "authorization" not in seen.headers


async def test_json_mode_off_omits_response_format(provider_server: Any) -> None:
    server = provider_server
    server.script("ollama", server.Reply(200, server.chat_body(server.verdict())), key=None)
    url = server.url("ollama", "/v1")
    async with OpenAICompatibleClient("local", "m", None, url, json_mode=False) as client:
        await client.evaluate("x = 1", CONTEXT)
    assert "response_format" not in server.requests_for("ollama")[0].body


async def test_content_chunks_are_joined(provider_server: Any) -> None:
    server = provider_server
    body = server.chat_body("")
    body["choices"][0]["message"]["content"] = [
        {"type": "text", "text": '{"vote": true, '},
        {"type": "text", "text": '"confidence": 0.5, "reasoning": "chunks"}'},
    ]
    server.script("mistral", server.Reply(200, body), key=KEY)
    url = server.url("mistral", "/v1/chat/completions")
    async with CodestralClient("codestral", "codestral-latest", KEY, url) as client:
        assert await client.validate_code("x = 1", CONTEXT) == (True, 0.5, "chunks")


async def test_reply_without_usage_has_unreported_usage(provider_server: Any) -> None:
    server = provider_server
    body = server.chat_body(server.verdict())
    del body["usage"]
    server.script("glm", server.Reply(200, body), key=KEY)
    url = server.url("glm", "/api/paas/v4/chat/completions")
    async with GLMClient("glm-4.5", "glm-4.5", KEY, url) as client:
        verdict = await client.evaluate("x = 1", CONTEXT)
    assert verdict.usage.reported is False


def test_seed_style_constructors_use_provider_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "from-env")
    gemini = GeminiClient()
    glm = GLMClient(api_key="k", model="glm-4.5-air")
    assert gemini.has_api_key
    assert gemini.url.endswith("/v1beta/models/gemini-1.5-pro:generateContent")
    assert glm.model_name == "glm-4.5-air"
    assert glm.url == "https://open.bigmodel.cn/api/paas/v4/chat/completions"
    assert CodestralClient(api_key="k").url == "https://api.mistral.ai/v1/chat/completions"
    assert "from-env" not in repr(gemini)
