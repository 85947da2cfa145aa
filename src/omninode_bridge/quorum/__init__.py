"""AI quorum: weighted consensus of several LLMs, real provider clients, record/replay."""

from __future__ import annotations

from omninode_bridge.errors import InsufficientParticipationError, QuorumException
from omninode_bridge.quorum.clients import (
    PROVIDERS,
    ChatCompletionsClient,
    CodestralClient,
    Completion,
    GeminiClient,
    GLMClient,
    LLMClient,
    OpenAICompatibleClient,
    RetryPolicy,
    client_from_config,
)
from omninode_bridge.quorum.drafting import (
    ContractDraft,
    ContractDrafter,
    build_drafter_from_settings,
    write_contracts,
)
from omninode_bridge.quorum.errors import (
    InvalidReplyError,
    ProviderError,
    RecordingMissingError,
)
from omninode_bridge.quorum.models import (
    DEFAULT_QUORUM_MODELS,
    ExclusionKind,
    ModelConfig,
    ModelExclusion,
    ModelStatistics,
    ModelVerdict,
    QuorumResult,
    QuorumStatistics,
    QuorumVote,
    TokenUsage,
)
from omninode_bridge.quorum.pricing import DEFAULT_PRICES, ModelPrice, PriceTable
from omninode_bridge.quorum.quorum import AIQuorum
from omninode_bridge.quorum.recording import RecordingTransport, RecordMode
from omninode_bridge.quorum.settings import (
    QUORUM_OFF_MESSAGE,
    QuorumModelSettings,
    QuorumSettings,
    build_quorum_from_settings,
    load_quorum_settings,
)

__all__ = [
    "DEFAULT_PRICES",
    "DEFAULT_QUORUM_MODELS",
    "PROVIDERS",
    "QUORUM_OFF_MESSAGE",
    "AIQuorum",
    "ChatCompletionsClient",
    "CodestralClient",
    "Completion",
    "ContractDraft",
    "ContractDrafter",
    "ExclusionKind",
    "GLMClient",
    "GeminiClient",
    "InsufficientParticipationError",
    "InvalidReplyError",
    "LLMClient",
    "ModelConfig",
    "ModelExclusion",
    "ModelPrice",
    "ModelStatistics",
    "ModelVerdict",
    "OpenAICompatibleClient",
    "PriceTable",
    "ProviderError",
    "QuorumException",
    "QuorumModelSettings",
    "QuorumResult",
    "QuorumSettings",
    "QuorumStatistics",
    "QuorumVote",
    "RecordMode",
    "RecordingMissingError",
    "RecordingTransport",
    "RetryPolicy",
    "TokenUsage",
    "build_drafter_from_settings",
    "build_quorum_from_settings",
    "client_from_config",
    "load_quorum_settings",
    "write_contracts",
]
