"""The validation prompt and the verdict parser."""

from __future__ import annotations

import pytest

from omninode_bridge.quorum import InvalidReplyError
from omninode_bridge.quorum.prompt import (
    DEFAULT_CRITERIA,
    build_validation_prompt,
    extract_json_object,
    parse_vote_reply,
)
from omninode_bridge.validation.models import ValidationContext


def test_prompt_numbers_default_criteria() -> None:
    prompt = build_validation_prompt("x = 1", ValidationContext(node_type="compute"))
    assert prompt.startswith(
        "You are a code quality validator for ONEX v2.0 compliant code generation."
    )
    assert "```python\nx = 1\n```" in prompt
    for i, item in enumerate(DEFAULT_CRITERIA, start=1):
        assert f"{i}. {item}" in prompt
    assert prompt.endswith('{"vote": true/false, "confidence": 0.0-1.0, "reasoning": "..."}')


def test_prompt_uses_given_criteria_and_contract() -> None:
    context = ValidationContext("effect", "writes rows", ["Idempotent", "No globals"])
    prompt = build_validation_prompt("x = 1", context)
    assert "Contract: writes rows" in prompt
    assert "1. Idempotent\n2. No globals" in prompt
    assert DEFAULT_CRITERIA[0] not in prompt


@pytest.mark.parametrize(
    "text",
    [
        '{"vote": false, "confidence": 0.2, "reasoning": "r"}',
        '```\n{"vote": false, "confidence": 0.2, "reasoning": "r"}\n```',
        'Sure! ```json {"vote": false, "confidence": 0.2, "reasoning": "r"} ``` done',
        'Verdict {not json} then {"vote": false, "confidence": 0.2, "reasoning": "r"} end',
    ],
    ids=["bare", "fence", "inline-fence", "noise-before"],
)
def test_verdict_found_in_wrappers(text: str) -> None:
    reply = parse_vote_reply(text, "m")
    assert (reply.vote, reply.confidence, reply.reasoning) == (False, 0.2, "r")


def test_nested_braces_in_reasoning_survive() -> None:
    payload = '{"vote": true, "confidence": 1, "reasoning": "uses {x} and }"}'
    assert extract_json_object("text " + payload) == {
        "vote": True,
        "confidence": 1,
        "reasoning": "uses {x} and }",
    }


def test_json_array_is_not_a_verdict() -> None:
    with pytest.raises(InvalidReplyError, match="not JSON"):
        parse_vote_reply("[true, 0.9]", "m")
