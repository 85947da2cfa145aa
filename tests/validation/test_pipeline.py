"""ValidationPipeline: one parse, fast fail, noqa, quorum gate, metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from omninode_bridge.agents.metrics import MetricsCollector
from omninode_bridge.errors import ValidationException
from omninode_bridge.validation import (
    ParsedSource,
    Severity,
    ValidationContext,
    ValidationPipeline,
    ValidationSummary,
    ValidatorReport,
    default_validators,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "validation"
GOOD_NODE = (FIXTURES / "nodes" / "good_effect_node.py").read_text(encoding="utf-8")
CONTEXT = ValidationContext(
    node_type="effect",
    operations=["create", "read"],
    models=["ModelUserStoreInput", "ModelUserStoreOutput"],
)


@dataclass
class RecordingValidator:
    """Remembers the parsed source it was handed."""

    name: str
    passed: bool = True
    seen: list[ParsedSource] = field(default_factory=list)

    def check(self, source: ParsedSource, context: ValidationContext) -> ValidatorReport:
        self.seen.append(source)
        return ValidatorReport(self.name, self.passed, 1.0 if self.passed else 0.0, (), 0.0)


class CrashingValidator:
    name = "crashing"

    def check(self, source: ParsedSource, context: ValidationContext) -> ValidatorReport:
        raise RuntimeError("bug in validator")


@dataclass
class FakeVote:
    model_id: str
    vote: bool
    confidence: float


@dataclass
class FakeQuorumResult:
    passed: bool
    consensus_score: float
    votes: list[FakeVote]


@dataclass
class FakeQuorum:
    """Implements the quorum protocol: ``await validate_code(code, context)``."""

    passed: bool = True
    calls: list[str] = field(default_factory=list)
    error: Exception | None = None

    async def validate_code(self, code: str, context: ValidationContext) -> FakeQuorumResult:
        self.calls.append(code)
        if self.error is not None:
            raise self.error
        score = 0.9 if self.passed else 0.25
        return FakeQuorumResult(self.passed, score, [FakeVote("gemini", self.passed, score)])


async def test_good_node_passes_every_validator() -> None:
    result = await ValidationPipeline(default_validators()).validate(GOOD_NODE, CONTEXT)
    assert result.passed, result.errors
    assert result.errors == []
    assert result.warnings == []
    assert [r.validator for r in result.reports] == [
        "completeness",
        "quality",
        "onex_compliance",
        "patterns",
    ]
    assert result.duration_ms > 0


async def test_every_validator_gets_the_same_parsed_tree() -> None:
    first, second = RecordingValidator("a"), RecordingValidator("b")
    await ValidationPipeline([first, second]).validate("X = 1\n", CONTEXT)
    assert len(first.seen) == 1
    assert first.seen[0] is second.seen[0]
    assert first.seen[0].tree is not None


async def test_syntax_error_is_a_finding_not_a_crash() -> None:
    result = await ValidationPipeline(default_validators()).validate("def f(:\n", CONTEXT)
    assert not result.passed
    assert [f.rule_id for f in result.findings] == ["SYN001"]
    assert result.findings[0].line == 1
    assert result.errors[0].startswith("SYN001 line 1:")


async def test_fast_fail_stops_after_the_first_failure() -> None:
    failing, later = RecordingValidator("a", passed=False), RecordingValidator("b")
    pipeline = ValidationPipeline([failing, later], enable_fast_fail=True)
    result = await pipeline.validate("X = 1\n", CONTEXT)
    assert not result.passed
    assert later.seen == []


async def test_without_fast_fail_every_validator_runs() -> None:
    failing, later = RecordingValidator("a", passed=False), RecordingValidator("b")
    await ValidationPipeline([failing, later]).validate("X = 1\n", CONTEXT)
    assert len(later.seen) == 1


async def test_crashing_validator_becomes_a_finding() -> None:
    result = await ValidationPipeline([CrashingValidator()]).validate("X = 1\n", CONTEXT)
    assert not result.passed
    assert result.rule_ids == {"VAL001"}
    assert "bug in validator" in result.errors[0]


async def test_quorum_consulted_after_validators_pass() -> None:
    quorum = FakeQuorum(passed=True)
    pipeline = ValidationPipeline(default_validators(), ai_quorum=quorum)
    result = await pipeline.validate(GOOD_NODE, CONTEXT)
    assert result.passed
    assert quorum.calls == [GOOD_NODE]
    assert result.quorum_result is not None


async def test_quorum_not_consulted_when_validators_fail() -> None:
    quorum = FakeQuorum(passed=True)
    pipeline = ValidationPipeline(default_validators(), ai_quorum=quorum)
    bad = GOOD_NODE.replace("(NodeEffect)", "(object)")
    result = await pipeline.validate(bad, CONTEXT)
    assert not result.passed
    assert quorum.calls == []


async def test_quorum_rejection_fails_the_result() -> None:
    pipeline = ValidationPipeline(default_validators(), ai_quorum=FakeQuorum(passed=False))
    result = await pipeline.validate(GOOD_NODE, CONTEXT)
    assert not result.passed
    assert result.rule_ids == {"QRM001"}
    assert "25%" in result.errors[0]


async def test_quorum_error_raises_validation_exception() -> None:
    quorum = FakeQuorum(error=ConnectionError("provider down"))
    pipeline = ValidationPipeline(default_validators(), ai_quorum=quorum)
    with pytest.raises(ValidationException, match="provider down"):
        await pipeline.validate(GOOD_NODE, CONTEXT)


async def test_ignore_comment_drops_only_the_named_rule() -> None:
    code = 'def show() -> None:\n    """Show."""\n    print("x")  # omninode: ignore[ONEX005]\n'
    pipeline = ValidationPipeline(default_validators())
    result = await pipeline.validate(code, ValidationContext(node_type="auto"))
    assert "ONEX005" not in result.rule_ids
    assert result.passed
    other = code.replace("ignore[ONEX005]", "ignore[PAT008]")
    assert "ONEX005" in (await pipeline.validate(other, ValidationContext("auto"))).rule_ids


async def test_metrics_recorded_per_validator_and_pipeline() -> None:
    collector = MetricsCollector()
    pipeline = ValidationPipeline(default_validators(), metrics_collector=collector)
    await pipeline.validate(GOOD_NODE, CONTEXT)
    names = set(collector.get_summaries())
    assert {
        "validation_pipeline_duration_ms",
        "validation_pipeline_overall_score",
        "validation_quality_score",
        "validation_onex_compliance_duration_ms",
    } <= names


def test_pipeline_needs_a_validator() -> None:
    with pytest.raises(ValidationException, match="at least one validator"):
        ValidationPipeline([])


async def test_summary_counts_results() -> None:
    pipeline = ValidationPipeline(default_validators())
    good = await pipeline.validate(GOOD_NODE, CONTEXT)
    bad = await pipeline.validate(
        GOOD_NODE.replace("async def execute_effect", "def execute_effect"), CONTEXT
    )
    summary = ValidationSummary.from_results([good, bad])
    assert (summary.total, summary.passed, summary.failed) == (2, 1, 1)
    assert summary.pass_rate == 0.5
    assert not summary.is_valid
    assert dict(summary.rule_counts)["ONEX003"] == 1
    assert summary.error_count == len(bad.errors)


def test_result_text_fields_render_the_findings() -> None:
    result = ValidationPipeline(default_validators()).run_validators(
        "import os\n", ValidationContext("auto")
    )
    finding = next(f for f in result.findings if f.rule_id == "PAT008")
    assert finding.severity is Severity.WARNING
    assert str(finding) in result.warnings
    assert finding.suggestion_text in result.suggestions
