"""Building contracts from an analysed PRD.

:class:`PRDAnalysis` is what the analyser read and derived; from it each node
type gets one contract: the base name from the title without filler words,
operations named from their bullets' verb and object (and, with two nodes,
given to the node whose indicator words they use), dependencies on the known
systems the PRD names, and mixins and features by keyword rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from omninode_bridge.contracts.loader import pascal_case, snake_case
from omninode_bridge.contracts.model import (
    LIFECYCLE_OPERATIONS,
    Contract,
    ContractDialect,
    NodeType,
)
from omninode_bridge.contracts.prd_markdown import PRDItem, PRDSection
from omninode_bridge.contracts.prd_scoring import indicator_count, operation_node_type
from omninode_bridge.contracts.problems import ContractProblem
from omninode_bridge.errors import MixinError
from omninode_bridge.onex.mixins import resolve_mixins

__all__ = [
    "PRDAnalysis",
    "assign_operations",
    "base_name",
    "build_contract",
    "known_dependencies",
    "mixin_problems",
]

_FILLER: Final = frozenset(
    {
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "for",
        "to",
        "in",
        "on",
        "with",
        "by",
        "via",
        "from",
        "into",
        "at",
        "as",
        "is",
        "are",
        "be",
        "this",
        "that",
        "prd",
        "service",
        "services",
        "system",
        "systems",
        "platform",
        "application",
        "app",
        "product",
        "document",
        "spec",
        "specification",
        "requirements",
        "node",
        "nodes",
        "microservice",
    }
)
_SUBJECT: Final = re.compile(
    r"^(?:the\s+)?(?:system|service|node|api|platform|application|app|it|users?|admins?|"
    r"operators?|clients?|callers?)\s+(?:shall|must|should|will|can|may|needs?\s+to|is\s+able\s+to)"
    r"(?:\s+(?:be\s+able\s+to|allow\s+\w+\s+to|let\s+\w+|enable\s+\w+\s+to|support))?\s+",
    re.IGNORECASE,
)
_LEAD: Final = re.compile(
    r"^(?:(?:allow|enable|let)\s+\w+\s+(?:to\s+)?|ability\s+to\s+|support\s+(?:for\s+)?|"
    r"as\s+an?\s+\w+,?\s+i\s+(?:want|can|need)\s+to\s+)",
    re.IGNORECASE,
)
_STOP_AT: Final = frozenset(
    {
        "with",
        "without",
        "using",
        "by",
        "via",
        "for",
        "from",
        "to",
        "when",
        "while",
        "within",
        "where",
        "which",
        "that",
        "so",
        "before",
        "after",
        "during",
        "under",
        "into",
        "per",
        "including",
        "on",
        "in",
        "at",
        "of",
        "as",
        "if",
        "upon",
        "across",
        "over",
        "through",
        "against",
        "between",
        "beyond",
        "like",
    }
)
_DROP: Final = frozenset(
    {
        "a",
        "an",
        "the",
        "new",
        "existing",
        "all",
        "any",
        "each",
        "every",
        "their",
        "its",
        "our",
        "my",
        "your",
    }
)
_MAX_OPERATION_WORDS: Final = 4
_NAMED_ITEM: Final = re.compile(r"^([a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z][a-z0-9]*)\s*:\s*(.+)$")
_KNOWN_SYSTEMS: Final = (
    ("postgresql", ("postgres", "postgresql", "psql"), "PostgreSQL database"),
    ("redis", ("redis",), "Redis cache or store"),
    ("kafka", ("kafka", "redpanda"), "Kafka-compatible event broker"),
    ("object_storage", ("s3", "object storage", "blob storage", "minio"), "Object storage"),
    ("external_api", ("external api", "third-party api", "rest api", "webhook"), "External API"),
)
_MIXIN_RULES: Final = (
    ("MixinCaching", ("cache", "caching", "cached")),
    ("MixinEventBus", ("event", "notification", "publish", "subscribe")),
    ("MixinLogData", ("log", "audit", "trace", "tracing")),
)
_FEATURE_RULES: Final = (
    ("retry_policy", ("retry", "retries", "resilien", "fault tolerant", "fault-tolerant")),
    ("circuit_breaker", ("circuit breaker", "circuit-breaker", "fallback")),
    ("security_validation", ("security", "secure", "auth", "encrypt", "sanitiz", "pii")),
)


@dataclass(frozen=True, slots=True)
class PRDAnalysis:
    """What the analyser read and derived from a PRD.

    Attributes:
        title: The ``#`` title.
        title_line: Its line.
        overview: Overview text (or the text before the first section).
        sections: Every section in order.
        requirements: Requirement, feature and operation bullets in order.
        node_type_scores: Indicator score per node type (0.0 to 1.0).
        node_types: Node types to generate, best first.
        base_name: snake_case base of the service names.
        domain: First significant title word.
        word_count: Words in the PRD.
        warnings: What the analyser had to guess (a missing title, say).
    """

    title: str
    title_line: int
    overview: str
    sections: tuple[PRDSection, ...]
    requirements: tuple[PRDItem, ...]
    node_type_scores: dict[NodeType, float]
    node_types: tuple[NodeType, ...]
    base_name: str
    domain: str
    word_count: int
    source: str = "<prd>"
    explicit_types: bool = False
    dependencies: tuple[tuple[str, str, int], ...] = field(default=())
    warnings: tuple[ContractProblem, ...] = field(default=())

    def section(self, kind: str) -> tuple[PRDSection, ...]:
        """Sections of one kind, in order."""
        return tuple(s for s in self.sections if s.kind == kind)


def base_name(title: str) -> str:
    """The title in snake_case without filler words, at most four words."""
    words = [w for w in snake_case(title).split("_") if w and w not in _FILLER]
    return "_".join(words[:4])


def _named(text: str) -> tuple[str, str] | None:
    """``name: description`` bullets name their operation explicitly."""
    match = _NAMED_ITEM.match(text)
    return (match.group(1), match.group(2)) if match else None


def _operation_name(text: str) -> str:
    named = _named(text)
    if named:
        return named[0]
    sentence = re.split(r"[.;:(]", text, maxsplit=1)[0]
    sentence = _SUBJECT.sub("", sentence.strip())
    sentence = _LEAD.sub("", sentence)
    words: list[str] = []
    for raw in re.findall(r"[A-Za-z][A-Za-z0-9]*", sentence):
        word = raw.lower()
        if word in _STOP_AT and words:
            break
        if word in _DROP or word in _STOP_AT:
            continue
        words.append(snake_case(raw))
        if len(words) == _MAX_OPERATION_WORDS:
            break
    name = "_".join(words)
    return name if name and name[0].isalpha() else ""


def assign_operations(analysis: PRDAnalysis) -> dict[NodeType, list[tuple[PRDItem, str]]]:
    """Each requirement's operation name (unique per node) under the node type it goes to."""
    assigned: dict[NodeType, list[tuple[PRDItem, str]]] = {k: [] for k in analysis.node_types}
    seen: dict[NodeType, set[str]] = {k: set() for k in analysis.node_types}
    for item in analysis.requirements:
        name = _operation_name(item.text)
        if not name or name in LIFECYCLE_OPERATIONS:
            continue
        kind = operation_node_type(item.text, analysis.node_types)
        unique, suffix = name, 2
        while unique in seen[kind]:
            unique, suffix = f"{name}_{suffix}", suffix + 1
        seen[kind].add(unique)
        assigned[kind].append((item, unique))
    return assigned


def known_dependencies(sections: list[PRDSection]) -> list[tuple[str, str, int]]:
    """Known systems named in dependency or technical bullets: (name, description, line)."""
    found: dict[str, tuple[str, str, int]] = {}
    for section in sections:
        if section.kind not in ("dependencies", "technical"):
            continue
        for item in section.items:
            lowered = item.text.lower()
            for name, needles, description in _KNOWN_SYSTEMS:
                if name not in found and any(n in lowered for n in needles):
                    found[name] = (name, description, item.line)
    return list(found.values())


def _mixins(corpus: str, node_type: NodeType) -> list[dict[str, Any]]:
    names = ["MixinHealthCheck", "MixinMetrics"]
    for name, words in _MIXIN_RULES:
        if name == "MixinEventBus" and node_type is NodeType.COMPUTE:
            continue
        if indicator_count(words, corpus):
            names.append(name)
    return [{"name": name} for name in names]


def _features(corpus: str) -> dict[str, Any]:
    lowered = corpus.lower()
    return {
        name: {"enabled": True}
        for name, needles in _FEATURE_RULES
        if any(needle in lowered for needle in needles)
    }


def _schemas(operations: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    input_schema = {
        "type": "object",
        "properties": {
            "operation_type": {
                "type": "string",
                "enum": operations,
                "description": "Operation to perform",
            },
            "parameters": {"type": "object", "description": "Operation parameters"},
            "correlation_id": {"type": "string", "description": "Request correlation id"},
        },
        "required": ["operation_type"],
    }
    output_schema = {
        "type": "object",
        "properties": {
            "success": {"type": "boolean", "description": "Whether the operation succeeded"},
            "result_data": {"type": "object", "description": "Operation result"},
            "error_message": {"type": "string", "description": "Error message on failure"},
        },
        "required": ["success"],
    }
    return input_schema, output_schema


def _description(analysis: PRDAnalysis, node_type: NodeType) -> str:
    text = analysis.overview or analysis.title
    if len(analysis.node_types) > 1:
        text = f"{text} ({node_type.value} part)"
    return text if len(text) >= 10 else f"{analysis.title}: {node_type.value} node"


def build_contract(
    analysis: PRDAnalysis,
    node_type: NodeType,
    assigned: list[tuple[PRDItem, str]],
    path: Path | None,
) -> Contract:
    """The contract of one node type of the analysed PRD."""
    operations = [
        {"name": name, "description": _operation_description(item)} for item, name in assigned
    ] or [{"name": "process", "description": "Process the node input."}]
    corpus = " ".join(
        [
            analysis.title,
            analysis.overview,
            *(item.text for item in analysis.requirements),
            *(s.text for s in analysis.sections),
            *(i.text for s in analysis.sections for i in s.items),
        ]
    )
    input_schema, output_schema = _schemas([op["name"] for op in operations])
    lines: dict[str, int] = {"": analysis.title_line, "name": analysis.title_line}
    lines.update({f"operations[{i}]": item.line for i, (item, _) in enumerate(assigned)})
    lines.update(
        {f"dependencies[{i}]": line for i, (_, _, line) in enumerate(analysis.dependencies)}
    )
    features = _features(corpus)
    if node_type is NodeType.COMPUTE:
        features.pop("circuit_breaker", None)
    return Contract.model_validate(
        {
            "name": f"Node{pascal_case(analysis.base_name)}{node_type.suffix}",
            "node_type": node_type,
            "service_name": f"{analysis.base_name}_{node_type.value}",
            "version": {"major": 1, "minor": 0, "patch": 0},
            "description": _description(analysis, node_type),
            "domain": analysis.domain,
            "mixins": _mixins(corpus, node_type),
            "input_schema": input_schema,
            "output_schema": output_schema,
            "operations": operations,
            "dependencies": [
                {"name": name, "description": description}
                for name, description, _ in analysis.dependencies
            ],
            "advanced_features": features,
            "tags": [analysis.domain, node_type.value],
            "source_path": path,
            "dialect": ContractDialect.PRD,
            "source_lines": lines,
        }
    )


def _operation_description(item: PRDItem) -> str:
    named = _named(item.text)
    text = named[1] if named else item.text
    return f"{text} ({item.details})" if item.details else text


def mixin_problems(contract: Contract, source: str) -> list[ContractProblem]:
    """The contract's mixins checked against the catalog, as problems."""
    try:
        resolve_mixins(contract.mixins, node_type=contract.node_type.value)
    except MixinError as exc:
        return [
            ContractProblem(source, contract.line_for("name"), "mixins", str(problem))
            for problem in exc.problems
        ]
    return []
