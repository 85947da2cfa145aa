"""Every valid fixture contract becomes a package that passes ruff, mypy --strict and its tests.

All valid fixtures are generated once per session into two output folders (two
fixtures share a package name with a contract of another folder, so they
cannot sit side by side), and each tool runs once per folder. Invalid
fixtures are rejected naming the field and the line.
"""

from __future__ import annotations

import ast
import asyncio
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from omninode_bridge.codegen.checks import CheckResult, run_package_checks
from omninode_bridge.codegen.workflow import (
    CodegenWorkflow,
    CodegenWorkflowResult,
)
from omninode_bridge.codegen.writer import MANIFEST_NAME, FileOwner, Manifest
from omninode_bridge.contracts import load_contract
from omninode_bridge.contracts.problems import ContractValidationError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "contracts"
INVALID = {
    "schema_examples/invalid_circuit_breaker_threshold.yaml": (
        19,
        "advanced_features.circuit_breaker.failure_threshold",
    ),
    "schema_examples/invalid_health_check_interval.yaml": (
        20,
        "mixins[0].config.check_interval_ms",
    ),
    "schema_examples/invalid_missing_required_field.yaml": (17, "mixins[0]"),
    "schema_examples/invalid_mixin_name.yaml": (17, "mixins[0].name"),
    "sample_contracts/invalid_mixin_name.yaml": (16, "mixin_configuration.mixins[0].mixin_name"),
    "sample_contracts/missing_dependency.yaml": (21, "mixin_configuration.mixins[0]"),
}
VALID = sorted(
    str(p.relative_to(FIXTURES))
    for p in FIXTURES.rglob("*.yaml")
    if str(p.relative_to(FIXTURES)) not in INVALID
)
# Two schema examples define the package names of two sample contracts; they
# are generated under a suffixed service name so that one output folder (and
# one run of each tool) covers every fixture.
RENAMED = {
    "schema_examples/valid_minimal_v1.yaml": "minimal_schema_example_effect",
    "schema_examples/valid_with_mixins_v2.yaml": "database_adapter_schema_example_effect",
}
MYPY_CACHE = Path(tempfile.gettempdir()) / "omninode-generated-mypy-cache"
STDLIB = set(sys.stdlib_module_names)


class Generated:
    """The session's generation run and check results."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.checks: list[CheckResult] = []

    async def build(self) -> CodegenWorkflowResult:
        contracts = []
        for name in VALID:
            contract = load_contract(FIXTURES / name)
            if name in RENAMED:
                contract = contract.model_copy(update={"service_name": RENAMED[name]})
            contracts.append(contract)
        self.result = await CodegenWorkflow().generate_contracts(contracts, self.root)
        self.checks = await run_package_checks(
            self.root, [p.package_dir for p in self.result.packages], mypy_cache_dir=MYPY_CACHE
        )
        return self.result


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """All valid fixtures generated and checked once."""
    result = Generated(tmp_path_factory.mktemp("generated"))
    # A thread of its own: asyncio.run there leaves the main thread's event loop alone.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, result.build()).result()
    return result


def test_every_valid_fixture_generates_a_package(generated: Generated) -> None:
    result = generated.result
    assert result.success, result.errors
    sources = sorted(
        str(p.contract_path.relative_to(FIXTURES)) for p in result.packages if p.contract_path
    )
    assert sources == VALID
    for package in result.packages:
        assert (package.package_dir / "node.py").is_file()
        assert (package.package_dir / MANIFEST_NAME).is_file()


@pytest.mark.parametrize("tool", ["ruff", "mypy", "pytest"])
def test_generated_packages_pass_their_checks(generated: Generated, tool: str) -> None:
    check = next(c for c in generated.checks if c.tool == tool)
    assert check.passed, check.output


def test_generated_tests_ran_for_every_package(generated: Generated) -> None:
    pytest_check = next(c for c in generated.checks if c.tool == "pytest")
    summary = pytest_check.output.strip().splitlines()[-1]
    passed = int(summary.split(" passed")[0].split()[-1])
    # every package has model, validator, node and handler tests
    assert passed >= len(generated.result.packages) * 15, summary
    assert "failed" not in summary and "error" not in summary, summary


def test_generated_code_imports_only_the_runtime_pydantic_and_stdlib(generated: Generated) -> None:
    allowed = STDLIB | {"pydantic", "pytest"}
    for path in generated.root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                module = node.module
            elif isinstance(node, ast.Import):
                module = node.names[0].name
            else:
                continue
            top = module.split(".")[0]
            if top == "omninode_bridge":
                assert module.startswith("omninode_bridge.onex"), (path, module)
            else:
                assert top in allowed, (path, module)
            if top == "pytest":
                assert "tests" in path.parts, path


def test_every_generated_file_carries_provenance(generated: Generated) -> None:
    result = generated.result
    for package in result.packages:
        manifest = Manifest.from_json((package.package_dir / MANIFEST_NAME).read_text())
        assert manifest.run_id == result.session_id
        assert manifest.correlation_id == result.correlation_id
        for relative, entry in manifest.files.items():
            text = (package.package_dir.parent / relative).read_text(encoding="utf-8")
            if entry["owner"] == FileOwner.GENERATED:
                assert (
                    text.splitlines()[0].lstrip("#<!- ").startswith("Generated by omninode-bridge")
                )
                assert f"run {result.session_id} correlation {result.correlation_id}" in text
            else:
                assert "regeneration never overwrites it" in text


@pytest.mark.parametrize(("fixture", "expected"), sorted(INVALID.items()), ids=sorted(INVALID))
async def test_invalid_fixture_is_rejected_naming_field_and_line(
    tmp_path: Path, fixture: str, expected: tuple[int, str]
) -> None:
    line, field = expected
    with pytest.raises(ContractValidationError) as caught:
        await CodegenWorkflow().generate([FIXTURES / fixture], tmp_path / "out")
    assert f"{FIXTURES / fixture}:{line}: {field}" in str(caught.value)
    assert not (tmp_path / "out").exists()
