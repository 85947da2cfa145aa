"""The stages' worker functions: pinned jobs give the same package as passing values."""

from __future__ import annotations

from pathlib import Path

from omninode_bridge.codegen.stages import compute
from omninode_bridge.codegen.writer import FileAction, Manifest, Provenance

ROOT = Path(__file__).resolve().parents[3]
CONTRACT = ROOT / "examples" / "contracts" / "order_pricing_compute.yaml"
PROVENANCE = Provenance("0.1.0", "c" * 64, "t" * 64, "run1", "corr1", str(CONTRACT))


def _manifest() -> Manifest:
    return Manifest("0.1.0", "c" * 64, "t" * 64, "run1", "corr1", str(CONTRACT), files={})


def _by_value(out: Path) -> None:
    loaded = compute.load_contract_bytes(CONTRACT.read_bytes(), str(CONTRACT), False)
    assert loaded.contract is not None and loaded.spec is not None
    spec, files = compute.render_models(loaded.contract, PROVENANCE, None)
    for kind in ("validators", "tests"):
        files += compute.render_files(kind, spec, PROVENANCE, None)
    reports = compute.check_files(spec, files)
    assert all(not report.errors for _path, report in reports)
    plan = compute.render_and_write_package(
        spec, PROVENANCE, None, files, (str(out), "v1_0_0/m.json"), _manifest(), False
    )
    assert not isinstance(plan, str)


def _pinned(out: Path, key: str) -> list[tuple[str, FileAction]]:
    loaded = compute.load_contract_pinned(key, CONTRACT.read_bytes(), str(CONTRACT), False)
    assert loaded.contract is not None
    assert loaded.spec is None  # kept in the worker, not sent back
    _warnings, count = compute.render_models_pinned(key, loaded.contract, PROVENANCE, None)
    assert count > 0
    assert compute.render_pinned(key, "validators", None) > 0
    assert compute.render_pinned(key, "tests", None) > 0
    class_name, reports = compute.check_pinned(key)
    assert class_name == loaded.contract.name
    assert reports and all(not report.errors for _path, report in reports)
    plan = compute.write_package_pinned(key, None, (str(out), "v1_0_0/m.json"), _manifest(), False)
    assert not isinstance(plan, str)
    return [(p.path, p.action) for p in plan.files]


def _tree(root: Path) -> dict[str, str]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_text("utf-8") for p in files}


def test_a_pinned_job_writes_the_package_the_value_path_writes(tmp_path: Path) -> None:
    _by_value(tmp_path / "values")
    actions = _pinned(tmp_path / "pinned", "run1/0")
    assert _tree(tmp_path / "values") == _tree(tmp_path / "pinned")
    assert actions and all(action is FileAction.NEW for _path, action in actions)
    assert "run1/0" not in compute._pinned  # the package stage ends the job


def test_a_stage_without_its_earlier_stages_fails_clearly() -> None:
    message = ""
    try:
        compute.render_pinned("nobody/0", "tests", None)
    except Exception as exc:  # GenerationError, named in the message
        message = str(exc)
    assert "nobody/0" in message


def test_forget_pinned_drops_only_the_runs_jobs() -> None:
    for key in ("runA/0", "runA/1", "runB/0"):
        compute.load_contract_pinned(key, CONTRACT.read_bytes(), str(CONTRACT), False)
    try:
        assert compute.forget_pinned("runA/") == 2
        assert [k for k in compute._pinned if k.startswith("run")] == ["runB/0"]
    finally:
        compute.forget_pinned("runB/")


def test_a_task_returns_its_result_with_its_template_activity() -> None:
    loaded = compute.load_contract_bytes(CONTRACT.read_bytes(), str(CONTRACT), False)
    assert loaded.contract is not None
    compute.template_activity()  # what earlier tests left in this process

    (_spec, files), first = compute.with_template_activity(
        compute.render_models, loaded.contract, PROVENANCE, None
    )
    (_, again), second = compute.with_template_activity(
        compute.render_models, loaded.contract, PROVENANCE, None
    )

    assert again == files
    assert first.renders > 0
    assert first.hit_count + first.miss_count == first.renders  # one lookup per render
    # the second task reports only its own lookups: all hits, the templates are cached
    assert (second.hit_count, second.miss_count, second.renders) == (
        first.renders,
        0,
        first.renders,
    )
    assert not compute.template_activity()


def test_the_warm_up_loads_are_reported_by_no_task() -> None:
    compute.warm_up()

    assert not compute.template_activity()
