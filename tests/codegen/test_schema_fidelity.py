"""Generated models agree with a JSON Schema validator on every case of ``schema_cases/``.

Each case file holds an object schema and instances; the oracle is the
``jsonschema`` Draft 2020-12 validator with formats enforced. Every schema is
wrapped as the ``input_state`` of a contract, its models are rendered as
``omninode generate`` renders them (models and enums of the package), and
the ``Model...Input`` class must accept exactly the instances the oracle
accepts. All generated modules pass ``mypy --strict`` (one run) and ``ruff``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, ValidationError

from omninode_bridge.codegen.checks import RUFF_SELECT
from omninode_bridge.codegen.render import PackageRenderer
from omninode_bridge.codegen.spec import build_node_spec
from omninode_bridge.codegen.workflow import OmniNodeTemplateEngine
from omninode_bridge.codegen.writer import Provenance
from omninode_bridge.contracts import load_contract

CASES_DIR = Path(__file__).resolve().parent / "schema_cases"
CASES = {
    p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(CASES_DIR.glob("*.json"))
}
MYPY_CACHE = Path(tempfile.gettempdir()) / "omninode-fidelity-mypy-cache"


@dataclass
class Generated:
    root: Path
    modules: dict[str, Path]


def _contract(name: str, schema: dict[str, Any]) -> str:
    contract = {
        "name": f"fid_{name}_compute",
        "version": {"major": 1, "minor": 0, "patch": 0},
        "node_type": "compute",
        "description": f"Schema fidelity case {name}.",
        "input_state": schema,
        "output_state": {"type": "object", "properties": {"ok": {"type": "boolean"}}},
    }
    return json.dumps(contract, ensure_ascii=False).replace("\u2028", "\\u2028")


async def _render_all(root: Path) -> dict[str, Path]:
    engine = OmniNodeTemplateEngine()
    provenance = Provenance("test", "0" * 64, "0" * 64, "run", "corr")
    renderer = PackageRenderer(engine, provenance)
    modules: dict[str, Path] = {}
    for name, case in CASES.items():
        contract_path = root / "contracts" / f"{name}.yaml"
        contract_path.write_text(_contract(name, case["schema"]), encoding="utf-8")
        spec = build_node_spec(load_contract(contract_path))
        package = root / "out" / spec.service_name
        (package / spec.version_dir).mkdir(parents=True)
        (package / "__init__.py").write_text("", encoding="utf-8")
        (package / spec.version_dir / "__init__.py").write_text("", encoding="utf-8")
        for generated in await renderer.render_models(spec):
            if generated.path.split("/")[1] in ("models", "enums"):
                target = package / generated.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(generated.content, encoding="utf-8")
        modules[name] = package / spec.version_dir / "models" / "model_input.py"
    return modules


@pytest.fixture(scope="module")
def generated() -> Iterator[Generated]:
    with tempfile.TemporaryDirectory(prefix="omninode-fidelity-") as tmp:
        root = Path(tmp)
        (root / "contracts").mkdir()
        modules = asyncio.run(_render_all(root))
        sys.path.insert(0, str(root / "out"))
        try:
            yield Generated(root / "out", modules)
        finally:
            sys.path.remove(str(root / "out"))


def _model(generated: Generated, name: str) -> type[BaseModel]:
    relative = generated.modules[name].relative_to(generated.root).with_suffix("")
    module = importlib.import_module(".".join(relative.parts))
    return next(
        value
        for key, value in vars(module).items()
        if key.startswith("Model") and key.endswith("Input") and isinstance(value, type)
    )


def _accepts(model: type[BaseModel], instance: object) -> bool:
    try:
        model.model_validate(instance)
    except ValidationError:
        return False
    return True


def _oracle(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_the_cases_cover_enough_schemas_and_instances() -> None:
    assert len(CASES) >= 60
    assert sum(len(c["instances"]) for c in CASES.values()) >= 600
    verdicts = [_oracle(c["schema"]).is_valid(i) for c in CASES.values() for i in c["instances"]]
    assert 0.2 < sum(verdicts) / len(verdicts) < 0.8  # both verdicts well represented


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_agrees_with_the_validator(generated: Generated, name: str) -> None:
    model = _model(generated, name)
    oracle = _oracle(CASES[name]["schema"])
    wrong = [
        (index, instance)
        for index, instance in enumerate(CASES[name]["instances"])
        if _accepts(model, instance) != oracle.is_valid(instance)
    ]
    assert wrong == []


@pytest.mark.parametrize("name", sorted(n for n in CASES if n.startswith("names_")))
def test_renamed_fields_round_trip_by_alias(generated: Generated, name: str) -> None:
    model = _model(generated, name)
    oracle = _oracle(CASES[name]["schema"])
    valid = [i for i in CASES[name]["instances"] if isinstance(i, dict) and oracle.is_valid(i)]
    assert valid
    for instance in valid:
        dumped = model.model_validate(instance).model_dump(
            mode="json", by_alias=True, exclude_unset=True
        )
        assert dumped == instance


def test_generated_models_pass_mypy_strict(generated: Generated) -> None:
    config = generated.root / "mypy.ini"
    config.write_text("[mypy]\nstrict = True\nwarn_unreachable = True\n", encoding="utf-8")
    files = [str(p.parent) for p in generated.modules.values()]
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir",
         str(MYPY_CACHE), "--explicit-package-bases", *files],
        cwd=generated.root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]


def test_generated_models_pass_ruff(generated: Generated) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select",
         RUFF_SELECT, "--line-length", "100", "--target-version", "py311", "."],
        cwd=generated.root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]


def test_unenforced_keywords_are_contract_warnings_with_file_and_line(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "not": {"const": "x"}}}}
    path = tmp_path / "warn.yaml"
    path.write_text(_contract("warn", schema), encoding="utf-8")
    spec = build_node_spec(load_contract(path))
    (warning,) = spec.schema_warnings
    assert warning.warning
    assert warning.field == "input_schema.properties.a.not"
    assert warning.file.endswith("warn.yaml")
