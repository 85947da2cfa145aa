"""Token prices and the cost of a model call.

Prices are USD per million tokens, keyed by the model name sent to the
provider. The defaults are the providers' published list prices for the
default quorum models when this table was written; prices change, so set your
own in the quorum configuration (``prices:``). A model without a price gets a
cost of ``None`` (unknown), never a silent zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from omninode_bridge.quorum.models import TokenUsage

__all__ = ["DEFAULT_PRICES", "ModelPrice", "PriceTable"]

_PER = 1_000_000


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """Price of one model.

    Attributes:
        input_per_million: USD per million prompt tokens.
        output_per_million: USD per million completion tokens.
    """

    input_per_million: float
    output_per_million: float

    def cost(self, usage: TokenUsage) -> float:
        """USD cost of ``usage``."""
        return (
            usage.input_tokens * self.input_per_million
            + usage.output_tokens * self.output_per_million
        ) / _PER


DEFAULT_PRICES: dict[str, ModelPrice] = {
    "gemini-1.5-pro": ModelPrice(1.25, 5.00),
    "glm-4.5": ModelPrice(0.60, 2.20),
    "glm-4.5-air": ModelPrice(0.20, 1.10),
    "codestral-latest": ModelPrice(0.30, 0.90),
}


class PriceTable:
    """Looks up prices by model name, falling back to the quorum model id."""

    def __init__(self, prices: Mapping[str, ModelPrice] | None = None) -> None:
        self._prices = dict(DEFAULT_PRICES if prices is None else prices)

    def price_for(self, model_name: str, model_id: str = "") -> ModelPrice | None:
        """The price of ``model_name`` (or ``model_id``), None when unknown."""
        return self._prices.get(model_name) or self._prices.get(model_id)

    def cost(self, usage: TokenUsage, model_name: str, model_id: str = "") -> float | None:
        """USD cost of ``usage``; None when the model has no price or usage is unreported."""
        price = self.price_for(model_name, model_id)
        if price is None or not usage.reported:
            return None
        return price.cost(usage)
