"""AIQuorum: weighted consensus of several LLMs on one piece of generated code.

Every enabled model with a registered client is asked in parallel. A model
that cannot be reached, refuses the call or answers with something other than
the expected JSON verdict is excluded, with the reason kept in the result.
Of the models that voted::

    participating_weight = sum(weight)
    consensus = sum(weight * confidence for "pass" votes) / participating_weight
    passed = consensus >= pass_threshold

A "fail" vote adds only to the denominator. When ``participating_weight`` is
below ``min_participating_weight`` no decision is made and
:class:`~omninode_bridge.errors.InsufficientParticipationError` is raised,
with one note per excluded model.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, Self

from omninode_bridge.errors import ConfigError, InsufficientParticipationError, QuorumException
from omninode_bridge.logs import get_logger
from omninode_bridge.quorum.clients import LLMClient, client_from_config
from omninode_bridge.quorum.clients.base import ask_client
from omninode_bridge.quorum.errors import InvalidReplyError, ProviderError
from omninode_bridge.quorum.models import (
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
from omninode_bridge.quorum.pricing import PriceTable
from omninode_bridge.validation.models import ValidationContext

if TYPE_CHECKING:
    from omninode_bridge.metrics.collector import MetricsCollector

__all__ = ["AIQuorum"]

log = get_logger(__name__, component="quorum")

_EPSILON = 1e-9


@dataclass(slots=True)
class _ModelTally:
    calls: int = 0
    votes: int = 0
    exclusions: int = 0
    attempts: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, item: QuorumVote | ModelExclusion) -> None:
        self.calls += 1
        if isinstance(item, QuorumVote):
            self.votes += 1
        else:
            self.exclusions += 1
        self.attempts += item.attempts
        self.input_tokens += item.usage.input_tokens
        self.output_tokens += item.usage.output_tokens
        self.cost_usd += item.cost_usd or 0.0


@dataclass(slots=True)
class _Tally:
    validations: int = 0
    passes: int = 0
    insufficient: int = 0
    decided: int = 0
    consensus_sum: float = 0.0
    duration_sum_ms: float = 0.0


class AIQuorum:
    """Weighted multi-model consensus validation.

    Args:
        model_configs: Models that may vote; ids must be unique.
        pass_threshold: Consensus needed to pass, 0.0 to 1.0.
        min_participating_weight: Weight of voting models needed for a decision.
        metrics_collector: Receives ``quorum_*`` timings, counters and gauges.
        price_table: USD prices per model; defaults to :data:`DEFAULT_PRICES`.
        auto_register: ``initialize()`` registers a client for every enabled
            model whose API key variable is set (or that needs no key).

    Raises:
        ConfigError: Threshold or minimum weight out of range, duplicate ids.
    """

    def __init__(
        self,
        model_configs: Sequence[ModelConfig],
        pass_threshold: float = 0.6,
        min_participating_weight: float = 3.0,
        metrics_collector: MetricsCollector | None = None,
        *,
        price_table: PriceTable | None = None,
        auto_register: bool = True,
    ) -> None:
        if not 0.0 <= pass_threshold <= 1.0:
            raise ConfigError(f"quorum: pass_threshold must be in [0, 1], got {pass_threshold}")
        if min_participating_weight < 0:
            raise ConfigError(
                f"quorum: min_participating_weight must be >= 0, got {min_participating_weight}"
            )
        ids = [c.model_id for c in model_configs]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ConfigError(f"quorum: duplicate model ids: {', '.join(duplicates)}")
        self.model_configs = list(model_configs)
        self.pass_threshold = pass_threshold
        self.min_participating_weight = min_participating_weight
        self.metrics_collector = metrics_collector
        self.price_table = price_table or PriceTable()
        self.auto_register = auto_register
        self._configs = {c.model_id: c for c in self.model_configs}
        self._clients: dict[str, LLMClient] = {}
        self._tally = _Tally()
        self._model_tallies = {c.model_id: _ModelTally() for c in self.model_configs}
        self._initialized = False
        self._total_cost = 0.0
        self._input_tokens = 0
        self._output_tokens = 0

    # -- registration ----------------------------------------------------------

    def register_client(self, model_id: str, client: LLMClient) -> None:
        """Register the LLM client that answers for ``model_id``.

        Raises:
            QuorumException: ``model_id`` is not one of the configured models.
        """
        if model_id not in self._configs:
            known = ", ".join(self._configs) or "none"
            raise QuorumException(
                f"cannot register a client for unknown model '{model_id}' (configured: {known})"
            )
        self._clients[model_id] = client

    @property
    def clients(self) -> dict[str, LLMClient]:
        """Registered clients by model id (a copy)."""
        return dict(self._clients)

    @property
    def active_configs(self) -> list[ModelConfig]:
        """Enabled models with a registered client, in configuration order."""
        return [c for c in self.model_configs if c.enabled and c.model_id in self._clients]

    @property
    def enabled(self) -> bool:
        """Whether at least one model can vote."""
        return bool(self.active_configs)

    @property
    def total_weight(self) -> float:
        """Weight of the enabled models with a registered client."""
        return sum(c.weight for c in self.active_configs)

    def _auto_register(self) -> None:
        for config in self.model_configs:
            if not config.enabled or config.model_id in self._clients:
                continue
            key = os.environ.get(config.api_key_env, "") if config.api_key_env else ""
            needs_key = bool(config.api_key_env) or config.resolved_provider != "openai"
            if key or not needs_key:
                self._clients[config.model_id] = client_from_config(config, api_key=key)

    async def initialize(self) -> None:
        """Register clients from the environment (if enabled) and open every pool.

        With no client at all the quorum is off: this is logged once and a
        later ``validate_code`` raises ``InsufficientParticipationError``.
        """
        if self.auto_register:
            self._auto_register()
        await asyncio.gather(*(client.initialize() for client in self._clients.values()))
        if not self.enabled and not self._initialized:
            log.info(
                "quorum.off",
                reason="no API keys configured",
                key_variables=sorted({c.api_key_env for c in self.model_configs if c.api_key_env}),
            )
        self._initialized = True

    async def close(self) -> None:
        """Close every registered client's connection pool."""
        await asyncio.gather(*(client.close() for client in self._clients.values()))

    async def __aenter__(self) -> Self:
        await self.initialize()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- validation ------------------------------------------------------------

    async def validate_code(
        self,
        code: str,
        context: ValidationContext,
        correlation_id: str | None = None,
    ) -> QuorumResult:
        """Validate code by weighted consensus of every registered model.

        Returns:
            The decision, every vote and every exclusion with its reason.

        Raises:
            InsufficientParticipationError: The models that voted weigh less
                than ``min_participating_weight`` (all models down included).
        """
        correlation_id = correlation_id or context.correlation_id or uuid.uuid4().hex
        configs = self.active_configs
        started = time.perf_counter()
        self._count("quorum_validation_started", correlation_id)
        outcomes = await asyncio.gather(
            *(self._consult(c, self._clients[c.model_id], code, context) for c in configs)
        )
        duration_ms = (time.perf_counter() - started) * 1000
        votes = [o for o in outcomes if isinstance(o, QuorumVote)]
        exclusions = [o for o in outcomes if isinstance(o, ModelExclusion)]
        for item in outcomes:
            self._model_tallies[item.model_id].add(item)
            self._total_cost += item.cost_usd or 0.0
            self._input_tokens += item.usage.input_tokens
            self._output_tokens += item.usage.output_tokens
        participating = sum(v.weight for v in votes)
        self._tally.validations += 1
        self._tally.duration_sum_ms += duration_ms
        if participating + _EPSILON < self.min_participating_weight or not votes:
            self._insufficient(participating, exclusions, correlation_id)
        consensus = sum(v.weight * v.confidence for v in votes if v.vote) / participating
        result = QuorumResult(
            passed=consensus + _EPSILON >= self.pass_threshold,
            consensus_score=consensus,
            votes=votes,
            total_weight=sum(c.weight for c in configs),
            participating_weight=participating,
            pass_threshold=self.pass_threshold,
            duration_ms=duration_ms,
            correlation_id=correlation_id,
            exclusions=exclusions,
            node_type=context.node_type,
        )
        self._record_result(result)
        return result

    def _insufficient(
        self, participating: float, exclusions: list[ModelExclusion], correlation_id: str
    ) -> NoReturn:
        self._tally.insufficient += 1
        self._count("quorum_validation_insufficient_participation", correlation_id)
        error = InsufficientParticipationError(participating, self.min_participating_weight)
        if not self._clients:
            error.add_note("no model client is registered (no API keys configured)")
        for e in exclusions:
            error.add_note(f"{e.model_id} excluded ({e.kind.value}): {e.reason}")
        log.warning(
            "quorum.insufficient_participation",
            participating_weight=participating,
            minimum=self.min_participating_weight,
            excluded=[e.model_id for e in exclusions],
            correlation_id=correlation_id,
        )
        raise error

    async def _consult(
        self, config: ModelConfig, client: LLMClient, code: str, context: ValidationContext
    ) -> QuorumVote | ModelExclusion:
        started = time.perf_counter()
        try:
            verdict = await ask_client(client, code, context)
        except ProviderError as exc:
            return self._exclude(
                config, client, started, exc.kind, str(exc), exc.attempts, status=exc.status
            )
        except InvalidReplyError as exc:
            return self._exclude(
                config,
                client,
                started,
                ExclusionKind.INVALID_REPLY,
                str(exc),
                exc.attempts,
                usage=exc.usage,
            )
        except Exception as exc:  # a broken client must not sink the other votes
            log.exception("quorum.client_failed", model_id=config.model_id)
            return self._exclude(
                config, client, started, ExclusionKind.ERROR, f"{type(exc).__name__}: {exc}", 1
            )
        return self._vote(config, client, started, verdict)

    def _vote(
        self, config: ModelConfig, client: LLMClient, started: float, verdict: ModelVerdict
    ) -> QuorumVote:
        duration_ms = (time.perf_counter() - started) * 1000
        vote = QuorumVote(
            model_id=config.model_id,
            vote=verdict.vote,
            confidence=verdict.confidence,
            reasoning=verdict.reasoning,
            duration_ms=duration_ms,
            weight=config.weight,
            usage=verdict.usage,
            cost_usd=self.price_table.cost(verdict.usage, client.model_name, config.model_id),
            attempts=verdict.attempts,
        )
        if self.metrics_collector is not None:
            self.metrics_collector.record_timing(
                "quorum_model_call_duration_ms",
                duration_ms,
                tags={"model_id": config.model_id, "vote": str(verdict.vote).lower()},
            )
        return vote

    def _exclude(
        self,
        config: ModelConfig,
        client: LLMClient,
        started: float,
        kind: ExclusionKind,
        reason: str,
        attempts: int,
        *,
        status: int | None = None,
        usage: TokenUsage | None = None,
    ) -> ModelExclusion:
        usage = usage or TokenUsage()
        exclusion = ModelExclusion(
            model_id=config.model_id,
            kind=kind,
            reason=reason,
            duration_ms=(time.perf_counter() - started) * 1000,
            weight=config.weight,
            attempts=attempts,
            status=status,
            usage=usage,
            cost_usd=self.price_table.cost(usage, client.model_name, config.model_id),
        )
        log.warning(
            "quorum.model_excluded",
            model_id=config.model_id,
            kind=kind.value,
            reason=reason,
            attempts=attempts,
            status=status,
        )
        if self.metrics_collector is not None:
            self.metrics_collector.record_counter(
                "quorum_model_call_failed", tags={"model_id": config.model_id, "kind": kind.value}
            )
        return exclusion

    def _count(self, name: str, correlation_id: str) -> None:
        if self.metrics_collector is not None:
            self.metrics_collector.record_counter(name, correlation_id=correlation_id)

    def _record_result(self, result: QuorumResult) -> None:
        self._tally.decided += 1
        self._tally.consensus_sum += result.consensus_score
        if result.passed:
            self._tally.passes += 1
        log.info(
            "quorum.validated",
            passed=result.passed,
            consensus=round(result.consensus_score, 4),
            participating_weight=result.participating_weight,
            total_weight=result.total_weight,
            excluded=[e.model_id for e in result.exclusions],
            cost_usd=round(result.total_cost_usd, 6),
            duration_ms=round(result.duration_ms, 2),
            correlation_id=result.correlation_id,
        )
        collector = self.metrics_collector
        if collector is None:
            return
        cid = result.correlation_id
        collector.record_timing(
            "quorum_validation_duration_ms", result.duration_ms, correlation_id=cid
        )
        collector.record_gauge("quorum_consensus_score", result.consensus_score, correlation_id=cid)
        collector.record_gauge("quorum_cost_usd", result.total_cost_usd, "usd", correlation_id=cid)
        collector.record_counter(
            "quorum_validation_completed",
            tags={"passed": str(result.passed).lower()},
            correlation_id=cid,
        )

    # -- statistics ------------------------------------------------------------

    def statistics(self) -> QuorumStatistics:
        """Typed statistics over every validation this quorum ran."""
        t = self._tally
        return QuorumStatistics(
            total_validations=t.validations,
            total_passes=t.passes,
            total_failures=t.validations - t.passes,
            insufficient_participation=t.insufficient,
            pass_rate=t.passes / t.validations if t.validations else 0.0,
            avg_consensus_score=t.consensus_sum / t.decided if t.decided else 0.0,
            avg_duration_ms=t.duration_sum_ms / t.validations if t.validations else 0.0,
            total_cost=self._total_cost,
            avg_cost_per_validation=self._total_cost / t.validations if t.validations else 0.0,
            total_input_tokens=self._input_tokens,
            total_output_tokens=self._output_tokens,
            total_weight=self.total_weight,
            pass_threshold=self.pass_threshold,
            min_participating_weight=self.min_participating_weight,
            total_models=sum(1 for c in self.model_configs if c.enabled),
            registered_models=len(self.active_configs),
            models=tuple(
                ModelStatistics(model_id, **asdict(tally))
                for model_id, tally in self._model_tallies.items()
            ),
        )

    def get_statistics(self) -> dict[str, Any]:
        """Quorum validation statistics as a dict (built from :meth:`statistics`).

        Keys: ``total_validations``, ``total_passes``, ``total_failures``,
        ``pass_rate``, ``avg_consensus_score``, ``avg_duration_ms``,
        ``total_cost``, ``avg_cost_per_validation``, token totals, weights,
        model counts and ``models`` (one dict per model).
        """
        return asdict(self.statistics())
