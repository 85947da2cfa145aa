"""The integration guide's "As Quality Gate" example, as written."""

from __future__ import annotations

import logging
from pathlib import Path

from omninode_bridge.agents.workflows import (
    CompletenessValidator,
    ONEXComplianceValidator,
    QualityValidator,
    ValidationContext,
    ValidationPipeline,
)

logger = logging.getLogger("quality_gate_example")

GOOD_NODE = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "validation"
    / "nodes"
    / "good_effect_node.py"
).read_text(encoding="utf-8")


class QualityGate:
    def __init__(self):
        self.validation_pipeline = ValidationPipeline(
            validators=[
                CompletenessValidator(),
                QualityValidator(min_score=0.7),
                ONEXComplianceValidator(),
            ],
            enable_fast_fail=False,
        )

    async def validate_generated_code(self, code: str, node_type: str) -> bool:
        """Validate generated code before acceptance."""

        result = await self.validation_pipeline.validate(
            code=code,
            context=ValidationContext(
                node_type=node_type,
                validation_criteria=[
                    "ONEX v2.0 compliance",
                    "Code quality",
                ],
            ),
        )

        if not result.passed:
            logger.warning(f"Validation failed: {result.errors}")

        return result.passed


async def test_quality_gate_accepts_a_good_node() -> None:
    assert await QualityGate().validate_generated_code(GOOD_NODE, "effect") is True


async def test_quality_gate_rejects_bad_code(caplog) -> None:  # type: ignore[no-untyped-def]
    bad = "class UserService:\n    def execute(self, data):\n        print(data)\n"
    assert await QualityGate().validate_generated_code(bad, "effect") is False
    assert "Validation failed" in caplog.text
    assert "CMP001" in caplog.text


async def test_quality_gate_rejects_a_sync_node() -> None:
    bad = GOOD_NODE.replace("async def execute_effect", "def execute_effect")
    assert await QualityGate().validate_generated_code(bad, "effect") is False
