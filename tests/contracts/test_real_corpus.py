"""Real contracts in: every node contract of the public ONEX wheels and of the fixtures loads.

The corpus is the node contracts of ``omnibase-infra`` 0.38.76 and
``omnibase-core`` 0.47.57 (downloaded by the ``onex_corpus`` fixture, cached,
never committed) and the original project's contracts in ``tests/fixtures``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from omninode_bridge.cli.app import app
from omninode_bridge.codegen.checks import MYPY_CACHE_ENV
from omninode_bridge.contracts import load_contract
from omninode_bridge.contracts.model import ContractDialect
from omninode_bridge.contracts.problems import ContractValidationError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "contracts"
#: Invalid by design (the fixtures' README says why each must be refused).
INVALID = {
    "schema_examples/invalid_circuit_breaker_threshold.yaml",
    "schema_examples/invalid_health_check_interval.yaml",
    "schema_examples/invalid_missing_required_field.yaml",
    "schema_examples/invalid_mixin_name.yaml",
    "sample_contracts/invalid_mixin_name.yaml",
    "sample_contracts/missing_dependency.yaml",
}
FIXTURE_FILES = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.yaml"))
VALID_FIXTURES = [f for f in FIXTURE_FILES if f not in INVALID]


def invoke(args: list[str]) -> Result:
    """Run the CLI in a worker thread, whose ``asyncio.run`` leaves this thread's loop alone."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(CliRunner().invoke, app, args).result()


def warning_kinds(paths: list[Path]) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for path in paths:
        for warning in load_contract(path).warnings:
            kinds[warning.message.split(";")[0].split(" (")[0]] += 1
    return kinds


def test_every_node_contract_of_the_onex_wheels_loads(onex_corpus: list[Path]) -> None:
    assert len(onex_corpus) >= 180
    failures = {}
    dialects: Counter[ContractDialect] = Counter()
    for path in onex_corpus:
        try:
            contract = load_contract(path)
        except ContractValidationError as exc:
            failures[str(path)] = str(exc)
            continue
        dialects[contract.dialect] += 1
    assert failures == {}
    assert dialects[ContractDialect.ONEX] == len(onex_corpus)
    print("warnings by kind:", dict(warning_kinds(onex_corpus)))


def test_wheel_contracts_keep_their_references_and_routes(onex_corpus: list[Path]) -> None:
    contracts = [load_contract(p) for p in onex_corpus]
    with_models = [c for c in contracts if c.input_model is not None]
    with_routes = [c for c in contracts if c.handlers]
    assert len(with_models) >= 170
    assert len(with_routes) >= 150
    for contract in with_routes:
        for route in contract.handlers:
            assert route.handler.name
    assert {c.node_type.value for c in contracts} == {
        "effect",
        "compute",
        "reducer",
        "orchestrator",
    }


@pytest.mark.parametrize("name", VALID_FIXTURES)
def test_every_valid_fixture_loads(name: str) -> None:
    contract = load_contract(FIXTURES / name)
    assert contract.operations


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_fixtures_are_refused_with_one_clear_message(name: str) -> None:
    with pytest.raises(ContractValidationError) as caught:
        load_contract(FIXTURES / name)
    errors = [p for p in caught.value.problems if not p.warning]
    assert errors
    assert all(p.file.endswith(name.rsplit("/", 1)[1]) for p in errors)
    assert all(p.line is not None and p.field for p in errors)


def test_every_valid_fixture_generates_a_package_that_passes_its_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        MYPY_CACHE_ENV, str(Path(tempfile.gettempdir()) / "omninode-generated-mypy-cache")
    )
    # Two fixtures describe the same package as two others: generate them apart.
    batches: dict[str, list[str]] = {"a": [], "b": []}
    for name in VALID_FIXTURES:
        batches["b" if name.startswith("schema_examples/") else "a"].append(name)
    generated = 0
    for batch, names in batches.items():
        folder = tmp_path / f"in-{batch}"
        folder.mkdir()
        for name in names:
            shutil.copy(FIXTURES / name, folder / name.replace("/", "__"))
        out = tmp_path / f"out-{batch}"
        result = invoke(["generate", str(folder), "--out", str(out), "--run-tests", "--json"])
        document = json.loads(result.output)
        assert result.exit_code == 0, [c.get("first_lines") for c in document["checks"]]
        assert {c["tool"]: c["status"] for c in document["checks"]} == {
            "ruff": "passed",
            "mypy": "passed",
            "pytest": "passed",
        }
        generated += len(document["packages"])
    assert generated == len(VALID_FIXTURES)
