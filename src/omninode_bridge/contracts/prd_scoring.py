"""Scoring a PRD's text for node types by indicator words.

Indicator words per type are counted as word prefixes; each score is
``count / 10`` capped at 1.0. An explicit ``Node type: effect, compute`` line
overrides the scores.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from omninode_bridge.contracts.model import NodeType

__all__ = [
    "NODE_TYPE_INDICATORS",
    "explicit_node_types",
    "indicator_count",
    "node_type_scores",
    "operation_node_type",
    "pick_node_types",
]

#: Indicator words per node type (matched as word prefixes, case-insensitive).
NODE_TYPE_INDICATORS: Final[dict[NodeType, tuple[str, ...]]] = {
    NodeType.EFFECT: ("create", "update", "delete", "modify", "change", "write", "store"),
    NodeType.COMPUTE: ("calculat", "process", "analy", "compute", "algorithm"),
    NodeType.REDUCER: ("aggregat", "summari", "reduc", "combin", "merg", "consolidat"),
    NodeType.ORCHESTRATOR: ("coordinat", "orchestrat", "manag", "workflow", "pipeline", "sequenc"),
}
_EXPLICIT_TYPES: Final = re.compile(r"^\s*\**node[ _-]?types?\**\s*:\s*(.+)$", re.IGNORECASE)


def indicator_count(words: Iterable[str], text: str) -> int:
    """How many words of ``text`` start with one of ``words`` (case-insensitive)."""
    lowered = text.lower()
    return sum(len(re.findall(rf"\b{re.escape(w)}\w*", lowered)) for w in words)


def node_type_scores(corpus: str) -> dict[NodeType, float]:
    """Indicator score per node type: ``count / 10`` capped at 1.0."""
    return {
        kind: min(indicator_count(words, corpus) / 10, 1.0)
        for kind, words in NODE_TYPE_INDICATORS.items()
    }


def pick_node_types(scores: dict[NodeType, float], max_nodes: int) -> tuple[NodeType, ...]:
    """Types scoring above 0.3, best first, at most ``max_nodes``; else the best (or effect)."""
    order = list(NodeType)
    ranked = sorted(scores, key=lambda kind: (-scores[kind], order.index(kind)))
    chosen = [kind for kind in ranked if scores[kind] > 0.3][:max_nodes]
    if chosen:
        return tuple(chosen)
    return (ranked[0],) if scores[ranked[0]] >= 0.1 else (NodeType.EFFECT,)


def explicit_node_types(lines: Sequence[str]) -> tuple[NodeType, ...]:
    """The types a ``Node type: ...`` line names, or ``()`` without one."""
    for line in lines:
        match = _EXPLICIT_TYPES.match(line)
        if match:
            names = re.findall(r"effect|compute|reducer|orchestrator", match.group(1).lower())
            return tuple(dict.fromkeys(NodeType(n) for n in names))
    return ()


def operation_node_type(text: str, candidates: Sequence[NodeType]) -> NodeType:
    """The candidate whose indicator words ``text`` uses most (the first on a tie at 0)."""
    best = max(candidates, key=lambda kind: indicator_count(NODE_TYPE_INDICATORS[kind], text))
    if indicator_count(NODE_TYPE_INDICATORS[best], text) == 0:
        return candidates[0]
    return best
