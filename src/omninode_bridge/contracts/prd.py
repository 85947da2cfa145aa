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

from pathlib import Path

from pydantic import ValidationError

from omninode_bridge.contracts.model import Contract
from omninode_bridge.contracts.prd_contracts import (
    PRDAnalysis,
    assign_operations,
    base_name,
    build_contract,
    known_dependencies,
    mixin_problems,
)
from omninode_bridge.contracts.prd_markdown import (
    PRDItem,
    PRDSection,
    derived_title,
    overview_text,
    parse_sections,
)
from omninode_bridge.contracts.prd_scoring import (
    NODE_TYPE_INDICATORS,
    explicit_node_types,
    node_type_scores,
    pick_node_types,
)
from omninode_bridge.contracts.problems import (
    ContractProblem,
    contract_error,
    raise_for_problems,
)
from omninode_bridge.logs import get_logger

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
    title, title_line, preamble, sections = parse_sections(lines)
    warnings: list[ContractProblem] = []
    if not title:
        title, title_line = derived_title(lines)
        message = f"no '# Title' line; the PRD is named {title!r} after its first words"
        warnings.append(ContractProblem(source, title_line or None, "title", message, True))
        log.warning("prd.untitled", source=source, title=title)
    overview = overview_text(preamble, sections)
    requirements = tuple(
        item
        for section in sections
        if section.kind in ("requirements", "features", "operations")
        for item in section.items
    )
    corpus = " ".join([title, overview, *(item.text for item in requirements)])
    scores = node_type_scores(corpus)
    explicit = explicit_node_types(lines)
    node_types = explicit or pick_node_types(scores, max_nodes)
    base = base_name(title) or "generated"
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
        dependencies=tuple(known_dependencies(sections)),
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
    assigned = assign_operations(analysis)
    contracts: list[Contract] = []
    problems: list[ContractProblem] = []
    for node_type in analysis.node_types:
        try:
            contract = build_contract(analysis, node_type, assigned[node_type], path)
        except ValidationError as exc:
            problems.extend(
                ContractProblem(source, None, ".".join(map(str, e["loc"])), e["msg"])
                for e in exc.errors()
            )
            continue
        problems.extend(mixin_problems(contract, source))
        contracts.append(contract)
    raise_for_problems(problems)
    return contracts
