"""AIQuorum: weighted consensus, thresholds, exclusions, participation, costs, statistics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import httpx
import pytest
import structlog

from omninode_bridge.agents.metrics import MetricsCollector
from omninode_bridge.errors import ConfigError
from omninode_bridge.quorum import (
    DEFAULT_QUORUM_MODELS,
    AIQuorum,
    ExclusionKind,
    InsufficientParticipationError,
    ModelConfig,
    ModelPrice,
    OpenAICompatibleClient,
    PriceTable,
    QuorumException,
)
from omninode_bridge.validation.models import ValidationContext

CONTEXT = ValidationContext(node_type="compute")
Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def _reply(text: str, prompt_tokens: int = 1000, output_tokens: int = 100) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "choices": [{"message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": output_tokens},
        },
    )


def voting(vote: bool, confidence: float, reasoning: str = "r") -> Handler:
    async def handler(request: httpx.Request) -> httpx.Response:
        payload = {"vote": vote, "confidence": confidence, "reasoning": reasoning}
        return _reply(json.dumps(payload))

    return handler


def failing(status: int = 500) -> Handler:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"error": {"message": "down"}})

    return handler


def answering(text: str) -> Handler:
    async def handler(request: httpx.Request) -> httpx.Response:
        return _reply(text, 200, 20)

    return handler


async def _no_sleep(seconds: float) -> None:
    return None


def client(model_id: str, handler: Handler, model_name: str = "m") -> OpenAICompatibleClient:
    return OpenAICompatibleClient(
        model_id,
        model_name,
        None,
        "http://quorum.test/v1",
        max_retries=0,
        transport=httpx.MockTransport(handler),
        sleep=_no_sleep,
    )


def quorum_with(handlers: dict[str, Handler], **kw: object) -> AIQuorum:
    quorum = AIQuorum(DEFAULT_QUORUM_MODELS, auto_register=False, **kw)  # type: ignore[arg-type]
    for model_id, handler in handlers.items():
        quorum.register_client(model_id, client(model_id, handler))
    return quorum


async def test_consensus_is_weighted_confidence_of_pass_votes() -> None:
    quorum = quorum_with(
        {
            "gemini": voting(True, 0.9),
            "glm-4.5": voting(True, 0.8),
            "glm-air": voting(False, 0.7),
            "codestral": voting(True, 1.0),
        }
    )
    result = await quorum.validate_code("x = 1", CONTEXT)
    assert result.consensus_score == pytest.approx((2.0 * 0.9 + 2.0 * 0.8 + 1.0 * 1.0) / 6.5)
    assert result.passed is True
    assert result.total_weight == 6.5
    assert result.participating_weight == 6.5
    assert [v.model_id for v in result.votes] == ["gemini", "glm-4.5", "glm-air", "codestral"]
    assert result.get_vote_by_model("glm-air") is not None
    assert result.get_vote_by_model("glm-air").vote is False  # type: ignore[union-attr]
    await quorum.close()


async def test_consensus_exactly_at_threshold_passes() -> None:
    quorum = quorum_with({m.model_id: voting(True, 0.6) for m in DEFAULT_QUORUM_MODELS})
    result = await quorum.validate_code("x = 1", CONTEXT)
    assert result.consensus_score == pytest.approx(0.6)
    assert result.passed is True


async def test_consensus_below_threshold_fails() -> None:
    quorum = quorum_with(
        {
            "gemini": voting(True, 1.0),
            "glm-4.5": voting(False, 0.9),
            "glm-air": voting(True, 1.0),
            "codestral": voting(False, 0.9),
        },
        pass_threshold=0.6,
    )
    result = await quorum.validate_code("x = 1", CONTEXT)
    assert result.consensus_score == pytest.approx(3.5 / 6.5)
    assert result.passed is False


@pytest.mark.parametrize(
    ("threshold", "passed"), [(0.5, True), (0.7, False)], ids=["lenient", "strict"]
)
async def test_threshold_decides(threshold: float, passed: bool) -> None:
    quorum = quorum_with(
        {m.model_id: voting(True, 0.62) for m in DEFAULT_QUORUM_MODELS}, pass_threshold=threshold
    )
    assert (await quorum.validate_code("x = 1", CONTEXT)).passed is passed


async def test_heavier_model_outweighs_lighter_ones() -> None:
    configs = [
        ModelConfig("big", "m", 5.0, "http://quorum.test/v1"),
        ModelConfig("small-a", "m", 1.0, "http://quorum.test/v1"),
        ModelConfig("small-b", "m", 1.0, "http://quorum.test/v1"),
    ]
    quorum = AIQuorum(configs, auto_register=False)
    quorum.register_client("big", client("big", voting(True, 1.0)))
    quorum.register_client("small-a", client("small-a", voting(False, 1.0)))
    quorum.register_client("small-b", client("small-b", voting(False, 1.0)))
    result = await quorum.validate_code("x = 1", CONTEXT)
    assert result.consensus_score == pytest.approx(5.0 / 7.0)
    assert result.passed is True


async def test_excluded_model_leaves_the_denominator() -> None:
    quorum = quorum_with(
        {
            "gemini": voting(True, 1.0),
            "glm-4.5": voting(True, 1.0),
            "glm-air": answering("I refuse to answer in JSON."),
            "codestral": failing(401),
        }
    )
    result = await quorum.validate_code("x = 1", CONTEXT)
    assert result.participating_weight == 4.0
    assert result.total_weight == 6.5
    assert result.consensus_score == pytest.approx(1.0)
    excluded = {e.model_id: e for e in result.exclusions}
    assert excluded["glm-air"].kind is ExclusionKind.INVALID_REPLY
    assert "not JSON" in excluded["glm-air"].reason
    assert excluded["codestral"].kind is ExclusionKind.AUTH_ERROR
    assert excluded["codestral"].status == 401
    assert "EXCLUDED (auth_error)" in result.get_votes_summary()


async def test_insufficient_participation_raises_with_reasons() -> None:
    quorum = quorum_with(
        {
            "gemini": failing(500),
            "glm-4.5": failing(503),
            "glm-air": voting(True, 1.0),
            "codestral": voting(True, 1.0),
        }
    )
    with pytest.raises(InsufficientParticipationError) as info:
        await quorum.validate_code("x = 1", CONTEXT)
    assert info.value.participating == 2.5
    assert info.value.minimum == 3.0
    notes = "\n".join(info.value.__notes__)
    assert "gemini excluded (server_error): HTTP 500" in notes
    assert "glm-4.5 excluded (server_error): HTTP 503" in notes
    stats = quorum.get_statistics()
    assert stats["insufficient_participation"] == 1
    assert stats["total_failures"] == 1


async def test_all_models_down_raises() -> None:
    quorum = quorum_with({m.model_id: failing(502) for m in DEFAULT_QUORUM_MODELS})
    with pytest.raises(InsufficientParticipationError) as info:
        await quorum.validate_code("x = 1", CONTEXT)
    assert info.value.participating == 0
    assert len(info.value.__notes__) == 4


async def test_all_models_down_with_zero_minimum_still_raises() -> None:
    quorum = quorum_with(
        {m.model_id: failing(500) for m in DEFAULT_QUORUM_MODELS}, min_participating_weight=0.0
    )
    with pytest.raises(InsufficientParticipationError):
        await quorum.validate_code("x = 1", CONTEXT)


async def test_no_registered_client_raises_and_says_why() -> None:
    quorum = AIQuorum(DEFAULT_QUORUM_MODELS, auto_register=False)
    await quorum.initialize()
    assert quorum.enabled is False
    with pytest.raises(InsufficientParticipationError) as info:
        await quorum.validate_code("x = 1", CONTEXT)
    assert "no API keys configured" in info.value.__notes__[0]


async def test_models_are_called_in_parallel() -> None:
    barrier = asyncio.Barrier(4)

    async def meet(request: httpx.Request) -> httpx.Response:
        async with asyncio.timeout(5):
            await barrier.wait()  # only returns once all four calls are in flight
        return _reply(json.dumps({"vote": True, "confidence": 1.0, "reasoning": "r"}))

    quorum = quorum_with({m.model_id: meet for m in DEFAULT_QUORUM_MODELS})
    result = await quorum.validate_code("x = 1", CONTEXT)
    assert len(result.votes) == 4


async def test_disabled_model_is_neither_called_nor_counted() -> None:
    configs = [
        ModelConfig("a", "m", 3.0, "http://quorum.test/v1"),
        ModelConfig("b", "m", 3.0, "http://quorum.test/v1", enabled=False),
    ]
    calls: list[str] = []

    async def record(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.host)
        return _reply(json.dumps({"vote": True, "confidence": 1.0, "reasoning": "r"}))

    quorum = AIQuorum(configs, auto_register=False)
    quorum.register_client("a", client("a", record))
    quorum.register_client("b", client("b", record))
    result = await quorum.validate_code("x = 1", CONTEXT)
    assert result.total_weight == 3.0
    assert len(calls) == 1


async def test_costs_come_from_usage_and_price_table() -> None:
    prices = PriceTable({"m": ModelPrice(input_per_million=2.0, output_per_million=10.0)})
    quorum = AIQuorum(DEFAULT_QUORUM_MODELS, auto_register=False, price_table=prices)
    for model_id in ("gemini", "glm-4.5"):
        quorum.register_client(model_id, client(model_id, voting(True, 1.0)))
    quorum.register_client("glm-air", client("glm-air", answering("no json here")))
    quorum.register_client("codestral", client("codestral", voting(True, 1.0), "unpriced"))
    result = await quorum.validate_code("x = 1", CONTEXT)
    per_vote = (1000 * 2.0 + 100 * 10.0) / 1_000_000
    invalid = (200 * 2.0 + 20 * 10.0) / 1_000_000
    assert result.get_vote_by_model("gemini").cost_usd == pytest.approx(per_vote)  # type: ignore[union-attr]
    assert result.get_vote_by_model("codestral").cost_usd is None  # type: ignore[union-attr]
    assert result.get_exclusion_by_model("glm-air").cost_usd == pytest.approx(invalid)  # type: ignore[union-attr]
    assert result.total_cost_usd == pytest.approx(2 * per_vote + invalid)
    assert result.usage.input_tokens == 3200
    stats = quorum.statistics()
    assert stats.total_cost == pytest.approx(2 * per_vote + invalid)
    assert stats.avg_cost_per_validation == pytest.approx(2 * per_vote + invalid)
    assert stats.total_input_tokens == 3200


async def test_statistics_track_passes_and_per_model_counts() -> None:
    quorum = quorum_with(
        {
            "gemini": voting(True, 1.0),
            "glm-4.5": voting(True, 1.0),
            "glm-air": voting(True, 1.0),
            "codestral": failing(500),
        }
    )
    await quorum.validate_code("x = 1", CONTEXT)
    await quorum.validate_code("y = 2", CONTEXT)
    stats = quorum.get_statistics()
    assert stats["total_validations"] == 2
    assert stats["total_passes"] == 2
    assert stats["pass_rate"] == 1.0
    assert stats["avg_consensus_score"] == pytest.approx(1.0)
    assert stats["registered_models"] == 4
    models = {m["model_id"]: m for m in stats["models"]}
    assert models["codestral"]["exclusions"] == 2
    assert models["gemini"]["votes"] == 2


async def test_metrics_are_recorded() -> None:
    metrics = MetricsCollector()
    quorum = quorum_with(
        {m.model_id: voting(True, 0.9) for m in DEFAULT_QUORUM_MODELS}, metrics_collector=metrics
    )
    await quorum.validate_code("x = 1", CONTEXT, correlation_id="c-1")
    names = {m.metric_name for m in metrics.get_metrics()}
    assert {
        "quorum_validation_started",
        "quorum_model_call_duration_ms",
        "quorum_validation_duration_ms",
        "quorum_consensus_score",
        "quorum_validation_completed",
    } <= names


def test_register_unknown_model_is_rejected() -> None:
    quorum = AIQuorum(DEFAULT_QUORUM_MODELS, auto_register=False)
    with pytest.raises(QuorumException, match="unknown model 'gpt'"):
        quorum.register_client("gpt", client("gpt", voting(True, 1.0)))


@pytest.mark.parametrize(
    "kwargs",
    [{"pass_threshold": 1.5}, {"min_participating_weight": -1.0}],
    ids=["threshold", "minimum"],
)
def test_bad_quorum_settings_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        AIQuorum(DEFAULT_QUORUM_MODELS, **kwargs)  # type: ignore[arg-type]


def test_duplicate_model_ids_are_rejected() -> None:
    with pytest.raises(ConfigError, match="duplicate"):
        AIQuorum([DEFAULT_QUORUM_MODELS[0], DEFAULT_QUORUM_MODELS[0]])


async def test_initialize_registers_clients_for_configured_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GLM_API_KEY", "glm-secret")
    quorum = AIQuorum(DEFAULT_QUORUM_MODELS)
    await quorum.initialize()
    assert sorted(quorum.clients) == ["glm-4.5", "glm-air"]
    assert quorum.total_weight == 3.5
    await quorum.close()


async def test_initialize_without_keys_says_quorum_off_once() -> None:
    quorum = AIQuorum(DEFAULT_QUORUM_MODELS)
    with structlog.testing.capture_logs() as logs:
        await quorum.initialize()
        await quorum.initialize()
    off = [entry for entry in logs if entry["event"] == "quorum.off"]
    assert len(off) == 1
    assert off[0]["reason"] == "no API keys configured"


async def test_cancelling_validation_cancels_model_calls() -> None:
    started, finished = asyncio.Event(), asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            finished.set()
        raise AssertionError("unreachable")

    quorum = quorum_with({"gemini": hang})
    task = asyncio.create_task(quorum.validate_code("x = 1", CONTEXT))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert finished.is_set()
    await quorum.close()
