"""One quorum round against the local server: votes, exclusions, retries and costs together."""

from __future__ import annotations

from typing import Any

import pytest

from omninode_bridge.quorum import (
    DEFAULT_PRICES,
    DEFAULT_QUORUM_MODELS,
    AIQuorum,
    CodestralClient,
    ExclusionKind,
    GeminiClient,
    GLMClient,
)
from omninode_bridge.validation.models import ValidationContext

KEY = "round-key"
CHAT = "/api/paas/v4/chat/completions"


def _cost(model_name: str, tokens_in: int, tokens_out: int) -> float:
    price = DEFAULT_PRICES[model_name]
    return (tokens_in * price.input_per_million + tokens_out * price.output_per_million) / 1e6


async def test_mixed_round(provider_server: Any, fake_sleep: Any) -> None:
    s = provider_server
    s.script("gemini", s.Reply(200, s.gemini_body(s.verdict(True, 0.9, "ok"), 2000, 80)), key=KEY)
    s.script(
        "glm",
        s.Reply(500, {"error": {"message": "busy"}}),
        s.Reply(200, s.chat_body(s.verdict(True, 0.8, "fine"), 1500, 60)),
        key=KEY,
    )
    prose = 'My verdict: {"vote": false, "confidence": 0.6, "reasoning": "naming"} -- end'
    s.script("glmair", s.Reply(200, s.chat_body(prose, 1400, 40)), key=KEY)
    s.script("mistral", s.Reply(401, {"message": "Unauthorized"}), key=KEY)
    quorum = AIQuorum(DEFAULT_QUORUM_MODELS, auto_register=False)
    clients = {
        "gemini": GeminiClient("gemini", "gemini-1.5-pro", KEY, s.url("gemini", "/v1beta"),
                               sleep=fake_sleep),
        "glm-4.5": GLMClient("glm-4.5", "glm-4.5", KEY, s.url("glm", CHAT), sleep=fake_sleep),
        "glm-air": GLMClient("glm-air", "glm-4.5-air", KEY, s.url("glmair", CHAT),
                             sleep=fake_sleep),
        "codestral": CodestralClient("codestral", "codestral-latest", KEY,
                                     s.url("mistral", "/v1/chat/completions"), sleep=fake_sleep),
    }  # fmt: skip
    for model_id, client in clients.items():
        quorum.register_client(model_id, client)
    async with quorum:
        result = await quorum.validate_code("x = 1", ValidationContext(node_type="compute"))

    assert [v.model_id for v in result.votes] == ["gemini", "glm-4.5", "glm-air"]
    assert result.participating_weight == 5.5
    assert result.consensus_score == pytest.approx((2.0 * 0.9 + 2.0 * 0.8) / 5.5)
    assert result.passed is True
    glm = result.get_vote_by_model("glm-4.5")
    assert glm is not None
    assert glm.attempts == 2
    assert len(fake_sleep.calls) == 1
    codestral = result.get_exclusion_by_model("codestral")
    assert codestral is not None
    assert codestral.kind is ExclusionKind.AUTH_ERROR
    assert codestral.attempts == 1
    assert "Unauthorized" in codestral.reason
    expected = (
        _cost("gemini-1.5-pro", 2000, 80)
        + _cost("glm-4.5", 1500, 60)
        + _cost("glm-4.5-air", 1400, 40)
    )
    assert result.total_cost_usd == pytest.approx(expected)
    stats = quorum.get_statistics()
    assert stats["total_cost"] == pytest.approx(expected)
    assert stats["total_input_tokens"] == 4900
    models = {m["model_id"]: m for m in stats["models"]}
    assert models["glm-4.5"]["attempts"] == 2
    assert models["codestral"]["exclusions"] == 1
