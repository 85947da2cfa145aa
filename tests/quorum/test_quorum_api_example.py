"""The API reference's "AI Quorum Validation Example", run against the local server.

The example's ``GeminiClient(...)`` placeholders are filled with the local
server's endpoints; every other line is the example's. Its status markers are
printed as plain words here.
"""

from __future__ import annotations

from typing import Any

import pytest

from omninode_bridge.agents.workflows import (
    DEFAULT_QUORUM_MODELS,
    AIQuorum,
    CodestralClient,
    GeminiClient,
    GLMClient,
    ValidationContext,
)

KEY = "example-key"


def _script(server: Any) -> None:
    ok, chat, gem = server.Reply, server.chat_body, server.gemini_body
    server.script("gemini", ok(200, gem(server.verdict(True, 0.9, "compliant"))), key=KEY)
    server.script("glm", ok(200, chat(server.verdict(True, 0.8, "good"))), key=KEY)
    server.script("glmair", ok(200, chat(server.verdict(False, 0.7, "no docstrings"))), key=KEY)
    server.script("mistral", ok(200, chat(server.verdict(True, 1.0, "fine"))), key=KEY)


@pytest.fixture
def endpoints(provider_server: Any) -> dict[str, str]:
    _script(provider_server)
    return {
        "gemini": provider_server.url("gemini", "/v1beta"),
        "glm": provider_server.url("glm", "/api/paas/v4/chat/completions"),
        "glm-air": provider_server.url("glmair", "/api/paas/v4/chat/completions"),
        "codestral": provider_server.url("mistral", "/v1/chat/completions"),
    }


async def test_ai_quorum_validation_example(
    endpoints: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    generated_code = "class NodeUserEffect:\n    async def execute_effect(self, c):\n        ...\n"

    quorum = AIQuorum(
        model_configs=DEFAULT_QUORUM_MODELS,
        pass_threshold=0.6,
    )

    # Register clients
    quorum.register_client(
        "gemini", GeminiClient("gemini", "gemini-1.5-pro", KEY, endpoints["gemini"])
    )
    quorum.register_client("glm-4.5", GLMClient("glm-4.5", "glm-4.5", KEY, endpoints["glm"]))
    quorum.register_client(
        "glm-air", GLMClient("glm-air", "glm-4.5-air", KEY, endpoints["glm-air"])
    )
    quorum.register_client(
        "codestral", CodestralClient("codestral", "codestral-latest", KEY, endpoints["codestral"])
    )

    await quorum.initialize()

    # Validate code
    result = await quorum.validate_code(
        code=generated_code,
        context=ValidationContext(
            node_type="effect",
            validation_criteria=["ONEX v2.0 compliance", "Code quality"],
        ),
    )

    if result.passed:
        print(f"Passed ({result.consensus_score:.1%} consensus)")
    else:
        print(f"Failed ({result.consensus_score:.1%} consensus)")
        for vote in result.votes:
            if not vote.vote:
                print(f"  - {vote.model_id}: {vote.reasoning}")

    await quorum.close()
    expected = (2.0 * 0.9 + 2.0 * 0.8 + 1.0 * 1.0) / 6.5
    assert capsys.readouterr().out == f"Passed ({expected:.1%} consensus)\n"
    assert result.get_vote_by_model("glm-air").reasoning == "no docstrings"  # type: ignore[union-attr]


async def test_failing_branch_of_the_example_lists_no_votes(
    provider_server: Any, endpoints: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    server = provider_server
    server.reset()
    server.script(
        "gemini",
        server.Reply(200, server.gemini_body(server.verdict(False, 0.9, "unsafe"))),
        key=KEY,
    )
    for route in ("glm", "glmair", "mistral"):
        server.script(
            route, server.Reply(200, server.chat_body(server.verdict(False, 0.8, route))), key=KEY
        )
    quorum = AIQuorum(model_configs=DEFAULT_QUORUM_MODELS, pass_threshold=0.6)
    quorum.register_client(
        "gemini", GeminiClient("gemini", "gemini-1.5-pro", KEY, endpoints["gemini"])
    )
    quorum.register_client("glm-4.5", GLMClient("glm-4.5", "glm-4.5", KEY, endpoints["glm"]))
    quorum.register_client(
        "glm-air", GLMClient("glm-air", "glm-4.5-air", KEY, endpoints["glm-air"])
    )
    quorum.register_client(
        "codestral", CodestralClient("codestral", "codestral-latest", KEY, endpoints["codestral"])
    )
    await quorum.initialize()
    result = await quorum.validate_code(code="x = 1", context=ValidationContext(node_type="effect"))
    if result.passed:
        print(f"Passed ({result.consensus_score:.1%} consensus)")
    else:
        print(f"Failed ({result.consensus_score:.1%} consensus)")
        for vote in result.votes:
            if not vote.vote:
                print(f"  - {vote.model_id}: {vote.reasoning}")
    await quorum.close()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Failed (0.0% consensus)"
    assert out[1:] == [
        "  - gemini: unsafe",
        "  - glm-4.5: glm",
        "  - glm-air: glmair",
        "  - codestral: mistral",
    ]
