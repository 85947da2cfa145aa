"""``omninode mixins train|suggest``: learned from the store's outcomes, evaluated on held-out
contracts, falling back to the catalogue's rules (and saying so) with too little data."""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from omninode_bridge.cli.app import app
from omninode_bridge.intelligence.mixin_training import (
    OUTCOME_METRIC,
    MixinOutcome,
    split_by_contract,
)
from omninode_bridge.persistence import OmniNodePersistence

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "examples" / "contracts" / "order_pricing_compute.yaml"
POOL = ("MixinCaching", "MixinMetrics", "MixinLogData", "MixinHealthCheck", "MixinHashComputation")
CONFLICT = {"MixinCaching", "MixinHashComputation"}


def _invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.output


def test_one_generation_is_too_little_data_and_the_rules_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "examples" / "contracts", tmp_path / "contracts")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OMNINODE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    code, output = _invoke(["generate", "contracts", "--out", "out"])
    assert code == 0, output
    code, output = _invoke(["mixins", "train", "--json"])
    assert code == 0, output
    report = json.loads(output)
    assert report["mode"] == "catalogue"
    assert report["reason"].startswith("too little data")
    # the one contract with mixins, scored by the rules that were fitted to nothing
    assert (report["outcomes"], report["contracts"], report["test_outcomes"]) == (1, 1, 1)
    assert (report["precision"], report["recall"], report["accuracy"]) == (1.0, 1.0, 1.0)
    code, output = _invoke(["mixins", "train"])
    assert code == 0
    assert "catalogue rules (too little data" in " ".join(output.split())


async def _seed(url: str) -> None:
    """Outcomes as generate records them: a package fails when Caching meets HashComputation."""
    rows = []
    combos = [c for n in (2, 3) for c in itertools.combinations(POOL, n)]
    for i, combo in enumerate(combos):
        rows.append(
            {
                "metric_id": f"seed-{i}",
                "category": "custom",
                "metric_name": OUTCOME_METRIC,
                "metric_type": "gauge",
                "value": 0.0 if set(combo) >= CONFLICT else 1.0,
                "unit": "passed",
                "tags": {
                    "contract": f"contracts/c{i}.yaml",
                    "node_type": "COMPUTE",
                    "mixins": ",".join(combo),
                },
                "agent_id": None,
                "correlation_id": f"run-{i}",
                "recorded_at": datetime.now(UTC),
            }
        )
    async with OmniNodePersistence(url) as store:
        await store.insert_metric_rows(rows)


def test_enough_outcomes_train_the_model_and_suggest_uses_it(tmp_path: Path) -> None:
    _learned(f"sqlite+aiosqlite:///{tmp_path / 's.db'}")


def test_training_reads_the_outcomes_from_postgresql(postgres_url: str) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        _learned(f"{postgres_url}?schema={schema}")
    finally:
        asyncio.run(_drop(postgres_url, schema))


async def _drop(url: str, schema: str) -> None:
    async with OmniNodePersistence(url) as store, store.engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def _learned(url: str) -> None:
    asyncio.run(_seed(url))
    code, output = _invoke(["mixins", "train", "--json", "--database-url", url])
    assert code == 0, output
    report = json.loads(output)
    assert report["mode"] == "learned", report
    assert report["train_contracts"] + report["test_contracts"] == report["contracts"] == 20
    assert report["test_contracts"] == 5
    assert report["precision"] is not None and report["recall"] is not None
    assert 0.0 <= report["precision"] <= 1.0 and 0.0 <= report["recall"] <= 1.0
    code, output = _invoke(["mixins", "suggest", str(CONTRACT), "--json", "--database-url", url])
    assert code == 0, output
    data = json.loads(output)
    assert data["model"]["mode"] == "learned"
    scores = {s["mixin"]: s["score"] for s in data["suggestions"]}
    # the contract declares MixinCaching: the learned conflict ranks HashComputation last
    assert scores["MixinHashComputation"] == min(scores.values())
    assert scores["MixinHashComputation"] < scores["MixinLogData"]


def test_the_split_keeps_each_contract_on_one_side() -> None:
    outcomes = [
        MixinOutcome(f"c{i % 7}", "EFFECT", ("MixinMetrics",), passed=bool(i % 2))
        for i in range(40)
    ]
    train, held = split_by_contract(outcomes, 0.25)
    assert {o.contract for o in train}.isdisjoint({o.contract for o in held})
    assert len({o.contract for o in held}) == 2
    assert len(train) + len(held) == 40


def test_suggest_reports_a_bad_contract_in_one_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["mixins", "suggest", str(bad)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
