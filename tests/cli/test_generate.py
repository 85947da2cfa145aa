"""``omninode generate``: summary, JSON, dry-run, check, bad input, PRD, --run-tests."""

from __future__ import annotations

import importlib.util
import json
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from omninode_bridge.cli.app import app
from omninode_bridge.codegen.checks import EXIT_TOOL_MISSING, MYPY_CACHE_ENV

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "contracts"
MINIMAL = FIXTURES / "sample_contracts" / "minimal_effect.yaml"
LOCK = FIXTURES / "node_packages" / "distributed_lock_effect.yaml"
BAD = FIXTURES / "schema_examples" / "invalid_circuit_breaker_threshold.yaml"
PRD = "# Order Pricing Engine\n\n## Functional Requirements\n- Calculate order totals\n"


def invoke(args: list[str]) -> Result:
    """Run the CLI in a worker thread, whose ``asyncio.run`` leaves this thread's loop alone."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(CliRunner().invoke, app, args).result()


def files_under(root: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in root.rglob("*")
        if p.is_file()
    }


def test_generate_writes_packages_and_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(["generate", str(MINIMAL), str(LOCK), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "minimal_effect/v1_0_0" in result.output and "written" in result.output
    assert (out / "minimal_effect" / "v1_0_0" / "node.py").is_file()
    assert (out / "distributed_lock_effect" / "v1_0_0" / "node.py").is_file()


def test_json_output_lists_every_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(["generate", str(MINIMAL), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["success"] is True
    [package] = document["packages"]
    assert package["node"] == "NodeMinimalEffect"
    assert package["files"]["v1_0_0/node.py"] == "new"
    assert package["files"]["v1_0_0/handlers.py"] == "new"


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(["generate", str(MINIMAL), "--out", str(out), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "new" in result.output and "v1_0_0/node.py" in result.output
    assert not out.exists()


def test_check_exits_1_on_drift_and_0_when_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "out"
    drift = invoke(["generate", str(MINIMAL), "--out", str(out), "--check"])
    assert drift.exit_code == 1, drift.output
    assert not out.exists()
    assert invoke(["generate", str(MINIMAL), "--out", str(out)]).exit_code == 0
    before = files_under(out)
    clean = invoke(["generate", str(MINIMAL), "--out", str(out), "--check"])
    assert clean.exit_code == 0, clean.output
    assert "up to date" in clean.output
    assert files_under(out) == before


def test_bad_contract_exits_2_with_one_message_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(["generate", str(MINIMAL), str(BAD), "--out", str(out)])
    assert result.exit_code == 2
    assert f"{BAD}:19: advanced_features.circuit_breaker.failure_threshold" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="no-input"),
        pytest.param([str(MINIMAL), "--prd", "x.md"], id="both-inputs"),
        pytest.param([str(MINIMAL), "--dry-run", "--check"], id="dry-run-and-check"),
        pytest.param(["does-not-exist.yaml"], id="missing-file"),
    ],
)
def test_bad_invocation_exits_2(tmp_path: Path, args: list[str]) -> None:
    result = invoke(["generate", *args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "out").exists()


def test_prd_generates_contracts_and_packages(tmp_path: Path) -> None:
    prd = tmp_path / "pricing.md"
    prd.write_text(PRD, encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(["generate", "--prd", str(prd), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    [contract] = document["contract_files"]
    assert Path(contract).is_file() and Path(contract).parent == out / "contracts"
    assert Path(document["packages"][0]["package_dir"], "node.py").is_file()


def test_run_tests_checks_the_generated_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        MYPY_CACHE_ENV, str(Path(tempfile.gettempdir()) / "omninode-generated-mypy-cache")
    )
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    shutil.copy(MINIMAL, contracts)
    out = tmp_path / "out"
    result = invoke(["generate", str(contracts), "--out", str(out), "--run-tests", "--json"])
    assert result.exit_code == 0, result.output
    checks = {c["tool"]: c["passed"] for c in json.loads(result.output)["checks"]}
    assert checks == {"ruff": True, "mypy": True, "pytest": True}
    # a broken hand-written test makes --run-tests fail with exit code 1
    user_test = out / "minimal_effect" / "v1_0_0" / "tests" / "test_handlers.py"
    user_test.write_text(
        user_test.read_text() + "\n\ndef test_broken() -> None:\n    assert 1 == 2\n"
    )
    failed = invoke(["generate", str(contracts), "--out", str(out), "--run-tests"])
    assert failed.exit_code == 1
    assert "pytest: failed" in failed.output


def test_run_tests_json_agrees_with_the_exit_code_per_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        MYPY_CACHE_ENV, str(Path(tempfile.gettempdir()) / "omninode-generated-mypy-cache")
    )
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    shutil.copy(MINIMAL, contracts)
    shutil.copy(LOCK, contracts)
    out = tmp_path / "out"
    assert invoke(["generate", str(contracts), "--out", str(out)]).exit_code == 0
    broken = out / "minimal_effect" / "v1_0_0"
    user_test = broken / "tests" / "test_handlers.py"
    user_test.write_text(
        user_test.read_text() + "\n\ndef test_broken() -> None:\n    assert 1 == 2\n"
    )

    result = invoke(["generate", str(contracts), "--out", str(out), "--run-tests", "--json"])

    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["success"] is False
    assert document["exit_code"] == 1
    assert document["generated"] is True
    assert {c["tool"]: c["status"] for c in document["checks"]}["pytest"] == "failed"
    packages = {Path(p["package_dir"]): p for p in document["packages"]}
    failing = packages[broken]
    assert failing["success"] is False
    pytest_verdict = {c["tool"]: c for c in failing["checks"]}["pytest"]
    assert pytest_verdict["status"] == "failed"
    assert any("test_broken" in line for line in pytest_verdict["first_lines"])
    [healthy] = [p for d, p in packages.items() if d != broken]
    assert {c["tool"]: c["status"] for c in healthy["checks"]} == {
        "ruff": "passed",
        "mypy": "passed",
        "pytest": "passed",
    }


def test_a_missing_check_tool_is_named_with_its_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: object, **kwargs: object) -> object:
        return None if name == "mypy" else real_find_spec(name)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    out = tmp_path / "out"
    result = invoke(["generate", str(MINIMAL), "--out", str(out), "--run-tests", "--json"])

    assert result.exit_code == EXIT_TOOL_MISSING
    document = json.loads(result.output)
    assert document["success"] is False
    mypy = {c["tool"]: c for c in document["checks"]}["mypy"]
    assert mypy["status"] == "missing"
    assert "mypy" in mypy["output"] and "omninode-bridge[check]" in mypy["output"]


def test_run_tests_after_a_failed_generation_reports_skipped_checks(tmp_path: Path) -> None:
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    (contracts / "broken.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    result = invoke(["generate", str(contracts), "--out", str(tmp_path / "o"), "--json"])
    assert result.exit_code != 0
    assert json.loads(result.output)["success"] is False
