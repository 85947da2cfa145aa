"""Train mixin learning on the store's real outcomes, evaluate it on held-out contracts.

Every ``omninode generate`` records, per regenerated contract, the mixins it
combined and whether its package passed its checks: the pairs go to
``mixin_compatibility_matrix`` and the contract-level outcome to
``agent_metrics`` as a ``mixin_outcome`` gauge (1 passed, 0 failed; tags
``contract``, ``node_type``, ``mixins``). :class:`MixinTrainer` reads those
outcomes, splits them **by contract** (a contract's outcomes are all in the
training part or all in the held-out part; which part is fixed by a hash of
the contract's path, so the split is stable between runs), trains
:class:`~omninode_bridge.intelligence.mixin_learning.MixinLearningModel` on
the training part's pairs and predicts each held-out outcome: a set "works"
when its weakest pair scores at least 0.5. Precision and recall are those of
the "works" prediction against the packages that passed.

With too little data (fewer than ``min_contracts`` contracts, or training
outcomes that all passed or all failed) the model is not trained: predictions
come from the catalogue's rules (:func:`rule_based_compatibility`), the report
says so and why, and the rules, fitted to none of the outcomes, are evaluated
on all of them.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

from omninode_bridge.intelligence.mixin_learning import (
    CompatibilitySample,
    MixinLearningModel,
    mixin_pairs,
    rule_based_compatibility,
)
from omninode_bridge.onex.mixins.catalog import MIXIN_CATALOG

__all__ = [
    "HOLDOUT_FRACTION",
    "MIN_CONTRACTS",
    "OUTCOME_METRIC",
    "MixinOutcome",
    "MixinSuggestion",
    "MixinTrainer",
    "TrainingReport",
    "split_by_contract",
]

#: The ``agent_metrics`` name of a contract's mixin outcome.
OUTCOME_METRIC = "mixin_outcome"
#: Distinct contracts needed before the model is trained instead of the rules used.
MIN_CONTRACTS = 8
#: Share of the contracts held out for evaluation.
HOLDOUT_FRACTION = 0.25
#: A set "works" when its weakest pair scores at least this.
WORKS_AT = 0.5


class OutcomeSource(Protocol):
    """The store's stored-metrics reader."""

    async def get_metric_rows(
        self, *, names: Sequence[str] | None = None, after_id: int = 0, limit: int = 10_000
    ) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class MixinOutcome:
    """One contract's generation: its mixins and whether its package passed."""

    contract: str
    node_type: str
    mixins: tuple[str, ...]
    passed: bool


@dataclass(frozen=True, slots=True)
class TrainingReport:
    """What training did and how its predictions fared on held-out contracts.

    ``mode`` is ``learned`` (the model was trained) or ``catalogue`` (the
    catalogue's rules, see ``reason``). Precision and recall are None when
    undefined (nothing predicted to work, or nothing that passed).
    """

    mode: Literal["learned", "catalogue"]
    reason: str
    outcomes: int
    contracts: int
    train_contracts: int
    test_contracts: int
    test_outcomes: int
    precision: float | None
    recall: float | None
    accuracy: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class MixinSuggestion:
    """A catalogue mixin's fit with a contract's mixins."""

    mixin: str
    score: float
    declared: bool


def _bucket(contract: str) -> str:
    return hashlib.sha256(contract.encode("utf-8")).hexdigest()


def split_by_contract(
    outcomes: Sequence[MixinOutcome], holdout: float = HOLDOUT_FRACTION
) -> tuple[list[MixinOutcome], list[MixinOutcome]]:
    """(training, held-out): whole contracts on each side, at least one held out."""
    contracts = sorted({o.contract for o in outcomes}, key=_bucket)
    if len(contracts) < 2:
        return list(outcomes), []
    held = set(contracts[: max(1, round(len(contracts) * holdout))])
    return (
        [o for o in outcomes if o.contract not in held],
        [o for o in outcomes if o.contract in held],
    )


def pair_samples(outcomes: Iterable[MixinOutcome]) -> list[CompatibilitySample]:
    """The outcomes as per-pair success and failure counts."""
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for outcome in outcomes:
        for a, b in mixin_pairs(outcome.mixins):
            counts[(outcome.node_type, a, b)][0 if outcome.passed else 1] += 1
    return [CompatibilitySample(k[0], k[1], k[2], v[0], v[1]) for k, v in sorted(counts.items())]


def _evaluate(
    model: MixinLearningModel, held_out: Sequence[MixinOutcome]
) -> tuple[float | None, float | None, float | None]:
    if not held_out:
        return None, None, None
    predicted = [model.set_score(o.node_type, o.mixins) >= WORKS_AT for o in held_out]
    actual = [o.passed for o in held_out]
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    right = sum(p == a for p, a in zip(predicted, actual, strict=True))
    precision = tp / sum(predicted) if any(predicted) else None
    recall = tp / sum(actual) if any(actual) else None
    return precision, recall, right / len(held_out)


class MixinTrainer:
    """Trains and evaluates mixin learning from the store's outcomes.

    Args:
        store: The store with the ``mixin_outcome`` rows.
        min_contracts: Contracts needed before the model is trained.
        holdout: Share of the contracts held out for evaluation.
    """

    def __init__(
        self,
        store: OutcomeSource,
        *,
        min_contracts: int = MIN_CONTRACTS,
        holdout: float = HOLDOUT_FRACTION,
    ) -> None:
        self.store = store
        self.min_contracts = min_contracts
        self.holdout = holdout

    async def load_outcomes(self) -> list[MixinOutcome]:
        """Every recorded contract outcome, oldest first."""
        outcomes: list[MixinOutcome] = []
        after = 0
        while True:
            rows = await self.store.get_metric_rows(names=[OUTCOME_METRIC], after_id=after)
            for row in rows:
                tags = row["tags"]
                mixins = tuple(m for m in str(tags.get("mixins", "")).split(",") if m)
                outcomes.append(
                    MixinOutcome(
                        contract=str(tags.get("contract", "")),
                        node_type=str(tags.get("node_type", "")).upper(),
                        mixins=mixins,
                        passed=row["value"] >= 0.5,
                    )
                )
                after = row["id"]
            if len(rows) < 10_000:
                return outcomes

    async def train(self) -> tuple[MixinLearningModel, TrainingReport]:
        """The model to predict with and the report of how it was obtained."""
        outcomes = await self.load_outcomes()
        contracts = {o.contract for o in outcomes}
        training, held_out = split_by_contract(outcomes, self.holdout)
        model = MixinLearningModel(min_tests=1)
        reason = ""
        if len(contracts) < self.min_contracts:
            reason = (
                f"too little data: {len(outcomes)} outcome(s) from {len(contracts)} contract(s); "
                f"learning needs at least {self.min_contracts} contracts"
            )
        elif len({o.passed for o in training}) < 2:
            reason = (
                "too little data: every training outcome "
                + ("passed" if training and training[0].passed else "failed")
                + "; learning needs both passing and failing packages"
            )
        else:
            if not await model.fit(pair_samples(training)):
                reason = "the pair outcomes are all of one kind (or scikit-learn is missing)"
        if reason:
            # The rules were fitted to nothing here: every outcome is held out.
            model, training, held_out = MixinLearningModel(), [], outcomes
        precision, recall, accuracy = _evaluate(model, held_out)
        report = TrainingReport(
            mode="catalogue" if reason else "learned",
            reason=reason or "trained on the store's outcomes",
            outcomes=len(outcomes),
            contracts=len(contracts),
            train_contracts=len({o.contract for o in training}),
            test_contracts=len({o.contract for o in held_out}),
            test_outcomes=len(held_out),
            precision=precision,
            recall=recall,
            accuracy=accuracy,
        )
        return model, report


def suggest(
    model: MixinLearningModel, node_type: str, declared: Sequence[str]
) -> list[MixinSuggestion]:
    """Every catalogue mixin allowed on ``node_type``, best fit with ``declared`` first.

    A declared mixin's score is its set's weakest pair with the others; an
    undeclared one's is the weakest pair it would add.
    """
    kind = node_type.upper()
    out: list[MixinSuggestion] = []
    for name in sorted(MIXIN_CATALOG):
        if rule_based_compatibility(kind, name, name) == 0.0:
            continue  # not allowed on this node type
        others = [d for d in declared if d != name] or [name]
        score = min(model.pair_score(kind, name, o) for o in others)
        out.append(MixinSuggestion(name, round(score, 4), name in declared))
    out.sort(key=lambda s: (-s.score, s.mixin))
    return out
