"""Record provider exchanges against the local server, then replay them offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from omninode_bridge.errors import ConfigError
from omninode_bridge.quorum import (
    ExclusionKind,
    GeminiClient,
    GLMClient,
    ProviderError,
    RecordingTransport,
    RecordMode,
)
from omninode_bridge.quorum.recording import request_key, transport_from_env
from omninode_bridge.validation.models import ValidationContext

KEY = "sk-recording-secret"
CONTEXT = ValidationContext(node_type="reducer")
CODE = "def reduce(state, event):\n    return state\n"


def _gemini(server: Any, transport: httpx.AsyncBaseTransport, sleep: Any) -> GeminiClient:
    return GeminiClient(
        "gemini", "gemini-1.5-pro", KEY, server.url("gemini", "/v1beta"),
        transport=transport, sleep=sleep,
    )  # fmt: skip


def _glm(server: Any, transport: httpx.AsyncBaseTransport, sleep: Any) -> GLMClient:
    return GLMClient(
        "glm-4.5", "glm-4.5", KEY, server.url("glm", "/api/paas/v4/chat/completions"),
        transport=transport, sleep=sleep,
    )  # fmt: skip


async def test_replay_answers_without_the_network(
    provider_server: Any, fake_sleep: Any, tmp_path: Path
) -> None:
    server = provider_server
    server.script(
        "gemini", server.Reply(200, server.gemini_body(server.verdict(True, 0.8))), key=KEY
    )
    server.script("glm", server.Reply(200, server.chat_body(server.verdict(False, 0.6))), key=KEY)
    async with (
        _gemini(server, RecordingTransport(tmp_path, RecordMode.RECORD), fake_sleep) as gemini,
        _glm(server, RecordingTransport(tmp_path, "record"), fake_sleep) as glm,
    ):
        recorded = [await gemini.evaluate(CODE, CONTEXT), await glm.evaluate(CODE, CONTEXT)]
    server.reset()
    async with (
        _gemini(server, RecordingTransport(tmp_path, RecordMode.REPLAY), fake_sleep) as gemini,
        _glm(server, RecordingTransport(tmp_path, "replay"), fake_sleep) as glm,
    ):
        replayed = [await gemini.evaluate(CODE, CONTEXT), await glm.evaluate(CODE, CONTEXT)]
    assert replayed == recorded
    assert server.seen == []


def _only_recording(folder: Path) -> str:
    (path,) = folder.glob("*.json")
    return path.read_text()


async def test_recordings_hold_no_secret(
    provider_server: Any, fake_sleep: Any, tmp_path: Path
) -> None:
    server = provider_server
    server.script("glm", server.Reply(200, server.chat_body(server.verdict())), key=KEY)
    async with _glm(server, RecordingTransport(tmp_path, "record"), fake_sleep) as glm:
        await glm.evaluate(CODE, CONTEXT)
    text = _only_recording(tmp_path)
    assert KEY not in text
    data = json.loads(text)
    assert data["request"]["url"].endswith("/glm/api/paas/v4/chat/completions")
    assert [r["status"] for r in data["responses"]] == [200]


async def test_retries_replay_in_recorded_order(
    provider_server: Any, fake_sleep: Any, tmp_path: Path
) -> None:
    server = provider_server
    limited = server.Reply(429, {"error": {"message": "busy"}}, {"retry-after": "2"})
    server.script("glm", limited, server.Reply(200, server.chat_body(server.verdict())), key=KEY)
    async with _glm(server, RecordingTransport(tmp_path, "record"), fake_sleep) as glm:
        first = await glm.evaluate(CODE, CONTEXT)
    server.reset()
    async with _glm(server, RecordingTransport(tmp_path, "replay"), fake_sleep) as glm:
        second = await glm.evaluate(CODE, CONTEXT)
    assert first.attempts == second.attempts == 2
    assert fake_sleep.calls == [2.0, 2.0]


async def test_missing_recording_excludes_the_model(fake_sleep: Any, tmp_path: Path) -> None:
    client = GLMClient(
        "glm-4.5", "glm-4.5", KEY, "https://open.bigmodel.cn/api/paas/v4/chat/completions",
        transport=RecordingTransport(tmp_path, "replay"), sleep=fake_sleep,
    )  # fmt: skip
    async with client:
        with pytest.raises(ProviderError, match="no recorded exchange") as info:
            await client.evaluate(CODE, CONTEXT)
    assert info.value.kind is ExclusionKind.NOT_RECORDED
    assert fake_sleep.calls == []


async def test_clients_pick_up_the_cassette_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_sleep: Any
) -> None:
    monkeypatch.setenv("OMNINODE_QUORUM_CASSETTE", str(tmp_path))
    client = GLMClient(api_key=KEY, sleep=fake_sleep)
    async with client:
        with pytest.raises(ProviderError) as info:
            await client.evaluate(CODE, CONTEXT)
    assert info.value.kind is ExclusionKind.NOT_RECORDED


def test_transport_from_env_reads_folder_and_mode(tmp_path: Path) -> None:
    env = {"OMNINODE_QUORUM_CASSETTE": str(tmp_path), "OMNINODE_QUORUM_CASSETTE_MODE": "record"}
    transport = transport_from_env(env)
    assert transport is not None
    assert transport.mode is RecordMode.RECORD
    assert transport_from_env({}) is None


def test_transport_from_env_rejects_unknown_mode(tmp_path: Path) -> None:
    env = {"OMNINODE_QUORUM_CASSETTE": str(tmp_path), "OMNINODE_QUORUM_CASSETTE_MODE": "live"}
    with pytest.raises(ConfigError, match="OMNINODE_QUORUM_CASSETTE_MODE"):
        transport_from_env(env)


def test_request_key_ignores_key_param_and_body_order() -> None:
    a = httpx.Request("POST", "https://x.test/m:generateContent?key=one", json={"a": 1, "b": 2})
    b = httpx.Request("POST", "https://x.test/m:generateContent?key=two", json={"b": 2, "a": 1})
    c = httpx.Request("POST", "https://x.test/m:generateContent", json={"a": 1, "b": 3})
    assert request_key(a) == request_key(b)
    assert request_key(a) != request_key(c)
