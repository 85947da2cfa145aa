"""Deterministic analysis of a Markdown PRD into one or more contracts.

The same PRD always gives the same contracts; no model is called. Reading:

* the first ``# `` heading is the title; ``## `` / ``### `` headings open sections;
  fenced code blocks are skipped;
* sections are recognised by name: overview, requirements (``Functional
  Requirements``, ``Requirements``, ``User Stories``...), features, success
  criteria, technical details, dependencies, and an optional ``Operations``
  section whose bullets are taken as operations verbatim;
* top-level bullets (``-``, ``*``, ``+``, ``1.``) of a section are its items.

Deriving:

* **node types**: an explicit ``Node type: effect, compute`` line wins;
  otherwise indicator words in the title, overview, requirements and features
  are counted (effect: create, update, delete, write, store...; compute:
  calculate, process, analyze...; reducer: aggregate, summarize, merge...;
  orchestrator: coordinate, orchestrate, workflow, pipeline...), each score is
  ``count / 10`` capped at 1.0, and every type scoring above 0.3 is generated,
  at most ``max_nodes`` (2 by default), best first; with none above 0.3 the
  best one is generated (effect when no word matches);
* **names**: the title without filler words (``service``, ``system``, ``the``...)
  becomes the base name (``# User Management Service`` -> ``user_management``),
  each node is ``<base>_<type>`` / ``Node<Base><Type>``;
* **operations**: each requirement or feature bullet becomes an operation
  named from its verb and object (``Create new user accounts with email
  validation`` -> ``create_user_accounts``); with two nodes an operation goes
  to the node whose indicator words it uses;
* **mixins, features, dependencies**: keyword rules (health and metrics
  always; caching, event bus, structured logs on their keywords; retry policy,
  circuit breaker and security validation on theirs); PostgreSQL, Redis,
  Kafka, object storage and external APIs named in the dependencies or
  technical sections become dependencies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from omninode_bridge.contracts.loader import pascal_case, snake_case
from omninode_bridge.contracts.model import (
    LIFECYCLE_OPERATIONS,
    Contract,
    ContractDialect,
    NodeType,
)
from omninode_bridge.contracts.problems import (
    ContractProblem,
    contract_error,
    raise_for_problems,
)
from omninode_bridge.errors import MixinError
from omninode_bridge.logs import get_logger
from omninode_bridge.onex.mixins import resolve_mixins

__all__ = [
    "NODE_TYPE_INDICATORS",
    "PRDAnalysis",
    "PRDItem",
    "PRDSection",
    "analyze_prd",
    "contracts_from_prd",
    "load_prd",
]

log = get_logger(__name__, component="contracts")

#: Indicator words per node type (matched as word prefixes, case-insensitive).
NODE_TYPE_INDICATORS: Final[dict[NodeType, tuple[str, ...]]] = {
    NodeType.EFFECT: ("create", "update", "delete", "modify", "change", "write", "store"),
    NodeType.COMPUTE: ("calculat", "process", "analy", "compute", "algorithm"),
    NodeType.REDUCER: ("aggregat", "summari", "reduc", "combin", "merg", "consolidat"),
    NodeType.ORCHESTRATOR: ("coordinat", "orchestrat", "manag", "workflow", "pipeline", "sequenc"),
}
_SECTION_KINDS: Final = {
    "overview": ("overview", "summary", "description", "introduction", "purpose", "background"),
    "requirements": ("functional requirement", "requirement", "user stor", "capabilit"),
    "features": ("feature",),
    "criteria": ("success criteria", "acceptance criteria", "success metric"),
    "technical": ("technical", "architecture", "implementation", "non-functional"),
    "dependencies": ("dependenc", "integration", "external system"),
    "operations": ("operation", "api", "endpoint"),
}
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
_BULLET: Final = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*\S)\s*$")
_HEADING: Final = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_EXPLICIT_TYPES: Final = re.compile(r"^\s*\**node[ _-]?types?\**\s*:\s*(.+)$", re.IGNORECASE)
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
class PRDItem:
    """A bullet of a section.

    Attributes:
        text: The bullet text without its marker.
        line: 1-based line in the PRD.
        details: Indented sub-bullets, joined.
    """

    text: str
    line: int
    details: str = ""


@dataclass(frozen=True, slots=True)
class PRDSection:
    """A ``##`` (or deeper) section.

    Attributes:
        title: Heading text.
        kind: Recognised kind (``overview``, ``requirements``...) or ``""``.
        line: 1-based line of the heading.
        text: Body text that is not a bullet.
        items: Top-level bullets.
    """

    title: str
    kind: str
    line: int
    text: str
    items: tuple[PRDItem, ...]


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


# --------------------------------------------------------------------------- public API


def load_prd(path: str | Path, *, max_nodes: int = 2) -> list[Contract]:
    """Read a PRD file and return its contracts.

    Raises:
        ContractValidationError: Unreadable file or a PRD that gives no contract.
    """
    file_path = Path(path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        problem = ContractProblem(str(path), None, "", f"cannot read PRD: {reason}")
        raise contract_error([problem]) from None
    return contracts_from_prd(text, source=str(path), path=file_path, max_nodes=max_nodes)


def analyze_prd(text: str, *, source: str = "<prd>", max_nodes: int = 2) -> PRDAnalysis:
    """Read a Markdown PRD into sections, requirements and node types.

    A PRD without a ``#`` title is named after its first words (or
    ``generated``), with a warning in :attr:`PRDAnalysis.warnings` and the log.

    Raises:
        ValueError: ``max_nodes`` is below 1.
    """
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")
    lines = text.splitlines()
    title, title_line, preamble, sections = _parse(lines)
    warnings: list[ContractProblem] = []
    if not title:
        title, title_line = _derived_title(lines)
        message = f"no '# Title' line; the PRD is named {title!r} after its first words"
        warnings.append(ContractProblem(source, title_line or None, "title", message, True))
        log.warning("prd.untitled", source=source, title=title)
    overview = _overview(preamble, sections)
    requirements = tuple(
        item
        for section in sections
        if section.kind in ("requirements", "features", "operations")
        for item in section.items
    )
    corpus = " ".join([title, overview, *(item.text for item in requirements)])
    scores = _scores(corpus)
    explicit = _explicit_types(lines)
    node_types = explicit or _pick(scores, max_nodes)
    base = _base_name(title) or "generated"
    return PRDAnalysis(
        title=title,
        title_line=title_line,
        overview=overview,
        sections=tuple(sections),
        requirements=requirements,
        node_type_scores=scores,
        node_types=node_types,
        base_name=base,
        domain=base.split("_")[0],
        word_count=len(text.split()),
        source=source,
        explicit_types=bool(explicit),
        dependencies=tuple(_dependencies(sections)),
        warnings=tuple(warnings),
    )


def contracts_from_prd(
    text: str,
    *,
    source: str = "<prd>",
    path: Path | None = None,
    max_nodes: int = 2,
) -> list[Contract]:
    """Analyse a PRD and build one contract per derived node type.

    The contracts are checked like loaded ones (model rules and the mixin
    catalog); serialise them with :func:`~omninode_bridge.contracts.dump_contract`
    to give the user an editable contract file.

    Raises:
        ContractValidationError: No title, or a derived contract that does not
            validate (listing every problem).
    """
    analysis = analyze_prd(text, source=source, max_nodes=max_nodes)
    assigned = _assign_operations(analysis)
    contracts: list[Contract] = []
    problems: list[ContractProblem] = []
    for node_type in analysis.node_types:
        try:
            contract = _contract(analysis, node_type, assigned[node_type], path)
        except ValidationError as exc:
            problems.extend(
                ContractProblem(source, None, ".".join(map(str, e["loc"])), e["msg"])
                for e in exc.errors()
            )
            continue
        problems.extend(_mixin_problems(contract, source))
        contracts.append(contract)
    raise_for_problems(problems)
    return contracts


# --------------------------------------------------------------------------- reading


def _parse(lines: Sequence[str]) -> tuple[str, int, list[str], list[PRDSection]]:
    title, title_line = "", 0
    preamble: list[str] = []
    sections: list[PRDSection] = []
    current: dict[str, Any] | None = None
    fenced = False
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) == 1 and not title:
            title, title_line = _plain(heading.group(2)), number
            continue
        if heading and len(heading.group(1)) >= 2:
            if current is not None:
                sections.append(_section(current))
            name = _plain(heading.group(2))
            current = {"title": name, "line": number, "text": [], "items": []}
            continue
        if current is None:
            preamble.append(line)
            continue
        _add_line(current, line, number)
    if current is not None:
        sections.append(_section(current))
    return title, title_line, preamble, sections


def _derived_title(lines: Sequence[str]) -> tuple[str, int]:
    """The first words of the first text line (or ``Generated``), and that line."""
    for number, line in enumerate(lines, start=1):
        words = re.findall(r"[A-Za-z][A-Za-z0-9]*", _plain(line.lstrip("#").strip()))
        if words:
            return " ".join(words[:6]), number
    return "Generated", 0


def _add_line(current: dict[str, Any], line: str, number: int) -> None:
    bullet = _BULLET.match(line)
    if bullet and len(bullet.group(1).expandtabs()) < 2:
        current["items"].append([_plain(bullet.group(2)), number, []])
    elif bullet and current["items"]:
        current["items"][-1][2].append(_plain(bullet.group(2)))
    elif line.strip():
        current["text"].append(line.strip())


def _section(current: dict[str, Any]) -> PRDSection:
    items = tuple(
        PRDItem(text, line, "; ".join(details)) for text, line, details in current["items"]
    )
    return PRDSection(
        title=current["title"],
        kind=_kind(current["title"]),
        line=current["line"],
        text=" ".join(current["text"]),
        items=items,
    )


def _kind(title: str) -> str:
    lowered = title.lower()
    for kind, prefixes in _SECTION_KINDS.items():
        if any(p in lowered for p in prefixes):
            return kind
    return ""


def _plain(text: str) -> str:
    """Markdown links, code spans and emphasis reduced to their text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"\*{1,3}([^*]+)\*{1,3}", r"\1", text)
    text = re.sub(r"(?<!\w)_{1,3}([^_]+)_{1,3}(?!\w)", r"\1", text)
    return text.strip()


def _overview(preamble: list[str], sections: list[PRDSection]) -> str:
    for section in sections:
        if section.kind == "overview":
            parts = [section.text, *(item.text for item in section.items)]
            return " ".join(p for p in parts if p)
    return " ".join(line.strip() for line in preamble if line.strip())


# --------------------------------------------------------------------------- deriving


def _count(words: Iterable[str], text: str) -> int:
    lowered = text.lower()
    return sum(len(re.findall(rf"\b{re.escape(w)}\w*", lowered)) for w in words)


def _scores(corpus: str) -> dict[NodeType, float]:
    return {
        kind: min(_count(words, corpus) / 10, 1.0) for kind, words in NODE_TYPE_INDICATORS.items()
    }


def _pick(scores: dict[NodeType, float], max_nodes: int) -> tuple[NodeType, ...]:
    order = list(NodeType)
    ranked = sorted(scores, key=lambda kind: (-scores[kind], order.index(kind)))
    chosen = [kind for kind in ranked if scores[kind] > 0.3][:max_nodes]
    if chosen:
        return tuple(chosen)
    return (ranked[0],) if scores[ranked[0]] >= 0.1 else (NodeType.EFFECT,)


def _explicit_types(lines: Sequence[str]) -> tuple[NodeType, ...]:
    for line in lines:
        match = _EXPLICIT_TYPES.match(line)
        if match:
            names = re.findall(r"effect|compute|reducer|orchestrator", match.group(1).lower())
            return tuple(dict.fromkeys(NodeType(n) for n in names))
    return ()


def _base_name(title: str) -> str:
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


def _operation_type(text: str, candidates: Sequence[NodeType]) -> NodeType:
    best = max(candidates, key=lambda kind: _count(NODE_TYPE_INDICATORS[kind], text))
    if _count(NODE_TYPE_INDICATORS[best], text) == 0:
        return candidates[0]
    return best


def _assign_operations(analysis: PRDAnalysis) -> dict[NodeType, list[tuple[PRDItem, str]]]:
    assigned: dict[NodeType, list[tuple[PRDItem, str]]] = {k: [] for k in analysis.node_types}
    seen: dict[NodeType, set[str]] = {k: set() for k in analysis.node_types}
    for item in analysis.requirements:
        name = _operation_name(item.text)
        if not name or name in LIFECYCLE_OPERATIONS:
            continue
        kind = _operation_type(item.text, analysis.node_types)
        unique, suffix = name, 2
        while unique in seen[kind]:
            unique, suffix = f"{name}_{suffix}", suffix + 1
        seen[kind].add(unique)
        assigned[kind].append((item, unique))
    return assigned


def _dependencies(sections: list[PRDSection]) -> list[tuple[str, str, int]]:
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
        if _count(words, corpus):
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


def _contract(
    analysis: PRDAnalysis,
    node_type: NodeType,
    assigned: list[tuple[PRDItem, str]],
    path: Path | None,
) -> Contract:
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


def _mixin_problems(contract: Contract, source: str) -> list[ContractProblem]:
    try:
        resolve_mixins(contract.mixins, node_type=contract.node_type.value)
    except MixinError as exc:
        return [
            ContractProblem(source, contract.line_for("name"), "mixins", str(problem))
            for problem in exc.problems
        ]
    return []
