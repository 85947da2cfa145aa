"""Price table lookups and costs."""

from __future__ import annotations

import pytest

from omninode_bridge.quorum import (
    DEFAULT_PRICES,
    DEFAULT_QUORUM_MODELS,
    ModelPrice,
    PriceTable,
    TokenUsage,
)


def test_every_default_model_has_a_price() -> None:
    assert {c.model_name for c in DEFAULT_QUORUM_MODELS} <= set(DEFAULT_PRICES)


def test_cost_is_per_million_tokens() -> None:
    table = PriceTable({"m": ModelPrice(1.0, 4.0)})
    assert table.cost(TokenUsage(500_000, 250_000, True), "m") == pytest.approx(1.5)


def test_falls_back_to_model_id() -> None:
    table = PriceTable({"local": ModelPrice(0.0, 0.0)})
    assert table.cost(TokenUsage(10, 10, True), "llama3.1", "local") == 0.0


def test_unknown_model_or_unreported_usage_costs_none() -> None:
    table = PriceTable()
    assert table.cost(TokenUsage(10, 10, True), "no-such-model") is None
    assert table.cost(TokenUsage(), "gemini-1.5-pro") is None
