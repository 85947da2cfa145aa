"""Every rule reaches precision and recall >= 0.9 on the labelled corpus."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from omninode_bridge.errors import ValidationException
from omninode_bridge.validation.corpus import (
    CorpusReport,
    evaluate_corpus,
    format_report,
    load_corpus,
    main,
)
from omninode_bridge.validation.rules import RULES

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "validation" / "corpus"
DETECTING_RULES = {r for r in RULES if not r.startswith(("VAL", "QRM"))}


@pytest.fixture(scope="module")
def report() -> CorpusReport:
    return evaluate_corpus(load_corpus(CORPUS))


def test_corpus_covers_every_rule_with_three_positives_and_negatives() -> None:
    cases = load_corpus(CORPUS)
    positives = Counter(c.rule_id for c in cases if c.expect)
    negatives = Counter(c.rule_id for c in cases if not c.expect)
    assert set(positives) == DETECTING_RULES
    short = {r for r in DETECTING_RULES if positives[r] < 3 or negatives[r] < 3}
    assert short == set()


def test_every_rule_reaches_precision_and_recall(report: CorpusReport) -> None:
    failing = report.below(min_precision=0.9, min_recall=0.9)
    assert failing == [], format_report(report)


def test_report_table_lists_every_rule(report: CorpusReport) -> None:
    text = format_report(report)
    for rule_id in DETECTING_RULES:
        assert rule_id in text


def test_command_prints_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(CORPUS)]) == 0
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out and "ONEX002" in out


def test_module_runs_as_a_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "omninode_bridge.validation.corpus", str(CORPUS)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "PAT005" in proc.stdout


def test_command_fails_when_a_rule_is_below_bounds(tmp_path: Path) -> None:
    (tmp_path / "pat008.yaml").write_text(
        "rule: PAT008\ncases:\n  - name: wrong_label\n    expect: false\n    code: |\n"
        "      import os\n",
        encoding="utf-8",
    )
    assert main([str(tmp_path)]) == 1


def test_bad_corpus_file_names_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("rule: PAT008\ncases:\n  - name: x\n", encoding="utf-8")
    with pytest.raises(ValidationException, match=r"bad\.yaml: field 'cases\.0\.expect'"):
        load_corpus(tmp_path)


def test_unknown_rule_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("rule: XYZ999\ncases: []\n", encoding="utf-8")
    with pytest.raises(ValidationException, match="unknown rule id 'XYZ999'"):
        load_corpus(tmp_path)
