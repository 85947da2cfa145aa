"""Mixin compatibility learning: predict which mixins work together for a node type.

:class:`MixinLearningModel` learns from the mixin compatibility matrix that
:class:`~omninode_bridge.persistence.OmniNodePersistence` keeps (one row per
unordered mixin pair and node type, with success and failure counts). The
classifier is scikit-learn's RandomForest over features drawn from the ONEX
mixin catalogue (identity, category, declared dependencies, allowed node
types). Until enough outcomes are recorded, or when scikit-learn is not
installed (``pip install 'omninode-bridge[ml]'``), a documented rule-based
score is used instead, so predictions are always available.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from omninode_bridge.logs import get_logger
from omninode_bridge.onex.mixins.catalog import MIXIN_CATALOG, included_mixins

__all__ = [
    "CompatibilitySample",
    "MixinFeatureExtractor",
    "MixinLearningModel",
    "ModelMetrics",
    "mixin_pairs",
    "predicted_set_score",
    "rule_based_compatibility",
]

log = get_logger(__name__, component="mixin_learning")

NODE_TYPES = ("EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR")
_CATEGORIES = tuple(sorted({d.category for d in MIXIN_CATALOG.values()}))
_NAMES = tuple(sorted(MIXIN_CATALOG))
# Categories whose mixins keep mutable state in the node; two of them on one
# node are the most common source of conflicting lifecycle hooks.
_STATEFUL_CATEGORIES = frozenset({"data", "performance", "messaging"})


class CompatibilityStore(Protocol):
    """What the model needs from the persistence layer."""

    async def get_mixin_compatibility_summary(
        self, node_type: str | None = None
    ) -> list[dict[str, Any]]: ...

    async def update_mixin_compatibility(
        self,
        node_type: str,
        mixin_combination: Sequence[str],
        success: bool,
        conflict_patterns: Mapping[str, Any] | None = None,
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class CompatibilitySample:
    """Outcomes observed for one mixin pair on one node type."""

    node_type: str
    mixin_a: str
    mixin_b: str
    success_count: int
    failure_count: int

    @property
    def total(self) -> int:
        """Number of recorded generations."""
        return self.success_count + self.failure_count

    @property
    def compatible(self) -> bool:
        """Label: more than half of the generations succeeded."""
        return self.total > 0 and self.success_count / self.total > 0.5


@dataclass(frozen=True, slots=True)
class ModelMetrics:
    """Quality of the last training run, measured on held-out data."""

    accuracy: float
    precision: float
    recall: float
    f1: float
    cross_val_scores: tuple[float, ...]
    training_samples: int
    test_samples: int
    trained_at: datetime


class MixinFeatureExtractor:
    """Turns (node type, mixin pair) into a numeric feature vector."""

    @property
    def feature_names(self) -> list[str]:
        """Names of the features, in vector order."""
        names: list[str] = []
        for side in ("a", "b"):
            names += [f"{side}_is_{n}" for n in _NAMES]
            names += [f"{side}_category_{c}" for c in _CATEGORIES]
            names += [f"{side}_allowed_on_node_type", f"{side}_includes_count"]
        names += [f"node_type_{t.lower()}" for t in NODE_TYPES]
        names += ["same_mixin", "same_category", "both_stateful", "one_includes_other"]
        return names

    def extract(self, node_type: str, mixin_a: str, mixin_b: str) -> list[float]:
        """Feature vector for an unordered pair (sorted first, so order does not matter)."""
        a, b = sorted((mixin_a, mixin_b))
        kind = node_type.upper()
        vector: list[float] = []
        for name in (a, b):
            definition = MIXIN_CATALOG.get(name)
            vector += [1.0 if name == n else 0.0 for n in _NAMES]
            category = definition.category if definition else ""
            vector += [1.0 if category == c else 0.0 for c in _CATEGORIES]
            vector.append(1.0 if _allowed(name, kind) else 0.0)
            vector.append(float(len(included_mixins(name))) if definition else 0.0)
        vector += [1.0 if kind == t else 0.0 for t in NODE_TYPES]
        cat_a, cat_b = _category(a), _category(b)
        vector += [
            1.0 if a == b else 0.0,
            1.0 if cat_a == cat_b and cat_a else 0.0,
            1.0 if cat_a in _STATEFUL_CATEGORIES and cat_b in _STATEFUL_CATEGORIES else 0.0,
            1.0 if b in included_mixins(a) or a in included_mixins(b) else 0.0,
        ]
        return vector


def _category(name: str) -> str:
    definition = MIXIN_CATALOG.get(name)
    return definition.category if definition else ""


def _allowed(name: str, node_type: str) -> bool:
    definition = MIXIN_CATALOG.get(name)
    if definition is None:
        return False
    return any(t.value.upper() == node_type for t in definition.node_types)


def rule_based_compatibility(node_type: str, mixin_a: str, mixin_b: str) -> float:
    """Score used before the model is trained, in [0, 1].

    1.0, minus 0.1 when the categories differ, minus 0.2 when both keep state;
    0.0 when either mixin is unknown or not allowed on the node type; 1.0 for
    a mixin with itself when it is allowed.
    """
    kind = node_type.upper()
    if not (_allowed(mixin_a, kind) and _allowed(mixin_b, kind)):
        return 0.0
    if mixin_a == mixin_b:
        return 1.0
    score = 1.0
    cat_a, cat_b = _category(mixin_a), _category(mixin_b)
    if cat_a != cat_b:
        score -= 0.1
    if cat_a in _STATEFUL_CATEGORIES and cat_b in _STATEFUL_CATEGORIES:
        score -= 0.2
    return score


def mixin_pairs(mixins: Iterable[str]) -> list[tuple[str, str]]:
    """Every unordered pair of distinct ``mixins``, sorted; a lone mixin pairs with itself."""
    names = sorted(set(mixins))
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]] or [(n, n) for n in names]


def predicted_set_score(node_type: str, mixins: Sequence[str]) -> float:
    """The catalogue's prediction for a contract's mixin set: its weakest pair.

    The lowest :func:`rule_based_compatibility` over every pair of ``mixins``
    (a lone mixin is scored against itself; no mixins is 1.0).
    """
    return MixinLearningModel().set_score(node_type, mixins)


class MixinLearningModel:
    """Predicts mixin compatibility per node type and learns from generation outcomes.

    Args:
        persistence: Store with the compatibility matrix; training reads it and
            feedback writes to it. Optional: samples can be passed to :meth:`train`.
        min_samples: Pairs (with at least ``min_tests`` outcomes) needed to train.
        min_tests: Outcomes a pair needs before it is used for training.
        retrain_every: Feedback records after which the model retrains.
        random_state: Seed for the classifier and the train/test split.

    Example:
        ```python
        model = MixinLearningModel(persistence=store)
        await model.train()
        scores = await model.predict_compatibility(
            node_type="EFFECT", mixin_combinations=["MixinHealthCheck", "MixinMetrics"]
        )
        ```
    """

    def __init__(
        self,
        persistence: CompatibilityStore | None = None,
        *,
        min_samples: int = 20,
        min_tests: int = 3,
        retrain_every: int = 50,
        random_state: int = 42,
    ) -> None:
        self.persistence = persistence
        self.min_samples = min_samples
        self.min_tests = min_tests
        self.retrain_every = retrain_every
        self.random_state = random_state
        self.features = MixinFeatureExtractor()
        self.metrics: ModelMetrics | None = None
        self._classifier: Any = None
        self._feedback_since_training = 0

    @property
    def is_trained(self) -> bool:
        """Whether predictions come from the learned model."""
        return self._classifier is not None

    async def load_samples(self) -> list[CompatibilitySample]:
        """Read the compatibility matrix from the store."""
        if self.persistence is None:
            return []
        rows = await self.persistence.get_mixin_compatibility_summary()
        samples = []
        for row in rows:
            mixin_a, mixin_b = row["mixin_combination"]
            samples.append(
                CompatibilitySample(
                    str(row["node_type"]),
                    str(mixin_a),
                    str(mixin_b),
                    int(row["success_count"]),
                    int(row["failure_count"]),
                )
            )
        return samples

    async def train(
        self, samples: Iterable[CompatibilitySample] | None = None
    ) -> ModelMetrics | None:
        """Fit the classifier on ``samples`` (default: the store's matrix).

        Returns:
            Held-out metrics, or None when training was not possible (too few
            samples, a single class, or scikit-learn missing); predictions
            then stay rule-based.
        """
        data = list(samples) if samples is not None else await self.load_samples()
        usable = [s for s in data if s.total >= self.min_tests]
        if len(usable) < self.min_samples:
            log.info("mixin_model.not_trained", reason="too few samples", samples=len(usable))
            return None
        labels = [int(s.compatible) for s in usable]
        if len(set(labels)) < 2:
            log.info("mixin_model.not_trained", reason="only one outcome class")
            return None
        vectors = [self.features.extract(s.node_type, s.mixin_a, s.mixin_b) for s in usable]
        try:
            fitted = await asyncio.to_thread(self._fit, vectors, labels)
        except ImportError:
            log.warning("mixin_model.not_trained", reason="scikit-learn is not installed")
            return None
        self._classifier, self.metrics = fitted
        self._feedback_since_training = 0
        log.info("mixin_model.trained", accuracy=self.metrics.accuracy, samples=len(usable))
        return self.metrics

    async def fit(self, samples: Iterable[CompatibilitySample]) -> bool:
        """Fit the classifier on every usable sample, without an internal split.

        For callers that evaluate elsewhere (``mixin_training`` holds out whole
        contracts). Returns False, staying rule-based, when the samples hold a
        single outcome class or scikit-learn is missing.
        """
        usable = [s for s in samples if s.total >= self.min_tests]
        labels = [int(s.compatible) for s in usable]
        if len(set(labels)) < 2:
            return False
        vectors = [self.features.extract(s.node_type, s.mixin_a, s.mixin_b) for s in usable]
        try:
            from sklearn.ensemble import RandomForestClassifier
        except ImportError:
            log.warning("mixin_model.not_trained", reason="scikit-learn is not installed")
            return False
        classifier = RandomForestClassifier(
            n_estimators=100, class_weight="balanced", random_state=self.random_state
        )
        self._classifier = await asyncio.to_thread(classifier.fit, vectors, labels)
        self._feedback_since_training = 0
        return True

    def _fit(self, vectors: list[list[float]], labels: list[int]) -> tuple[Any, ModelMetrics]:
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.metrics import accuracy_score, precision_recall_fscore_support
        from sklearn.model_selection import cross_val_score, train_test_split

        def make() -> Any:
            return RandomForestClassifier(
                n_estimators=100,
                max_depth=15,
                min_samples_split=5,
                min_samples_leaf=2,
                class_weight="balanced",
                random_state=self.random_state,
            )

        x_train, x_test, y_train, y_test = train_test_split(
            vectors, labels, test_size=0.2, stratify=labels, random_state=self.random_state
        )
        classifier = make().fit(x_train, y_train)
        predicted = classifier.predict(x_test)
        precision, recall, f1, _ = precision_recall_fscore_support(
            y_test, predicted, average="binary", zero_division=0
        )
        folds = min(5, min(labels.count(0), labels.count(1)))
        cv = cross_val_score(make(), vectors, labels, cv=folds) if folds >= 2 else []
        metrics = ModelMetrics(
            accuracy=float(accuracy_score(y_test, predicted)),
            precision=float(precision),
            recall=float(recall),
            f1=float(f1),
            cross_val_scores=tuple(float(v) for v in cv),
            training_samples=len(x_train),
            test_samples=len(x_test),
            trained_at=datetime.now(UTC),
        )
        return make().fit(vectors, labels), metrics

    def pair_score(self, node_type: str, mixin_a: str, mixin_b: str) -> float:
        """Probability that the pair works on ``node_type`` (rule-based until trained)."""
        if not (_allowed(mixin_a, node_type.upper()) and _allowed(mixin_b, node_type.upper())):
            return 0.0
        if self._classifier is None:
            return rule_based_compatibility(node_type, mixin_a, mixin_b)
        vector = self.features.extract(node_type, mixin_a, mixin_b)
        probabilities = self._classifier.predict_proba([vector])[0]
        classes = list(self._classifier.classes_)
        return float(probabilities[classes.index(1)]) if 1 in classes else 0.0

    def set_score(self, node_type: str, mixins: Sequence[str]) -> float:
        """Score of a contract's mixin set: its weakest pair (1.0 for no mixins)."""
        pairs = mixin_pairs(mixins)
        return min((self.pair_score(node_type, a, b) for a, b in pairs), default=1.0)

    async def predict_compatibility(
        self, node_type: str, mixin_combinations: Sequence[str]
    ) -> dict[str, float]:
        """Score each mixin by how well it fits with the others on ``node_type``.

        A mixin's score is the lowest pair score between it and any other
        candidate (a chain is as strong as its weakest link); a lone mixin is
        scored against itself.
        """
        names = list(dict.fromkeys(mixin_combinations))
        scores: dict[str, float] = {}
        for name in names:
            others = [o for o in names if o != name] or [name]
            scores[name] = min(self.pair_score(node_type, name, o) for o in others)
        return scores

    async def validate_mixin_set(self, node_type: str, mixins: Sequence[str]) -> float:
        """Mean pair score over every pair of ``mixins``."""
        pairs = mixin_pairs(mixins)
        if not pairs:
            return 1.0
        return statistics.fmean(self.pair_score(node_type, a, b) for a, b in pairs)

    async def update_from_feedback(
        self,
        node_type: str,
        mixin_combination: Sequence[str],
        success: bool,
        conflict_patterns: Mapping[str, Any] | None = None,
    ) -> bool:
        """Record an outcome in the store; retrain after ``retrain_every`` records.

        Returns:
            True when this call retrained the model.
        """
        if self.persistence is not None:
            await self.persistence.update_mixin_compatibility(
                node_type, list(mixin_combination), success, conflict_patterns or {}
            )
        self._feedback_since_training += 1
        if self._feedback_since_training >= self.retrain_every:
            return await self.train() is not None
        return False
