"""MixinLearningModel: rule-based fallback, training, prediction, feedback."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from omninode_bridge.intelligence.mixin_learning import (
    CompatibilitySample,
    MixinFeatureExtractor,
    MixinLearningModel,
    rule_based_compatibility,
)
from omninode_bridge.onex.mixins.catalog import MIXIN_CATALOG

NAMES = sorted(MIXIN_CATALOG)
STATEFUL = {"MixinCaching", "MixinHashComputation", "MixinCanonicalYAMLSerializer"}
MESSAGING = {"MixinEventBus", "MixinEventHandler", "MixinEventDrivenNode"}


def truth(node_type: str, a: str, b: str) -> bool:
    """Synthetic ground truth: stateful and messaging mixins conflict on REDUCER nodes."""
    pair = {a, b}
    return not (node_type == "REDUCER" and pair & STATEFUL and pair & MESSAGING)


def synthetic(seed: int = 7) -> list[CompatibilitySample]:
    rng = random.Random(seed)
    samples = []
    for node_type in ("EFFECT", "REDUCER", "ORCHESTRATOR"):
        for i, a in enumerate(NAMES):
            for b in NAMES[i:]:
                ok = truth(node_type, a, b)
                tests = rng.randint(3, 12)
                wins = sum(rng.random() < (0.9 if ok else 0.1) for _ in range(tests))
                samples.append(CompatibilitySample(node_type, a, b, wins, tests - wins))
    return samples


def test_features_are_order_independent_and_named() -> None:
    extractor = MixinFeatureExtractor()
    v1 = extractor.extract("effect", "MixinMetrics", "MixinCaching")
    v2 = extractor.extract("EFFECT", "MixinCaching", "MixinMetrics")
    assert v1 == v2
    assert len(v1) == len(extractor.feature_names)


def test_rule_based_scores() -> None:
    assert rule_based_compatibility("EFFECT", "MixinMetrics", "MixinHealthCheck") == 1.0
    assert rule_based_compatibility("EFFECT", "MixinMetrics", "MixinCaching") == pytest.approx(0.9)
    assert rule_based_compatibility("COMPUTE", "MixinEventBus", "MixinMetrics") == 0.0
    assert rule_based_compatibility("EFFECT", "MixinNope", "MixinMetrics") == 0.0


async def test_untrained_model_falls_back_to_rules() -> None:
    model = MixinLearningModel(min_samples=10)
    assert await model.train([]) is None
    assert not model.is_trained
    scores = await model.predict_compatibility("COMPUTE", ["MixinMetrics", "MixinEventBus"])
    assert scores["MixinEventBus"] == 0.0
    assert scores["MixinMetrics"] == 0.0  # its only partner is not allowed on COMPUTE


async def test_trained_model_learns_the_conflict() -> None:
    model = MixinLearningModel(min_samples=20)
    metrics = await model.train(synthetic())
    assert metrics is not None and model.is_trained
    assert metrics.accuracy >= 0.85
    assert metrics.training_samples > metrics.test_samples > 0
    assert len(metrics.cross_val_scores) == 5
    conflict = model.pair_score("REDUCER", "MixinCaching", "MixinEventBus")
    fine = model.pair_score("EFFECT", "MixinCaching", "MixinEventBus")
    assert conflict < 0.5 < fine
    scores = await model.predict_compatibility(
        "REDUCER", ["MixinCaching", "MixinEventBus", "MixinMetrics"]
    )
    assert scores["MixinCaching"] < 0.5
    assert scores["MixinMetrics"] > 0.5
    assert await model.validate_mixin_set("EFFECT", ["MixinMetrics", "MixinHealthCheck"]) > 0.5


async def test_single_class_data_is_not_trained() -> None:
    model = MixinLearningModel(min_samples=2)
    samples = [CompatibilitySample("EFFECT", a, a, 5, 0) for a in NAMES]
    assert await model.train(samples) is None


async def test_feedback_goes_through_the_store_and_retrains(tmp_path: Path) -> None:
    from omninode_bridge.persistence import OmniNodePersistence

    store = OmniNodePersistence(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        model = MixinLearningModel(persistence=store, min_samples=20, retrain_every=10_000)
        rng = random.Random(3)
        for node_type in ("EFFECT", "REDUCER"):
            for i, a in enumerate(NAMES[:8]):
                for b in NAMES[i + 1 : 8]:
                    for _ in range(3):
                        ok = (
                            truth(node_type, a, b)
                            if rng.random() > 0.05
                            else not truth(node_type, a, b)
                        )
                        await model.update_from_feedback(node_type, [a, b], ok)
        samples = await model.load_samples()
        assert len(samples) == 2 * 28
        assert all(s.total == 3 for s in samples)
        model.retrain_every = 1
        assert await model.update_from_feedback("EFFECT", ["MixinMetrics", "MixinLogData"], True)
        assert model.is_trained
    finally:
        await store.close()
