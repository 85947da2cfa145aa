"""AIQuorum as the ValidationPipeline's quorum, its models on the local server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.agents.workflows import (
    DEFAULT_QUORUM_MODELS,
    AIQuorum,
    CodestralClient,
    GeminiClient,
    GLMClient,
    QuorumResult,
    ValidationContext,
    ValidationPipeline,
)
from omninode_bridge.errors import ValidationException
from omninode_bridge.validation import default_validators

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "validation"
GOOD_NODE = (FIXTURES / "nodes" / "good_effect_node.py").read_text(encoding="utf-8")
CONTEXT = ValidationContext(node_type="effect", file_path="node.py")
KEY = "pipeline-key"


def _quorum(server: Any, votes: dict[str, tuple[bool, float]], status: int = 200) -> AIQuorum:
    routes = {"gemini": "gemini", "glm-4.5": "glm", "glm-air": "glmair", "codestral": "mistral"}
    for model_id, route in routes.items():
        vote, confidence = votes[model_id]
        body_fn = server.gemini_body if route == "gemini" else server.chat_body
        body = body_fn(server.verdict(vote, confidence, f"{model_id} verdict"))
        server.script(route, server.Reply(status, body), key=KEY)
    quorum = AIQuorum(DEFAULT_QUORUM_MODELS, auto_register=False)
    chat = "/api/paas/v4/chat/completions"
    quorum.register_client(
        "gemini", GeminiClient("gemini", "gemini-1.5-pro", KEY, server.url("gemini", "/v1beta"))
    )
    quorum.register_client("glm-4.5", GLMClient("glm-4.5", "glm-4.5", KEY, server.url("glm", chat)))
    quorum.register_client(
        "glm-air", GLMClient("glm-air", "glm-4.5-air", KEY, server.url("glmair", chat))
    )
    quorum.register_client(
        "codestral",
        CodestralClient(
            "codestral", "codestral-latest", KEY, server.url("mistral", "/v1/chat/completions")
        ),
    )
    return quorum


async def test_quorum_approval_passes_the_pipeline(provider_server: Any) -> None:
    votes = {m.model_id: (True, 0.9) for m in DEFAULT_QUORUM_MODELS}
    quorum = _quorum(provider_server, votes)
    result = await ValidationPipeline(default_validators(), ai_quorum=quorum).validate(
        GOOD_NODE, CONTEXT
    )
    await quorum.close()
    assert result.passed
    assert isinstance(result.quorum_result, QuorumResult)
    assert len(result.quorum_result.votes) == 4


async def test_quorum_rejection_fails_the_pipeline(provider_server: Any) -> None:
    votes = {m.model_id: (False, 0.9) for m in DEFAULT_QUORUM_MODELS}
    quorum = _quorum(provider_server, votes)
    result = await ValidationPipeline(default_validators(), ai_quorum=quorum).validate(
        GOOD_NODE, CONTEXT
    )
    await quorum.close()
    assert not result.passed
    assert "QRM001" in result.rule_ids


async def test_models_down_surface_as_validation_exception(provider_server: Any) -> None:
    votes = {m.model_id: (True, 0.9) for m in DEFAULT_QUORUM_MODELS}
    quorum = _quorum(provider_server, votes, status=401)
    pipeline = ValidationPipeline(default_validators(), ai_quorum=quorum)
    with pytest.raises(ValidationException, match="Insufficient participation"):
        await pipeline.validate(GOOD_NODE, CONTEXT)
    await quorum.close()
