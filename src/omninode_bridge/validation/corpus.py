"""Measure every rule's precision and recall on a labelled corpus.

A corpus is a folder of YAML files, one per rule::

    rule: PAT001
    cases:
      - name: bare_except_with_pass
        expect: true                # the rule must fire on this code
        code: |
          try:
              work()
          except:
              pass
      - name: specific_exception
        expect: false               # ... and must stay silent here
        context: {node_type: effect, file_path: node.py, operations: [create]}
        code: |
          ...

Each case runs through the full validator set; only the file's rule is
scored on it (other rules may fire on a snippet without counting). Run it
with ``python3 -m omninode_bridge.validation.corpus DIR`` or
``omninode validate --corpus DIR``; it exits 1 when a rule falls under the
required precision or recall.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omninode_bridge.errors import ValidationException
from omninode_bridge.validation.models import ModuleKind, ValidationContext
from omninode_bridge.validation.pipeline import (
    ValidationPipeline,
    default_validators,
)
from omninode_bridge.validation.rules import RULES

__all__ = [
    "CorpusCase",
    "CorpusReport",
    "RuleScore",
    "evaluate_corpus",
    "format_report",
    "load_corpus",
    "main",
]


class _CaseContext(BaseModel):
    model_config = ConfigDict(extra="forbid")

    node_type: str = "auto"
    file_path: str = "module.py"
    module_kind: ModuleKind = ModuleKind.AUTO
    operations: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    required_methods: list[str] = Field(default_factory=list)


class _CaseModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    expect: bool
    code: str
    context: _CaseContext = Field(default_factory=_CaseContext)


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str
    cases: list[_CaseModel]


@dataclass(frozen=True, slots=True)
class CorpusCase:
    """One labelled snippet: does ``rule_id`` fire on ``code``?"""

    rule_id: str
    name: str
    expect: bool
    code: str
    context: ValidationContext
    origin: str


@dataclass(frozen=True, slots=True)
class RuleScore:
    """Confusion counts of one rule over its cases."""

    rule_id: str
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    misses: tuple[str, ...]

    @property
    def precision(self) -> float:
        """TP / (TP + FP); 1.0 when the rule never fired."""
        fired = self.true_positives + self.false_positives
        return self.true_positives / fired if fired else 1.0

    @property
    def recall(self) -> float:
        """TP / (TP + FN); 1.0 when there was nothing to find."""
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


@dataclass(frozen=True, slots=True)
class CorpusReport:
    """Scores of every rule in a corpus."""

    scores: tuple[RuleScore, ...]

    def below(self, *, min_precision: float, min_recall: float) -> list[RuleScore]:
        """Rules under either bound."""
        return [s for s in self.scores if s.precision < min_precision or s.recall < min_recall]


def _load_file(path: Path) -> list[CorpusCase]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        data = _FileModel.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationException(f"{path}: cannot read corpus file: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValidationException(
            f"{path}: field '{where}': {first['msg']} (expected rule: ID and cases: "
            "[{name, expect, code, context?}])"
        ) from exc
    if data.rule not in RULES:
        raise ValidationException(f"{path}: field 'rule': unknown rule id {data.rule!r}")
    return [
        CorpusCase(
            rule_id=data.rule,
            name=case.name,
            expect=case.expect,
            code=case.code,
            context=ValidationContext(
                node_type=case.context.node_type,
                file_path=case.context.file_path,
                module_kind=case.context.module_kind,
                operations=list(case.context.operations),
                models=list(case.context.models),
                required_methods=list(case.context.required_methods),
            ),
            origin=f"{path.name}:{case.name}",
        )
        for case in data.cases
    ]


def load_corpus(folder: Path) -> list[CorpusCase]:
    """Every case of every ``*.yaml`` file under ``folder``."""
    if not folder.is_dir():
        raise ValidationException(f"{folder}: corpus folder not found")
    files = sorted(folder.rglob("*.yaml"))
    if not files:
        raise ValidationException(f"{folder}: no *.yaml corpus files")
    return [case for path in files for case in _load_file(path)]


def evaluate_corpus(
    cases: Sequence[CorpusCase], pipeline: ValidationPipeline | None = None
) -> CorpusReport:
    """Run every case and count hits and misses per rule."""
    pipeline = pipeline or ValidationPipeline(default_validators())
    counts: dict[str, list[int]] = {}
    misses: dict[str, list[str]] = {}
    for case in cases:
        fired = case.rule_id in pipeline.run_validators(case.code, case.context).rule_ids
        slot = (0 if fired else 2) if case.expect else (1 if fired else 3)
        counts.setdefault(case.rule_id, [0, 0, 0, 0])[slot] += 1
        if fired != case.expect:
            misses.setdefault(case.rule_id, []).append(case.origin)
    return CorpusReport(
        scores=tuple(
            RuleScore(
                rule_id,
                true_positives=counts[rule_id][0],
                false_positives=counts[rule_id][1],
                false_negatives=counts[rule_id][2],
                true_negatives=counts[rule_id][3],
                misses=tuple(misses.get(rule_id, [])),
            )
            for rule_id in sorted(counts)
        )
    )


def format_report(report: CorpusReport) -> str:
    """A plain-text table: one line per rule."""
    lines = [f"{'rule':<8} {'tp':>3} {'fp':>3} {'fn':>3} {'tn':>3} {'precision':>9} {'recall':>6}"]
    for s in report.scores:
        lines.append(
            f"{s.rule_id:<8} {s.true_positives:>3} {s.false_positives:>3} "
            f"{s.false_negatives:>3} {s.true_negatives:>3} {s.precision:>9.2f} {s.recall:>6.2f}"
            + (f"  misses: {', '.join(s.misses)}" if s.misses else "")
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the table, exit 1 when a rule is under the bounds."""
    parser = argparse.ArgumentParser(description="Precision and recall of every rule.")
    parser.add_argument("folder", type=Path, help="corpus folder of <rule>.yaml files")
    parser.add_argument("--min-precision", type=float, default=0.9)
    parser.add_argument("--min-recall", type=float, default=0.9)
    args = parser.parse_args(argv)
    try:
        report = evaluate_corpus(load_corpus(args.folder))
    except ValidationException as exc:
        print(f"error: {exc}", file=sys.stderr)  # omninode: ignore[ONEX005]
        return 2
    print(format_report(report))  # omninode: ignore[ONEX005]
    failing = report.below(min_precision=args.min_precision, min_recall=args.min_recall)
    return 1 if failing else 0


if __name__ == "__main__":
    raise SystemExit(main())
