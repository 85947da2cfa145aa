"""A client written to the API Reference's contract (validate_code -> tuple) takes part."""

from __future__ import annotations

import pytest

from omninode_bridge.quorum import (
    DEFAULT_QUORUM_MODELS,
    AIQuorum,
    ExclusionKind,
    InsufficientParticipationError,
    LLMClient,
)
from omninode_bridge.validation.models import ValidationContext

CONTEXT = ValidationContext(node_type="effect")


class DocumentedClient(LLMClient):
    """Exactly what the API Reference shows: __init__ arguments and validate_code."""

    def __init__(
        self,
        model_id: str,
        model_name: str,
        api_key: str,
        endpoint: str,
        timeout: int = 30,
        answer: object = (True, 0.9, "fine"),
    ) -> None:
        super().__init__(model_id, model_name, api_key, endpoint, timeout)
        self.answer = answer
        self.seen: list[tuple[str, ValidationContext]] = []

    async def validate_code(  # type: ignore[override]
        self, code: str, context: ValidationContext
    ) -> object:
        self.seen.append((code, context))
        return self.answer


def documented(model_id: str, answer: object = (True, 0.9, "fine")) -> DocumentedClient:
    return DocumentedClient(model_id, model_id, "key", "https://example.invalid/v1", answer=answer)


async def test_quorum_calls_validate_code_of_a_documented_client() -> None:
    quorum = AIQuorum(DEFAULT_QUORUM_MODELS, auto_register=False)
    clients = {c.model_id: documented(c.model_id) for c in DEFAULT_QUORUM_MODELS}
    for model_id, client in clients.items():
        quorum.register_client(model_id, client)

    result = await quorum.validate_code("x = 1\n", CONTEXT)

    assert result.passed
    assert result.consensus_score == pytest.approx(0.9)
    assert [v.reasoning for v in result.votes] == ["fine"] * 4
    assert all(c.seen == [("x = 1\n", CONTEXT)] for c in clients.values())


async def test_a_malformed_answer_excludes_that_model_with_the_reason() -> None:
    quorum = AIQuorum(DEFAULT_QUORUM_MODELS, auto_register=False)
    for config in DEFAULT_QUORUM_MODELS:
        answer = (
            (True, 1.5, "over-confident") if config.model_id == "codestral" else (True, 0.8, "")
        )
        quorum.register_client(config.model_id, documented(config.model_id, answer))

    result = await quorum.validate_code("x = 1\n", CONTEXT)

    [excluded] = result.exclusions
    assert (excluded.model_id, excluded.kind) == ("codestral", ExclusionKind.INVALID_REPLY)
    assert "confidence in [0, 1]" in excluded.reason


async def test_only_malformed_answers_are_insufficient_participation() -> None:
    quorum = AIQuorum(DEFAULT_QUORUM_MODELS, auto_register=False)
    for config in DEFAULT_QUORUM_MODELS:
        quorum.register_client(config.model_id, documented(config.model_id, "yes"))

    with pytest.raises(InsufficientParticipationError):
        await quorum.validate_code("x = 1\n", CONTEXT)


async def test_a_client_with_no_contract_says_which_methods_it_lacks() -> None:
    client = LLMClient("m", "m", "key", "https://example.invalid/v1")

    with pytest.raises(NotImplementedError, match="overrides neither validate_code"):
        await client.validate_code("x = 1\n", CONTEXT)
