"""Real ONEX nodes out: every node contract of the public wheels, on the real omnibase_core.

Every contract generates (``omninode generate --runtime omnibase-core``) and
its node folder defines each class the contract references inside the node's
own package, at the module path the contract names (checked by AST). A
sample across the four node types passes ruff, mypy --strict and its own tests
with the pinned ``omnibase-core`` on Python >= 3.12, in one run.
"""

from __future__ import annotations

import ast
import json
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from omninode_bridge.cli.app import app
from omninode_bridge.codegen.onex_layout import plan_layout
from omninode_bridge.codegen.onex_layout.env import resolve_check_python
from omninode_bridge.contracts.loader import load_contract
from omninode_bridge.contracts.model import Contract, ModelRef, NodeType

SAMPLE_PER_TYPE = 8


def invoke(args: list[str]) -> Result:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(CliRunner().invoke, app, args).result()


def own_references(contract: Contract, package: str) -> set[ModelRef]:
    refs = [contract.input_model, contract.output_model, contract.state_model]
    for route in contract.handlers:
        refs += [route.handler, route.event_model, route.input_model, route.output_model]
    return {
        r
        for r in refs
        if r is not None and (r.module == package or r.module.startswith(package + "."))
    }


def defined_classes(out: Path, module: str) -> set[str]:
    base = out / module.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            return {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    return set()


def test_every_wheel_node_contract_generates_its_node_folder(
    onex_node_contracts: list[Path], tmp_path: Path
) -> None:
    assert len(onex_node_contracts) >= 180
    out = tmp_path / "src"
    result = invoke(["generate", *map(str, onex_node_contracts), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert len(report["packages"]) == len(onex_node_contracts)
    checked = Counter[str]()
    for path in onex_node_contracts:
        contract = load_contract(path)
        package = plan_layout(contract).package
        folder = out / package.replace(".", "/")
        node_classes = defined_classes(out, f"{package}.node")
        assert contract.name in node_classes, path
        assert (folder / "tests" / "test_node.py").is_file()
        assert (folder / "contract.yaml").is_file()
        for ref in own_references(contract, package):
            if ref.module.endswith(".node") and ref.name == contract.name:
                continue
            assert ref.name in defined_classes(out, ref.module), f"{path}: {ref.qualified}"
            checked["classes"] += 1
        checked[contract.node_type.value] += 1
    print("node contracts per type:", dict(checked))
    assert checked["classes"] > 200


def test_user_owned_files_are_never_overwritten(
    onex_node_contracts: list[Path], tmp_path: Path
) -> None:
    contract = next(p for p in onex_node_contracts if "node_llm_inference_effect" in str(p))
    out = tmp_path / "src"
    assert invoke(["generate", str(contract), "--out", str(out)]).exit_code == 0
    folder = out / "omnibase_infra/nodes/node_llm_inference_effect"
    handler = folder / "handlers/handler_llm_inference_command.py"
    handler.write_text(handler.read_text(encoding="utf-8") + "\n# mine\n", encoding="utf-8")
    (folder / "node.py").write_text("# edited\n", encoding="utf-8")
    again = invoke(["generate", str(contract), "--out", str(out), "--json"])
    assert again.exit_code == 0, again.output
    files = json.loads(again.output)["packages"][0]["files"]
    assert files["omnibase_infra/nodes/node_llm_inference_effect/handlers/"
                 "handler_llm_inference_command.py"] == "kept"  # fmt: skip
    assert files["omnibase_infra/nodes/node_llm_inference_effect/node.py"] == "changed"
    assert handler.read_text(encoding="utf-8").endswith("# mine\n")
    assert "class NodeLlmInferenceEffect(NodeEffect)" in (folder / "node.py").read_text()


def _runs_on_omnibase_core_alone(contract: Contract) -> bool:
    """Whether everything the contract references outside its node is in omnibase_core."""
    layout = plan_layout(contract)
    refs = [contract.input_model, contract.output_model, contract.state_model]
    for route in contract.handlers:
        refs += [route.handler, route.event_model, route.input_model, route.output_model]
    return all(r is None or layout.is_own(r) or r.module.startswith("omnibase_core.") for r in refs)


def sample(contracts: list[Path]) -> list[Path]:
    """Up to SAMPLE_PER_TYPE contracts of each node type, spread over the corpus."""
    by_type: dict[NodeType, list[Path]] = {t: [] for t in NodeType}
    for path in contracts:
        contract = load_contract(path)
        if _runs_on_omnibase_core_alone(contract):
            by_type[contract.node_type].append(path)
    picked: list[Path] = []
    for paths in by_type.values():
        step = max(len(paths) // SAMPLE_PER_TYPE, 1)
        picked += paths[::step][:SAMPLE_PER_TYPE]
    return picked


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_a_sample_passes_ruff_mypy_and_its_tests_on_the_real_omnibase_core(
    onex_node_contracts: list[Path], tmp_path: Path
) -> None:
    picked = sample(onex_node_contracts)
    types = Counter(load_contract(p).node_type for p in picked)
    assert len(picked) >= 30 and len(types) == 4, types
    python = resolve_check_python(None)  # the cached env (made once when absent)
    out = tmp_path / "src"
    os.environ.setdefault("OMNINODE_MYPY_CACHE_DIR", str(python.parent.parent / "mypy-cache"))
    result = invoke(
        ["generate", *map(str, picked), "--out", str(out), "--run-tests",
         "--python", str(python), "--json"]
    )  # fmt: skip
    report = json.loads(result.output)
    failures = [c["first_lines"] for c in report["checks"] if c["status"] != "passed"]
    assert result.exit_code == 0, failures
    assert {c["tool"] for c in report["checks"]} == {"ruff", "mypy", "pytest"}
    print(f"sample of {len(picked)} contracts by type: {dict(types)}")
