"""Every AI quorum name the seed API imports resolves from its documented module."""

from __future__ import annotations

import importlib

import pytest

SEED_NAMES = (
    "AIQuorum",
    "LLMClient",
    "GeminiClient",
    "GLMClient",
    "CodestralClient",
    "ModelConfig",
    "QuorumVote",
    "QuorumResult",
    "DEFAULT_QUORUM_MODELS",
    "QuorumException",
    "InsufficientParticipationError",
    "ValidationContext",
)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_name_is_exported(name: str) -> None:
    module = importlib.import_module("omninode_bridge.agents.workflows")
    assert name in module.__all__
    assert getattr(module, name) is not None


def test_quorum_errors_sit_in_the_package_tree() -> None:
    from omninode_bridge.errors import OmniNodeError, QuorumException
    from omninode_bridge.quorum import (
        InvalidReplyError,
        ProviderError,
        RecordingMissingError,
    )

    for error in (InvalidReplyError, ProviderError, RecordingMissingError):
        assert issubclass(error, QuorumException)
        assert issubclass(error, OmniNodeError)
