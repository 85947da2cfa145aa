"""Broken variants of a good ONEX node fail with the matching rule ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from omninode_bridge.validation import (
    ONEXComplianceValidator,
    ValidationContext,
    ValidationPipeline,
    default_validators,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "validation"
GOOD_NODE = (FIXTURES / "nodes" / "good_effect_node.py").read_text(encoding="utf-8")
CONTEXT = ValidationContext(
    node_type="effect",
    operations=["create", "read"],
    models=["ModelUserStoreInput", "ModelUserStoreOutput"],
    file_path="user_store/v1_0_0/node.py",
)

BARE_EXCEPT = GOOD_NODE.replace(
    "        except OSError as exc:\n", "        except:\n            exc = None\n"
)

BROKEN = {
    "wrong_base_class": (GOOD_NODE.replace("(NodeEffect)", "(NodeCompute)"), "ONEX002"),
    "sync_execute": (
        GOOD_NODE.replace("async def execute_effect", "def execute_effect"),
        "ONEX003",
    ),
    "print": (
        GOOD_NODE.replace(
            "        record = await", '        print("reading")\n        record = await'
        ),
        "ONEX005",
    ),
    "bare_except": (BARE_EXCEPT, "PAT001"),
    "missing_operation": (
        GOOD_NODE.replace(
            "        if contract.operation == EnumUserStoreOperationType.READ:\n"
            "            return await self._handle_read(contract)\n",
            "",
        ).replace("_handle_read", "_lookup"),
        "CMP003",
    ),
    "wrong_name": (GOOD_NODE.replace("NodeUserStoreEffect", "UserStoreService"), "ONEX001"),
    "value_error": (
        GOOD_NODE.replace(
            "raise ModelOnexError(\n            error_code",
            "raise ValueError(\n            error_code",
        ),
        "ONEX004",
    ),
    "dict_input": (
        GOOD_NODE.replace(
            "execute_effect(self, contract: ModelUserStoreInput)",
            "execute_effect(self, contract: dict[str, object])",
        ),
        "ONEX006",
    ),
    "any_in_signature": (
        GOOD_NODE.replace(
            "from __future__ import annotations\n",
            "from __future__ import annotations\n\nfrom typing import Any\n",
        ).replace(
            "_handle_read(self, contract: ModelUserStoreInput)",
            "handle_read(self, contract: Any)",
        ),
        "ONEX007",
    ),
}


async def test_good_node_has_no_findings() -> None:
    result = await ValidationPipeline(default_validators()).validate(GOOD_NODE, CONTEXT)
    assert result.passed
    assert result.findings == []


@pytest.mark.parametrize(("code", "rule_id"), list(BROKEN.values()), ids=list(BROKEN))
async def test_broken_variant_fails_with_rule(code: str, rule_id: str) -> None:
    assert code != GOOD_NODE
    result = await ValidationPipeline(default_validators()).validate(code, CONTEXT)
    assert not result.passed
    assert rule_id in {f.rule_id for f in result.findings if f.severity.value == "error"}
    assert any(e.startswith(rule_id) for e in result.errors)


def test_compliance_validator_can_fail_on_its_own() -> None:
    pipeline = ValidationPipeline([ONEXComplianceValidator()])
    result = pipeline.run_validators(BROKEN["sync_execute"][0], CONTEXT)
    assert not result.passed
    assert result.reports[0].score < 1.0


def test_naming_suggestion_names_the_class() -> None:
    pipeline = ValidationPipeline([ONEXComplianceValidator()])
    result = pipeline.run_validators(BROKEN["wrong_name"][0], CONTEXT)
    finding = next(f for f in result.findings if f.rule_id == "ONEX001")
    assert finding.suggestion == "rename the class to NodeUserStoreEffect"
    assert finding.line == 17


def test_models_module_is_not_held_to_node_rules() -> None:
    code = (
        '"""Models."""\n\nfrom pydantic import BaseModel\n\n\n'
        'class ModelUserStoreInput(BaseModel):\n    """Input."""\n\n    name: str\n'
    )
    ctx = ValidationContext("effect", file_path="user_store/v1_0_0/models/model_input.py")
    result = ValidationPipeline(default_validators()).run_validators(code, ctx)
    assert result.passed
    assert result.findings == []
