"""ModelConfig validation, defaults and QuorumResult helpers."""

from __future__ import annotations

import dataclasses

import pytest

from omninode_bridge.errors import ConfigError
from omninode_bridge.quorum import (
    DEFAULT_QUORUM_MODELS,
    ExclusionKind,
    ModelConfig,
    ModelExclusion,
    QuorumResult,
    QuorumVote,
    TokenUsage,
)


def test_default_models_weigh_six_and_a_half() -> None:
    weights = {c.model_id: c.weight for c in DEFAULT_QUORUM_MODELS}
    assert weights == {"gemini": 2.0, "glm-4.5": 2.0, "glm-air": 1.5, "codestral": 1.0}
    assert sum(weights.values()) == 6.5
    assert {c.api_key_env for c in DEFAULT_QUORUM_MODELS} == {
        "GEMINI_API_KEY",
        "GLM_API_KEY",
        "CODESTRAL_API_KEY",
    }
    assert [c.resolved_provider for c in DEFAULT_QUORUM_MODELS] == [
        "gemini",
        "glm",
        "glm",
        "codestral",
    ]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"weight": 0.0}, "weight"),
        ({"weight": 10.5}, "weight"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": 121}, "timeout"),
        ({"max_retries": 6}, "max_retries"),
        ({"endpoint": "ftp://x"}, "endpoint"),
        ({"model_id": ""}, "model_id"),
    ],
    ids=["weight-zero", "weight-high", "timeout-zero", "timeout-high", "retries", "scheme", "id"],
)
def test_model_config_rejects_bad_values(change: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        dataclasses.replace(DEFAULT_QUORUM_MODELS[0], **change)  # type: ignore[arg-type]


def test_unknown_host_is_openai_compatible() -> None:
    config = ModelConfig("local", "llama3.1", 1.0, "http://127.0.0.1:11434/v1")
    assert config.resolved_provider == "openai"
    assert dataclasses.replace(config, provider="glm").resolved_provider == "glm"


def test_seed_vote_constructor_still_works() -> None:
    vote = QuorumVote(
        model_id="gemini",
        vote=True,
        confidence=0.92,
        reasoning="Code meets all ONEX v2.0 requirements",
        duration_ms=1234.5,
    )
    assert vote.cost_usd is None
    assert vote.vote_id


def _result() -> QuorumResult:
    votes = [
        QuorumVote("gemini", True, 0.9, "good", 10.0, weight=2.0, cost_usd=0.01,
                   usage=TokenUsage(100, 10, True)),
        QuorumVote("codestral", False, 0.8, "bad names", 12.0, weight=1.0),
    ]  # fmt: skip
    exclusions = [
        ModelExclusion("glm-air", ExclusionKind.TIMEOUT, "no reply within 30 s", 30000.0,
                       weight=1.5, cost_usd=0.002, usage=TokenUsage(5, 1, True)),
    ]  # fmt: skip
    return QuorumResult(True, 0.6, votes, 4.5, 3.0, 0.6, 40.0, "c-1", exclusions, "effect")


def test_get_vote_by_model() -> None:
    result = _result()
    assert result.get_vote_by_model("codestral").reasoning == "bad names"  # type: ignore[union-attr]
    assert result.get_vote_by_model("glm-air") is None
    assert result.get_exclusion_by_model("glm-air").kind is ExclusionKind.TIMEOUT  # type: ignore[union-attr]


def test_votes_summary_lists_votes_and_exclusions() -> None:
    lines = _result().get_votes_summary().splitlines()
    assert lines[0] == "PASSED: consensus 60.0% (threshold 60.0%), weight 3/4.5"
    assert lines[1].startswith("  gemini: PASS confidence 90.0% weight 2")
    assert lines[2].startswith("  codestral: FAIL confidence 80.0%")
    assert lines[3] == "  glm-air: EXCLUDED (timeout): no reply within 30 s"


def test_cost_and_usage_include_exclusions() -> None:
    result = _result()
    assert result.total_cost_usd == pytest.approx(0.012)
    assert result.usage == TokenUsage(105, 11, True)
