"""The rule catalogue: every rule id a validator can report.

Rule ids are stable: reports, SARIF output, the labelled corpus and pattern
feedback all key on them. Prefixes name the validator family:

- ``SYN`` the source does not parse; ``VAL`` a validator crashed; ``QRM`` the
  AI quorum rejected the code;
- ``CMP`` completeness (node class, required method, operations, models, docstrings);
- ``QUA`` quality (complexity, type hints, style, the score);
- ``ONEX`` ONEX compliance (naming, base class, async execute, errors, logging,
  pydantic models, ``Any``);
- ``PAT`` code anti-patterns found by ``PatternMatcher``.
"""

from __future__ import annotations

from dataclasses import dataclass

from omninode_bridge.validation.models import Severity

__all__ = ["RULES", "Rule", "rule"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: id, short name, default severity and what it checks."""

    rule_id: str
    name: str
    severity: Severity
    summary: str


_E = Severity.ERROR
_W = Severity.WARNING

_RULE_LIST: tuple[Rule, ...] = (
    Rule("SYN001", "syntax-error", _E, "The source does not parse as Python."),
    Rule("VAL001", "validator-crashed", _E, "A validator raised instead of reporting."),
    Rule("QRM001", "quorum-rejected", _E, "The AI quorum voted the code down."),
    Rule("CMP001", "missing-node-class", _E, "A node module defines no Node<Name><Type> class."),
    Rule(
        "CMP002",
        "missing-required-method",
        _E,
        "The node class lacks the method its node type requires (execute_effect, ...).",
    ),
    Rule("CMP003", "unhandled-operation", _E, "A contract operation is not handled by the node."),
    Rule(
        "CMP004",
        "undefined-model",
        _E,
        "A model the contract names is neither defined nor imported.",
    ),
    Rule("CMP005", "missing-docstring", _W, "A public class or function has no docstring."),
    Rule("QUA000", "quality-score-too-low", _E, "The quality score is under the minimum."),
    Rule("QUA001", "too-complex", _W, "A function's cyclomatic complexity is over the limit."),
    Rule("QUA002", "missing-type-hints", _W, "A function has unannotated parameters or return."),
    Rule("QUA003", "line-too-long", _W, "A line is longer than the limit."),
    Rule("QUA004", "tab-indentation", _W, "A line is indented with tabs."),
    Rule("QUA005", "trailing-whitespace", _W, "A line ends with whitespace."),
    Rule("QUA006", "too-many-blank-lines", _W, "Three or more blank lines in a row."),
    Rule("ONEX001", "node-class-naming", _E, "The node class is not named Node<Name><Type>."),
    Rule(
        "ONEX002",
        "wrong-node-base-class",
        _E,
        "The node class does not inherit the base class of its node type.",
    ),
    Rule("ONEX003", "sync-execute-method", _E, "An execute method of the node is not async."),
    Rule("ONEX004", "non-onex-error-raised", _E, "An error is raised that is not ModelOnexError."),
    Rule("ONEX005", "print-instead-of-log", _E, "Output via print instead of emit_log_event."),
    Rule(
        "ONEX006",
        "non-model-input-output",
        _E,
        "The execute method does not take and return pydantic models.",
    ),
    Rule("ONEX007", "any-in-public-signature", _E, "A public signature uses typing.Any."),
    Rule("PAT001", "bare-except", _E, "A bare `except:` catches everything, even exits."),
    Rule(
        "PAT002",
        "swallowed-exception",
        _E,
        "A broad except handler discards the error without logging or raising.",
    ),
    Rule("PAT003", "mutable-default-argument", _E, "A mutable object is a default argument."),
    Rule("PAT004", "hardcoded-secret", _E, "A password, key or token is a string literal."),
    Rule("PAT005", "sql-string-formatting", _E, "SQL is built by string formatting."),
    Rule(
        "PAT006",
        "blocking-call-in-async",
        _E,
        "A blocking call (sleep, requests, file or socket I/O) inside async def.",
    ),
    Rule("PAT007", "unawaited-coroutine", _E, "A coroutine is called and never awaited."),
    Rule("PAT008", "unused-import", _W, "An imported name is never used."),
    Rule(
        "PAT009",
        "assert-for-validation",
        _W,
        "assert validates input; it vanishes under python -O.",
    ),
)

#: Every rule by id, in catalogue order.
RULES: dict[str, Rule] = {r.rule_id: r for r in _RULE_LIST}


def rule(rule_id: str) -> Rule:
    """Return the rule for ``rule_id`` (KeyError for an unknown id)."""
    return RULES[rule_id]
