"""CodegenWorkflow: six stages, hash-keyed regeneration, user-owned files, dry-run, check, PRD."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from omninode_bridge.agents.workflows import (
    CodegenWorkflow,
    OmniNodeTemplateEngine,
    ParallelCodeGenerator,
)
from omninode_bridge.codegen.template_manager import BUILTIN_TEMPLATE_DIR
from omninode_bridge.codegen.workflow import INDEX_NAME
from omninode_bridge.codegen.writer import MANIFEST_NAME, FileAction
from omninode_bridge.engine.backends import ProcessPoolBackend
from omninode_bridge.engine.executor import StagedParallelExecutor
from omninode_bridge.errors import ContractError
from omninode_bridge.validation import (
    ValidationContext,
    ValidationPipeline,
    default_validators,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "contracts"
LOCK = FIXTURES / "node_packages" / "distributed_lock_effect.yaml"
MINIMAL = FIXTURES / "sample_contracts" / "minimal_effect.yaml"
COMPUTE = FIXTURES / "sample_contracts" / "compute_cached.yaml"

BUILTIN_NODE = (BUILTIN_TEMPLATE_DIR / "node_effect_v1.j2").read_text(encoding="utf-8")

PRD = """# Inventory Tracking Service

## Overview
Track stock levels for warehouses and store every movement.

## Functional Requirements
- Create stock items with a SKU and a quantity
- Update stock quantities after each movement
- Delete discontinued stock items

## Dependencies
- PostgreSQL
"""


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``root``: modification time (ns) and content."""
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def contracts(tmp_path: Path) -> Path:
    """A folder with three editable contracts."""
    folder = tmp_path / "contracts"
    folder.mkdir()
    for source in (LOCK, MINIMAL, COMPUTE):
        shutil.copy(source, folder / source.name)
    return folder


async def test_six_stages_run_one_step_per_contract(contracts: Path, tmp_path: Path) -> None:
    result = await CodegenWorkflow().generate([contracts], tmp_path / "out")
    assert result.success, result.errors
    assert result.workflow is not None
    stages = [s.stage_id for s in result.workflow.stage_results]
    assert stages == ["parse", "models", "validators", "tests", "quality", "package"]
    for stage in result.workflow.stage_results:
        steps = [s.step_id for s in stage.step_results if s.step_id != "parse_check"]
        assert steps == [f"{stage.stage_id}_{i}" for i in range(3)]
    assert sorted(result.generated_nodes) == [
        "NodeComputeCachedCompute",
        "NodeDistributedLockEffect",
        "NodeMinimalEffect",
    ]
    for package in result.packages:
        assert package.written
        assert package.count(FileAction.NEW) == len(package.files)
        assert (package.package_dir / MANIFEST_NAME).is_file()
    assert (tmp_path / "out" / INDEX_NAME).is_file()


async def test_regenerating_unchanged_input_rewrites_nothing_and_renders_nothing(
    contracts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    workflow = CodegenWorkflow()
    first = await workflow.generate([contracts], out)
    before = snapshot(out)
    renders = workflow.template_manager.get_cache_stats().renders
    second = await workflow.generate([contracts], out)
    assert second.success
    assert all(p.fresh for p in second.packages)
    assert not second.has_drift
    assert snapshot(out) == before
    assert workflow.template_manager.get_cache_stats().renders == renders
    assert first.session_id != second.session_id


async def test_regeneration_in_a_new_process_state_is_also_fresh(
    contracts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    await CodegenWorkflow().generate([contracts], out)
    before = snapshot(out)
    again = await CodegenWorkflow().generate([contracts], out)
    assert all(p.fresh for p in again.packages)
    assert snapshot(out) == before


async def test_changed_contract_rewrites_only_affected_generated_files(
    contracts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    await CodegenWorkflow().generate([contracts], out)
    package = out / "minimal_effect" / "v1_0_0"
    handlers = package / "handlers.py"
    handlers.write_text(handlers.read_text() + "\n# my business logic\n", encoding="utf-8")
    before = snapshot(out)
    contract = contracts / MINIMAL.name
    text = contract.read_text()
    contract.write_text(text.replace('description: "Processing status"', 'description: "State"'))
    result = await CodegenWorkflow().generate([contracts], out)
    after = snapshot(out)
    changed = {path for path in after if after[path] != before.get(path)}
    assert "minimal_effect/v1_0_0/models/model_output.py" in changed
    assert "minimal_effect/v1_0_0/node.py" not in changed
    assert "minimal_effect/v1_0_0/handlers.py" not in changed
    assert all(not path.startswith("distributed_lock_effect") for path in changed)
    assert "# my business logic" in handlers.read_text()
    minimal = next(p for p in result.packages if p.service_name == "minimal_effect")
    actions = dict(minimal.files)
    assert actions["v1_0_0/handlers.py"] is FileAction.KEPT
    assert actions["v1_0_0/models/model_output.py"] is FileAction.CHANGED
    assert actions["v1_0_0/node.py"] is FileAction.UNCHANGED


async def test_hand_edited_generated_file_is_drift_and_restored(
    contracts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    await CodegenWorkflow().generate([contracts], out)
    node = out / "minimal_effect" / "v1_0_0" / "node.py"
    original = node.read_text()
    node.write_text(original + "\n# edited\n", encoding="utf-8")
    check = await CodegenWorkflow().generate([contracts], out, check=True)
    assert check.has_drift
    assert node.read_text().endswith("# edited\n")
    await CodegenWorkflow().generate([contracts], out)
    restored = node.read_text()
    assert "# edited" not in restored
    # same body; the header names the run that rewrote it
    assert restored.split("\n", 3)[3] == original.split("\n", 3)[3]


async def test_dry_run_writes_nothing_and_plans_every_file(contracts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = await CodegenWorkflow().generate([contracts], out, dry_run=True)
    assert not out.exists()
    assert result.dry_run and result.success
    for package in result.packages:
        assert not package.written
        assert {a for _, a in package.files} == {FileAction.NEW}


async def test_dry_run_on_existing_output_reports_changes_and_writes_nothing(
    contracts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    await CodegenWorkflow().generate([contracts], out)
    contract = contracts / MINIMAL.name
    contract.write_text(contract.read_text().replace("Processing result", "The result"))
    before = snapshot(out)
    result = await CodegenWorkflow().generate([contracts], out, dry_run=True)
    assert snapshot(out) == before
    minimal = next(p for p in result.packages if p.service_name == "minimal_effect")
    assert minimal.count(FileAction.CHANGED) >= 1
    assert minimal.count(FileAction.KEPT) == 2
    lock = next(p for p in result.packages if p.service_name == "distributed_lock_effect")
    assert lock.fresh and not lock.has_drift


async def test_check_reports_drift_and_writes_nothing(contracts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = await CodegenWorkflow().generate([contracts], out, check=True)
    assert result.check and result.has_drift
    assert not out.exists()
    await CodegenWorkflow().generate([contracts], out)
    clean = await CodegenWorkflow().generate([contracts], out, check=True)
    assert not clean.has_drift


async def test_bad_contract_is_one_error_and_nothing_is_written(
    contracts: Path, tmp_path: Path
) -> None:
    bad = contracts / "zz_bad.yaml"
    bad.write_text(
        (FIXTURES / "schema_examples" / "invalid_circuit_breaker_threshold.yaml").read_text()
    )
    missing = contracts / "zz_missing.yaml"
    missing.write_text((FIXTURES / "sample_contracts" / "missing_dependency.yaml").read_text())
    out = tmp_path / "out"
    with pytest.raises(ContractError) as caught:
        await CodegenWorkflow().generate([contracts], out)
    message = str(caught.value)
    assert f"{bad}:19: advanced_features.circuit_breaker.failure_threshold" in message
    assert f"{missing}:21: mixin_configuration.mixins[0]" in message
    assert not out.exists()


async def test_two_contracts_for_one_package_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="same package folder"):
        await CodegenWorkflow().generate(
            [MINIMAL, FIXTURES / "schema_examples" / "valid_minimal_v1.yaml"], tmp_path / "o"
        )

    assert not (tmp_path / "o").exists()


async def test_missing_path_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="no such file or directory"):
        await CodegenWorkflow().generate([tmp_path / "nope.yaml"], tmp_path / "o")


async def test_stale_generated_file_is_deleted(contracts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    await CodegenWorkflow().generate([contracts], out)
    enum_file = (
        out / "compute_cached" / "v1_0_0" / "enums" / "enum_compute_cached_input_operation.py"
    )
    assert enum_file.is_file()
    contract = contracts / COMPUTE.name
    contract.write_text(contract.read_text().replace('enum: ["sum", "average", "transform"]', ""))
    result = await CodegenWorkflow().generate([contracts], out)
    assert result.success, result.errors
    assert not enum_file.exists()


async def test_user_template_overrides_builtin_and_invalidates_freshness(
    contracts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    templates = tmp_path / "templates"
    templates.mkdir()
    await CodegenWorkflow(template_dir=templates).generate([contracts], out)
    (templates / "readme_v1.j2").write_text("{{ header }}\n# Custom {{ class_name }}\n")
    result = await CodegenWorkflow(template_dir=templates).generate([contracts], out)
    assert not any(p.fresh for p in result.packages)
    readme = (out / "minimal_effect" / "v1_0_0" / "README.md").read_text()
    assert readme.rstrip().endswith("# Custom NodeMinimalEffect")
    minimal = next(p for p in result.packages if p.service_name == "minimal_effect")
    actions = dict(minimal.files)
    assert actions["v1_0_0/README.md"] is FileAction.CHANGED
    assert actions["v1_0_0/node.py"] is FileAction.UNCHANGED


async def test_generate_from_prd_writes_editable_contracts_and_packages(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = await CodegenWorkflow().generate_from_prd(PRD, out)
    assert result.success, result.errors
    assert result.contract_files
    assert result.prd_analysis is not None
    for path in result.contract_files:
        assert path.parent == out / "contracts"
        assert path.read_text().startswith("# Derived from <prd>")
    contract = result.contract_files[0]
    edited = contract.read_text().replace("description: ", "description: Edited. ", 1)
    contract.write_text(edited)
    again = await CodegenWorkflow().generate_from_prd(PRD, out)
    assert contract.read_text() == edited
    assert not all(p.fresh for p in again.packages)
    third = await CodegenWorkflow().generate(list(result.contract_files), out)
    assert all(p.fresh for p in third.packages)


async def test_prd_dry_run_writes_nothing(tmp_path: Path) -> None:
    result = await CodegenWorkflow().generate_from_prd(PRD, tmp_path / "o", dry_run=True)
    assert result.success and result.packages
    assert not (tmp_path / "o").exists()


async def test_parallel_code_generator_is_an_entry_onto_the_workflow(tmp_path: Path) -> None:
    generator = ParallelCodeGenerator(max_workers=4, record_metrics=False)
    result = await generator.generate_parallel(
        PRD, node_types=["effect"], output_directory=tmp_path
    )

    assert result.success
    assert [p.class_name.endswith("Effect") for p in result.packages] == [True] * len(
        result.packages
    )
    assert result["speedup"] == result.speedup
    assert result.get("parallelism") == result.parallelism > 0


async def test_template_engine_reports_cache_hits() -> None:
    engine = OmniNodeTemplateEngine(enable_cache=True)
    templates = await engine.load_templates()
    first = engine.get_cache_stats()
    assert "node_effect_v1" in templates and first["misses"] > 0
    await engine.load_templates()
    assert engine.get_cache_stats()["hits"] > first["hits"]
    assert engine.invalidate_cache("node_effect_v1") == 1


async def test_quality_stage_stops_code_that_fails_validation(
    contracts: Path, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "node_effect_v1.j2").write_text(
        BUILTIN_NODE + '\n\ndef debug() -> None:\n    """Print."""\n    print("x")\n'
    )
    out = tmp_path / "out"
    result = await CodegenWorkflow(template_dir=templates).generate([contracts], out)
    assert not result.success
    assert result.workflow is not None and result.workflow.failed_stage == "quality"
    assert any("ONEX005" in error for error in result.errors)
    assert not out.exists()


class Verdict:
    """What the quorum double answers."""

    def __init__(self, passed: bool) -> None:
        self.passed = passed
        self.consensus_score = 1.0 if passed else 0.2


class QuorumDouble:
    """Test double of an AI quorum: records the modules it saw, answers a fixed verdict."""

    def __init__(self, passed: bool) -> None:
        self.passed = passed
        self.seen: list[str] = []

    async def validate_code(self, code: str, context: ValidationContext) -> Verdict:
        self.seen.append(context.file_path)
        return Verdict(self.passed)


@pytest.mark.parametrize("passed", [True, False], ids=["agrees", "rejects"])
async def test_quality_stage_consults_the_quorum_on_node_modules(
    contracts: Path, tmp_path: Path, passed: bool
) -> None:
    quorum = QuorumDouble(passed)
    pipeline = ValidationPipeline(default_validators(), ai_quorum=quorum)
    out = tmp_path / "out"
    result = await CodegenWorkflow(validation_pipeline=pipeline).generate([contracts], out)
    assert sorted(quorum.seen) == ["v1_0_0/node.py"] * 3
    assert result.success is passed
    if not passed:
        assert any("QRM001" in error for error in result.errors)
        assert not out.exists()


async def test_repeated_renders_in_one_workflow_are_cache_hits(
    contracts: Path, tmp_path: Path
) -> None:
    workflow = CodegenWorkflow()
    first = await workflow.generate([contracts], tmp_path / "a")
    misses = workflow.template_manager.get_cache_stats().misses

    second = await workflow.generate([contracts], tmp_path / "b")

    assert workflow.template_manager.get_cache_stats().misses == misses
    assert first.cache_hit_rate is not None and first.cache_hit_rate < 1.0
    assert second.cache_hit_rate == 1.0


async def test_renders_in_worker_processes_count_in_the_runs_cache_figures(
    contracts: Path, tmp_path: Path
) -> None:
    in_loop = CodegenWorkflow()
    local = await in_loop.generate([contracts], tmp_path / "a")
    backend = ProcessPoolBackend(2, preload=("omninode_bridge.codegen.stages.worker_init",))
    try:
        pooled = CodegenWorkflow(executor=StagedParallelExecutor(backend=backend))
        spread = await pooled.generate([contracts], tmp_path / "b")
    finally:
        await backend.close()

    assert spread.execution["backend"] == "processes"
    assert local.cache_hit_rate is not None and local.cache_hit_rate > 0.5
    assert spread.cache_hit_rate is not None and spread.cache_hit_rate > 0
    ours, theirs = (
        in_loop.template_manager.get_cache_stats(),
        pooled.template_manager.get_cache_stats(),
    )
    # Every lookup and render in the workers is counted. Whether a worker's first
    # load of a template is a miss depends on its fork server: this process's
    # server is started once, by whichever test uses it first, with that test's
    # preload (the CLI's always warms it: tests/cli/test_generate_parallel.py
    # compares the hit rates of --workers 0, 1 and 2 run by run).
    assert theirs.hits + theirs.misses == ours.hits + ours.misses
    assert theirs.renders == ours.renders
    assert theirs.hits >= ours.hits - ours.misses * backend.workers
