"""``omninode validate``: text, JSON and SARIF output, exit codes, parallel files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from omninode_bridge.cli.app import app
from omninode_bridge.cli.validate import collect_files, validate_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "validation"
GOOD_NODE = (FIXTURES / "nodes" / "good_effect_node.py").read_text(encoding="utf-8")
SARIF_SCHEMA = FIXTURES / "sarif-schema-2.1.0.json"
LOCK_CONTRACT = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "contracts"
    / "node_packages"
    / "distributed_lock_effect.yaml"
)

runner = CliRunner()


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A node package folder: a good node and a models module."""
    root = tmp_path / "user_store" / "v1_0_0"
    (root / "models").mkdir(parents=True)
    (root / "node.py").write_text(GOOD_NODE, encoding="utf-8")
    (root / "models" / "__init__.py").write_text(
        '"""Models."""\n\nfrom .model_input import ModelUserStoreInput\n', encoding="utf-8"
    )
    (root / "models" / "model_input.py").write_text(
        '"""Input model."""\n\nfrom pydantic import BaseModel\n\n\n'
        'class ModelUserStoreInput(BaseModel):\n    """Input."""\n\n    name: str\n',
        encoding="utf-8",
    )
    return root


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "node.py"
    path.write_text(
        GOOD_NODE.replace("async def execute_effect", "def execute_effect"), encoding="utf-8"
    )
    return path


def test_passing_package_exits_zero(package: Path) -> None:
    result = runner.invoke(app, ["validate", str(package)])
    assert result.exit_code == 0, result.output
    assert "3 files: 3 passed, 0 failed" in result.output


def test_failing_file_exits_one_with_rule_and_fix(broken: Path) -> None:
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:20:5: ONEX003 [error]" in result.output
    assert "fix: declare it `async def execute_effect(...)`" in result.output


def test_json_output(broken: Path, package: Path) -> None:
    result = runner.invoke(app, ["validate", "--json", str(broken), str(package)])
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["summary"]["files"] == 4
    assert document["summary"]["failed"] == 1
    failed = [f for f in document["files"] if not f["passed"]]
    assert [f["path"] for f in failed] == [str(broken)]
    assert failed[0]["findings"][0]["rule_id"] == "ONEX003"


def test_sarif_output_validates_against_the_schema(broken: Path, package: Path) -> None:
    result = runner.invoke(app, ["validate", "--format", "sarif", str(broken), str(package)])
    assert result.exit_code == 1
    log = json.loads(result.output)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(log, schema, format_checker=jsonschema.FormatChecker())
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    (finding,) = run["results"]
    assert rules[finding["ruleIndex"]]["id"] == finding["ruleId"] == "ONEX003"
    assert finding["locations"][0]["physicalLocation"]["region"]["startLine"] == 20


def test_sarif_schema_rejects_a_broken_log() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0", "runs": [{"results": []}]}, schema)


def test_missing_path_is_bad_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.py")])
    assert result.exit_code == 2
    assert "nope.py: no such file or folder" in result.output


def test_non_python_file_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "not a Python file" in result.output


def test_no_paths_is_bad_input() -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2


def test_undecodable_file_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"NAME = '\xe9t\xe9'\n")
    result = runner.invoke(app, ["validate", "--json", str(path)])
    assert result.exit_code == 1
    finding = json.loads(result.output)["files"][0]["findings"][0]
    assert finding["rule_id"] == "SYN001"
    assert "cannot decode" in finding["message"]


def test_corpus_option_prints_precision_and_recall() -> None:
    result = runner.invoke(app, ["validate", "--corpus", str(FIXTURES / "corpus")])
    assert result.exit_code == 0, result.output
    assert "precision" in result.output and "PAT001" in result.output


def test_folders_skip_caches(tmp_path: Path) -> None:
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.py").write_text("X = 1\n", encoding="utf-8")
    (tmp_path / "a.py").write_text("X = 1\n", encoding="utf-8")
    assert collect_files([tmp_path, tmp_path / "a.py"]) == [tmp_path / "a.py"]


def test_process_pool_gives_the_same_results_as_one_process(tmp_path: Path) -> None:
    files = []
    for i in range(12):
        path = tmp_path / f"mod_{i}.py"
        path.write_text(("import os\n" if i % 2 else "") + f"X_{i} = {i}\n", encoding="utf-8")
        files.append(path)
    serial = validate_files(files, workers=1)
    parallel = validate_files(files, workers=2)
    assert [r.rule_ids for r in parallel] == [r.rule_ids for r in serial]
    assert [r.file_path for r in parallel] == [str(f) for f in files]
    assert sum(1 for r in serial if "PAT008" in r.rule_ids) == 6


def test_unknown_node_type_is_bad_input(broken: Path) -> None:
    result = runner.invoke(app, ["validate", "--node-type", "gateway", str(broken)])
    assert result.exit_code == 2
    assert "gateway" in result.output


def test_declared_node_type_checks_the_base_class(broken: Path) -> None:
    result = runner.invoke(app, ["validate", "--json", "--node-type", "compute", str(broken)])
    assert result.exit_code == 1
    rules = {f["rule_id"] for f in json.loads(result.output)["files"][0]["findings"]}
    assert {"ONEX001", "ONEX002", "CMP002"} <= rules


@pytest.fixture
async def lock_package(tmp_path: Path) -> Path:
    """The generated distributed-lock node package (it has a contract.yaml)."""
    from omninode_bridge.codegen.workflow import CodegenWorkflow

    result = await CodegenWorkflow(record_history=False).generate([LOCK_CONTRACT], tmp_path)
    assert result.success
    return tmp_path


def test_contract_beside_the_node_supplies_operations(lock_package: Path) -> None:
    assert runner.invoke(app, ["validate", str(lock_package)]).exit_code == 0
    (node,) = list(lock_package.rglob("node.py"))
    code = node.read_text(encoding="utf-8")
    code = re.sub(r"\n[^\n]*\.CLEANUP_EXPIRED: self\._handle_cleanup_expired,", "", code)
    node.write_text(code.replace("_handle_cleanup_expired", "_sweep"), encoding="utf-8")
    failed = runner.invoke(app, ["validate", str(node)])
    assert failed.exit_code == 1
    assert "CMP003" in failed.output and "'cleanup_expired'" in failed.output
