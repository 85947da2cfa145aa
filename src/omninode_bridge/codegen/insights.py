"""Mixin recommendations and anti-pattern checks the workflow offers around a run.

:func:`recommend_mixins` picks, per node type, a set of mixins that the
:class:`~omninode_bridge.intelligence.mixin_learning.MixinLearningModel`
scores as working together (learned from recorded outcomes once trained,
rule-based before) and that the ONEX mixin catalog accepts on that node type.
:func:`check_patterns` runs the anti-pattern
:class:`~omninode_bridge.validation.patterns.PatternMatcher` over generated
modules and reports every finding as a plain dict.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from omninode_bridge.errors import MixinError
from omninode_bridge.intelligence.mixin_learning import MixinLearningModel
from omninode_bridge.onex.mixins.catalog import MIXIN_CATALOG, resolve_mixins
from omninode_bridge.validation.patterns import PatternMatcher

__all__ = ["check_patterns", "recommend_mixins"]

_NODE_TYPES = ("EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR")


async def recommend_mixins(
    model: MixinLearningModel,
    node_types: Sequence[str],
    *,
    candidates: Sequence[str] | None = None,
    threshold: float = 0.8,
    limit: int = 5,
) -> dict[str, list[str]]:
    """Per node type, up to ``limit`` mixins that fit together, best first.

    Candidates (every catalog mixin allowed on the node type by default) are
    ranked by their mean pair score with the other candidates; each is taken
    when its pair score with every mixin taken before is at least
    ``threshold``, and when the catalog accepts the set on the node type
    (its required mixins present, say).

    Raises:
        ValueError: A node type that is not effect, compute, reducer or orchestrator.
    """
    out: dict[str, list[str]] = {}
    for raw in node_types:
        node_type = raw.upper()
        if node_type not in _NODE_TYPES:
            raise ValueError(f"unknown node type {raw!r}; expected one of {', '.join(_NODE_TYPES)}")
        pool = [
            name
            for name in (candidates if candidates is not None else sorted(MIXIN_CATALOG))
            if model.pair_score(node_type, name, name) > 0
        ]
        ranked = sorted(pool, key=lambda name: (-_fit(model, node_type, name, pool), name))
        chosen: list[str] = []
        for name in ranked:
            if len(chosen) >= limit:
                break
            fits = all(model.pair_score(node_type, name, o) >= threshold for o in chosen)
            if fits and _accepted(node_type, [*chosen, name]):
                chosen.append(name)
        out[node_type] = chosen
    return out


def _fit(model: MixinLearningModel, node_type: str, name: str, pool: Sequence[str]) -> float:
    others = [o for o in pool if o != name] or [name]
    return statistics.fmean(model.pair_score(node_type, name, o) for o in others)


def _accepted(node_type: str, names: Sequence[str]) -> bool:
    try:
        resolve_mixins(names, node_type=node_type)
    except MixinError:
        return False
    return True


def check_patterns(
    generated_code: str | Mapping[str, str], matcher: PatternMatcher | None = None
) -> dict[str, Any]:
    """Anti-patterns in one module (text) or several (path -> text).

    Returns:
        ``issues`` (one dict per finding: file, pattern, rule, line, confidence,
        message), ``files`` (modules checked) and ``passed`` (no issue).
    """
    modules = {"<code>": generated_code} if isinstance(generated_code, str) else generated_code
    matcher = matcher or PatternMatcher()
    issues: list[dict[str, Any]] = []
    for path, source in modules.items():
        for found in matcher.detect_patterns(source, file_path=path):
            issues.append(
                {
                    "file": path,
                    "pattern": found.name,
                    "rule": found.rule_id,
                    "line": found.location.line,
                    "confidence": found.confidence,
                    "message": found.message,
                }
            )
    return {"issues": issues, "files": len(modules), "passed": not issues}
