"""ParallelCodeGenerator: measured one-worker baseline, mapping results, recorded analytics."""

from __future__ import annotations

from pathlib import Path

import pytest

from omninode_bridge.codegen.parallel import ParallelCodeGenerator
from omninode_bridge.codegen.results import MAPPING_KEYS
from omninode_bridge.persistence import OmniNodePersistence

PRD = """# Inventory Tracking Service

## Overview
Track stock levels for warehouses and store every movement.
Node type: effect, compute

## Functional Requirements
- Create stock items with a SKU and a quantity
- Calculate reorder points from movement history
"""


def store_at(folder: Path) -> OmniNodePersistence:
    return OmniNodePersistence(f"sqlite+aiosqlite:///{folder / 'store.db'}")


async def test_speedup_is_the_measured_ratio_to_a_one_worker_baseline(tmp_path: Path) -> None:
    generator = ParallelCodeGenerator(max_workers=4, record_metrics=False)

    results = await generator.generate_parallel(PRD, ["EFFECT", "COMPUTE"], tmp_path / "out")

    assert results.success and len(results.packages) == 2
    assert results.baseline_duration_ms is not None and results.workflow is not None
    expected = results.baseline_duration_ms / results.workflow.total_duration_ms
    assert results["speedup"] == pytest.approx(expected)
    assert results["parallelism"] == results.workflow.parallelism
    assert not list((tmp_path / "out").glob("omninode-baseline-*"))


async def test_no_baseline_means_no_speedup(tmp_path: Path) -> None:
    generator = ParallelCodeGenerator(measure_speedup=False, record_metrics=False)

    results = await generator.generate_parallel(PRD, None, tmp_path / "out")

    assert results.success
    assert results["speedup"] is None
    assert results.get("speedup", 1.0) == 1.0


async def test_fresh_rerun_times_no_generation_so_has_no_speedup(tmp_path: Path) -> None:
    generator = ParallelCodeGenerator(record_metrics=False)
    await generator.generate_parallel(PRD, None, tmp_path / "out")

    again = await generator.generate_parallel(PRD, None, tmp_path / "out")

    assert all(p.fresh for p in again.packages)
    assert again["speedup"] is None


async def test_result_reads_as_the_guides_mapping(tmp_path: Path) -> None:
    out = tmp_path / "out"
    results = await ParallelCodeGenerator(record_metrics=False).generate_parallel(PRD, None, out)

    assert set(results.keys()) == set(MAPPING_KEYS) and "code" in results
    assert all((out / name).is_file() for name in results["files"])
    code = results["code"]
    assert code and all(name.endswith(".py") for name in code)
    assert all(code[name] == (out / name).read_text() for name in code)
    assert sorted(results["used_mixins"]) == ["COMPUTE", "EFFECT"]
    assert 0.0 < results["cache_hit_rate"] <= 1.0
    with pytest.raises(KeyError):
        results["not_a_key"]
    assert results.get("not_a_key", "default") == "default"


async def test_run_analytics_are_recorded_with_the_measured_speedup(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    generator = ParallelCodeGenerator(max_workers=4, persistence=store)

    results = await generator.generate_parallel(PRD, None, tmp_path / "out")

    summary = {row["phase"]: row for row in await store.get_performance_metrics_summary()}
    await store.close()
    total = summary["total"]
    assert total["parallel_execution"] == 1
    assert total["speedup"] == pytest.approx(results["speedup"], abs=1e-3)
    assert summary["code_gen"]["speedup"] is None
    assert summary["code_gen"]["parallel_execution"] == 0
