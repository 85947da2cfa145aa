"""Packages the code generator writes pass every validator with no error;
broken variants of a generated node fail with the matching rule ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from omninode_bridge.cli.validate import collect_files, validate_files
from omninode_bridge.codegen.workflow import CodegenWorkflow
from omninode_bridge.validation import (
    ValidationContext,
    ValidationPipeline,
    default_validators,
)

CONTRACTS = Path(__file__).resolve().parents[1] / "fixtures" / "contracts"
LOCK_OPERATIONS = [
    "acquire_lock",
    "release_lock",
    "extend_lock",
    "get_lock_info",
    "cleanup_expired",
]


@pytest.fixture
async def lock_package(tmp_path: Path) -> Path:
    contract = CONTRACTS / "node_packages" / "distributed_lock_effect.yaml"
    result = await CodegenWorkflow().generate([contract], tmp_path)
    assert result.success
    return tmp_path


@pytest.mark.parametrize(
    "contract",
    [
        "sample_contracts/orchestrator_workflow.yaml",
        "sample_contracts/compute_cached.yaml",
        "fixtures/reducer_contract.yaml",
    ],
)
async def test_generated_package_has_no_error_findings(contract: str, tmp_path: Path) -> None:
    result = await CodegenWorkflow().generate([CONTRACTS / contract], tmp_path)
    assert result.success
    results = validate_files(collect_files([tmp_path]), workers=1)
    assert len(results) > 5
    assert [f"{r.file_path}: {e}" for r in results for e in r.errors] == []


def test_generated_lock_package_passes(lock_package: Path) -> None:
    results = validate_files(collect_files([lock_package]), workers=1)
    assert [f"{r.file_path}: {e}" for r in results for e in r.errors] == []


def _node_source(package: Path) -> str:
    (node,) = list(package.rglob("node.py"))
    return node.read_text(encoding="utf-8")


def _drop_operation(code: str, op: str) -> str:
    code = re.sub(rf"\n[^\n]*\.{op.upper()}: self\._handle_{op},", "", code)
    return re.sub(
        rf"\n    async def _handle_{op}\(.*?(?=\n    async def |\Z)", "", code, flags=re.S
    )


BROKEN = {
    "wrong_base_class": (lambda c: c.replace("(NodeEffect", "(NodeCompute", 1), "ONEX002"),
    "sync_execute": (
        lambda c: c.replace("async def execute_effect", "def execute_effect"),
        "ONEX003",
    ),
    "print": (
        lambda c: c.replace(
            '        """Run the requested',
            '        print("executing")\n        """Run the requested',
            1,
        ),
        "ONEX005",
    ),
    "bare_except": (
        lambda c: c.replace(
            "        return await self.dispatch(",
            "        try:\n            pass\n        except:\n            pass\n"
            "        return await self.dispatch(",
            1,
        ),
        "PAT001",
    ),
    "missing_operation": (lambda c: _drop_operation(c, "cleanup_expired"), "CMP003"),
}


@pytest.mark.parametrize(("mutate", "rule_id"), list(BROKEN.values()), ids=list(BROKEN))
def test_broken_generated_node_fails_with_rule(lock_package: Path, mutate, rule_id: str) -> None:  # type: ignore[no-untyped-def]
    good = _node_source(lock_package)
    context = ValidationContext(node_type="effect", operations=LOCK_OPERATIONS, file_path="node.py")
    pipeline = ValidationPipeline(default_validators())
    assert pipeline.run_validators(good, context).errors == []
    broken = mutate(good)
    assert broken != good
    result = pipeline.run_validators(broken, context)
    assert not result.passed
    assert any(e.startswith(rule_id) for e in result.errors), result.errors
