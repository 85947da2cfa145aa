"""Records of the AI quorum: model configuration, votes, exclusions, results.

Every record is a frozen, slotted dataclass. A model that answered with a
usable verdict contributes a :class:`QuorumVote`; a model that could not be
reached, refused the request or answered with something that is not the
expected JSON contributes a :class:`ModelExclusion` naming the reason.
"""

from __future__ import annotations

import enum
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from omninode_bridge.errors import ConfigError

__all__ = [
    "DEFAULT_QUORUM_MODELS",
    "ExclusionKind",
    "ModelConfig",
    "ModelExclusion",
    "ModelStatistics",
    "ModelVerdict",
    "QuorumResult",
    "QuorumStatistics",
    "QuorumVote",
    "TokenUsage",
]

_MAX_WEIGHT = 10.0
_MAX_TIMEOUT = 120.0
_MAX_RETRIES = 5


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """Configuration for one LLM model in the quorum.

    Attributes:
        model_id: Unique model identifier inside the quorum (``"gemini"``).
        model_name: Model name sent to the provider (``"gemini-1.5-pro"``).
        weight: Voting weight, in (0, 10]; higher counts more.
        endpoint: Provider URL. A full ``...:generateContent`` or
            ``.../chat/completions`` URL, or a base URL the client completes.
        api_key_env: Environment variable holding the API key; empty for
            endpoints without authentication (a local Ollama server).
        timeout: Per-attempt timeout in seconds, in (0, 120].
        max_retries: Retries after the first attempt, 0 to 5.
        enabled: Disabled models are neither called nor counted.
        provider: ``gemini``, ``glm``, ``codestral`` or ``openai``; empty
            means inferred from the endpoint and model id.
    """

    model_id: str
    model_name: str
    weight: float
    endpoint: str
    api_key_env: str = ""
    timeout: float = 30
    max_retries: int = 2
    enabled: bool = True
    provider: str = ""

    def __post_init__(self) -> None:
        where = f"quorum model '{self.model_id}'"
        if not self.model_id:
            raise ConfigError("quorum model: model_id must not be empty")
        if not 0 < self.weight <= _MAX_WEIGHT:
            raise ConfigError(f"{where}: weight must be in (0, {_MAX_WEIGHT:g}], got {self.weight}")
        if not 0 < self.timeout <= _MAX_TIMEOUT:
            raise ConfigError(
                f"{where}: timeout must be in (0, {_MAX_TIMEOUT:g}] seconds, got {self.timeout}"
            )
        if not 0 <= self.max_retries <= _MAX_RETRIES:
            raise ConfigError(
                f"{where}: max_retries must be in 0..{_MAX_RETRIES}, got {self.max_retries}"
            )
        if urlsplit(self.endpoint).scheme not in ("http", "https"):
            raise ConfigError(f"{where}: endpoint must be an http(s) URL, got {self.endpoint!r}")

    @property
    def resolved_provider(self) -> str:
        """The provider family, from ``provider`` or inferred from endpoint and id."""
        if self.provider:
            return self.provider
        host = urlsplit(self.endpoint).netloc.lower()
        name = self.model_id.lower()
        if "generativelanguage" in host or name.startswith("gemini"):
            return "gemini"
        if "bigmodel" in host or "z.ai" in host or name.startswith("glm"):
            return "glm"
        if "mistral" in host or name.startswith(("codestral", "mistral")):
            return "codestral"
        return "openai"


_GEMINI_URL = (
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-1.5-pro:generateContent"
)
_GLM_URL = "https://open.bigmodel.cn/api/paas/v4/chat/completions"
_MISTRAL_URL = "https://api.mistral.ai/v1/chat/completions"

#: The four production models: total weight 6.5, so a 0.6 threshold needs 3.9.
DEFAULT_QUORUM_MODELS: list[ModelConfig] = [
    ModelConfig("gemini", "gemini-1.5-pro", 2.0, _GEMINI_URL, "GEMINI_API_KEY"),
    ModelConfig("glm-4.5", "glm-4.5", 2.0, _GLM_URL, "GLM_API_KEY"),
    ModelConfig("glm-air", "glm-4.5-air", 1.5, _GLM_URL, "GLM_API_KEY"),
    ModelConfig("codestral", "codestral-latest", 1.0, _MISTRAL_URL, "CODESTRAL_API_KEY"),
]


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens one provider call consumed, as the provider reported them.

    Attributes:
        input_tokens: Prompt tokens (``prompt_tokens`` / ``promptTokenCount``).
        output_tokens: Completion tokens (``completion_tokens`` /
            ``candidatesTokenCount``).
        reported: False when the reply carried no usage block.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    reported: bool = False

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.reported or other.reported,
        )


@dataclass(frozen=True, slots=True)
class ModelVerdict:
    """What a client makes of one model's reply: the vote and what it cost.

    Attributes:
        vote: Pass (True) or fail (False).
        confidence: The model's confidence, 0.0 to 1.0.
        reasoning: The model's explanation.
        usage: Tokens summed over every attempt that returned a body.
        attempts: HTTP attempts made, retries included.
    """

    vote: bool
    confidence: float
    reasoning: str
    usage: TokenUsage = field(default_factory=TokenUsage)
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class QuorumVote:
    """Individual model vote in the quorum.

    Attributes:
        model_id: Model identifier.
        vote: Pass (True) or fail (False).
        confidence: Model confidence (0.0-1.0).
        reasoning: Explanation for the vote.
        duration_ms: Model call duration, retries included.
        weight: The model's configured weight.
        usage: Tokens the call consumed.
        cost_usd: Cost from the price table; None when the model has no price.
        attempts: HTTP attempts made.
        vote_id: Unique id of this vote.
        timestamp: Unix time the vote was recorded.
    """

    model_id: str
    vote: bool
    confidence: float
    reasoning: str
    duration_ms: float
    weight: float = 1.0
    usage: TokenUsage = field(default_factory=TokenUsage)
    cost_usd: float | None = None
    attempts: int = 1
    vote_id: str = field(default_factory=_new_id)
    timestamp: float = field(default_factory=time.time)


class ExclusionKind(enum.StrEnum):
    """Why a model's answer was left out of the consensus."""

    TIMEOUT = "timeout"
    CONNECTION = "connection"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    AUTH_ERROR = "auth_error"
    CLIENT_ERROR = "client_error"
    INVALID_REPLY = "invalid_reply"
    NOT_RECORDED = "not_recorded"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ModelExclusion:
    """A model whose answer did not count, and why.

    Attributes:
        model_id: Model identifier.
        kind: The class of failure.
        reason: One line naming what went wrong (never the API key).
        duration_ms: Time spent on the model, retries included.
        weight: The model's configured weight (not counted).
        attempts: HTTP attempts made.
        status: Last HTTP status, when a response arrived.
        usage: Tokens consumed anyway (a reply that was not valid JSON).
        cost_usd: Cost of those tokens; None when unknown.
    """

    model_id: str
    kind: ExclusionKind
    reason: str
    duration_ms: float
    weight: float = 1.0
    attempts: int = 1
    status: int | None = None
    usage: TokenUsage = field(default_factory=TokenUsage)
    cost_usd: float | None = None


@dataclass(frozen=True, slots=True)
class QuorumResult:
    """Result of AI quorum validation.

    Attributes:
        passed: Whether the code passed quorum validation.
        consensus_score: Weighted consensus score (0.0-1.0).
        votes: Votes of the models that took part, in configuration order.
        total_weight: Weight of every enabled model with a registered client.
        participating_weight: Weight of the models that voted.
        pass_threshold: Required consensus for passing.
        duration_ms: Total validation duration.
        correlation_id: Optional correlation id.
        exclusions: Models that did not take part, with the reason.
        node_type: Node type from the validation context.
        result_id: Unique id of this result.
    """

    passed: bool
    consensus_score: float
    votes: list[QuorumVote]
    total_weight: float
    participating_weight: float
    pass_threshold: float
    duration_ms: float
    correlation_id: str | None = None
    exclusions: list[ModelExclusion] = field(default_factory=list)
    node_type: str = ""
    result_id: str = field(default_factory=_new_id)

    @property
    def usage(self) -> TokenUsage:
        """Tokens consumed by every model, excluded ones included."""
        total = TokenUsage()
        for usage in [*(v.usage for v in self.votes), *(e.usage for e in self.exclusions)]:
            total = total + usage
        return total

    @property
    def total_cost_usd(self) -> float:
        """Cost of every priced model call, excluded ones included."""
        costs = [*(v.cost_usd for v in self.votes), *(e.cost_usd for e in self.exclusions)]
        return sum(cost for cost in costs if cost is not None)

    def get_votes_summary(self) -> str:
        """Formatted summary: the decision, then one line per vote and exclusion."""
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [
            f"{verdict}: consensus {self.consensus_score:.1%} "
            f"(threshold {self.pass_threshold:.1%}), "
            f"weight {self.participating_weight:g}/{self.total_weight:g}"
        ]
        for v in self.votes:
            status = "PASS" if v.vote else "FAIL"
            lines.append(
                f"  {v.model_id}: {status} confidence {v.confidence:.1%} "
                f"weight {v.weight:g} ({v.duration_ms:.0f} ms): {v.reasoning}"
            )
        for e in self.exclusions:
            lines.append(f"  {e.model_id}: EXCLUDED ({e.kind.value}): {e.reason}")
        return "\n".join(lines)

    def get_vote_by_model(self, model_id: str) -> QuorumVote | None:
        """The vote of ``model_id``, or None when it did not vote."""
        return next((v for v in self.votes if v.model_id == model_id), None)

    def get_exclusion_by_model(self, model_id: str) -> ModelExclusion | None:
        """Why ``model_id`` did not vote, or None when it voted."""
        return next((e for e in self.exclusions if e.model_id == model_id), None)


@dataclass(frozen=True, slots=True)
class ModelStatistics:
    """Per-model counters over the life of one quorum.

    Attributes:
        model_id: Model identifier.
        calls: Times the model was consulted.
        votes: Calls that produced a counted vote.
        exclusions: Calls left out of the consensus.
        attempts: HTTP attempts over every call (retries included).
        input_tokens: Prompt tokens over every call.
        output_tokens: Completion tokens over every call.
        cost_usd: Priced cost over every call.
    """

    model_id: str
    calls: int = 0
    votes: int = 0
    exclusions: int = 0
    attempts: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True, slots=True)
class QuorumStatistics:
    """Aggregate of every validation a quorum ran.

    Attributes:
        total_validations: Validations that reached a decision or failed
            for lack of participation.
        total_passes: Validations that passed.
        total_failures: Validations that failed (participation failures included).
        insufficient_participation: Validations without enough weight.
        pass_rate: ``total_passes / total_validations`` (0.0 when none ran).
        avg_consensus_score: Mean consensus over decided validations.
        avg_duration_ms: Mean duration over all validations.
        total_cost: Priced cost in USD over all validations.
        avg_cost_per_validation: ``total_cost / total_validations``.
        total_input_tokens: Prompt tokens over all validations.
        total_output_tokens: Completion tokens over all validations.
        total_weight: Weight of enabled models with a registered client.
        pass_threshold: Consensus needed to pass.
        min_participating_weight: Weight needed for a decision.
        total_models: Enabled models configured.
        registered_models: Enabled models with a registered client.
        models: Per-model counters, in configuration order.
    """

    total_validations: int
    total_passes: int
    total_failures: int
    insufficient_participation: int
    pass_rate: float
    avg_consensus_score: float
    avg_duration_ms: float
    total_cost: float
    avg_cost_per_validation: float
    total_input_tokens: int
    total_output_tokens: int
    total_weight: float
    pass_threshold: float
    min_participating_weight: float
    total_models: int
    registered_models: int
    models: tuple[ModelStatistics, ...] = ()
