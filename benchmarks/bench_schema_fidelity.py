"""Schema fidelity: generated pydantic models against a JSON Schema validator.

The cases are ``tests/codegen/schema_cases/*.json``: an object schema and
instances whose validity the ``jsonschema`` Draft 2020-12 validator decides,
formats enforced (the oracle). Measured in one run, for our generator and for
datamodel-code-generator (default options and ``--field-constraints``):

* ``agreement``: instances where "the model validates it" equals the
  oracle's verdict, per case and in total;
* ``generated`` / ``imported``: cases whose module was written / imports;
* ``mypy_clean``: cases whose generated modules pass ``mypy --strict``
  (one mypy process per generator over all its modules);
* ``generation_s``: wall time of the CLI as a user runs it on all cases at
  once: ``omninode generate DIR --out OUT`` on contracts wrapping each schema
  as ``input_state``, and ``datamodel-codegen --input DIR ...`` on the
  schema files, with its CPU seconds (``generation_cpu_s``, user + system,
  steadier than wall time on a shared machine); ``peer_over_ours_*`` are the
  ratios (above 1: ours is faster).

The peer is skipped, with a note, when ``datamodel-codegen`` is not installed
(``pip install -e '.[bench]'``).

Run: ``python3 benchmarks/run.py --only schema_fidelity`` (or this file).
"""

from __future__ import annotations

import importlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "codegen" / "schema_cases"
_BIN = Path(sys.executable).parent


def load_cases() -> dict[str, dict[str, Any]]:
    """Case name -> ``{"schema", "instances", "expected"}`` with the oracle's verdicts."""
    cases: dict[str, dict[str, Any]] = {}
    for path in sorted(CASES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        validator = jsonschema.Draft202012Validator(
            data["schema"], format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        data["expected"] = [validator.is_valid(item) for item in data["instances"]]
        cases[path.stem] = data
    return cases


def contract_text(name: str, schema: dict[str, Any]) -> str:
    """A minimal compute contract (JSON is YAML) with ``schema`` as its input state."""
    contract = {
        "name": f"fid_{name}_compute",
        "version": {"major": 1, "minor": 0, "patch": 0},
        "node_type": "compute",
        "description": f"Schema fidelity case {name}.",
        "input_state": schema,
        "output_state": {"type": "object", "properties": {"ok": {"type": "boolean"}}},
    }
    return json.dumps(contract, ensure_ascii=False, indent=1).replace("\u2028", "\\u2028")


def _tool(name: str) -> str | None:
    local = _BIN / name
    return str(local) if local.exists() else shutil.which(name)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done


def _timed(command: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and CPU seconds (user + system) of one command."""
    cpu = _cpu()
    seconds, done = _run(command, cwd)
    return seconds, _cpu() - cpu, done


def generate_ours(cases: dict[str, dict[str, Any]], work: Path) -> dict[str, Any]:
    """``omninode generate`` on one contract per case; ``{case: module path}`` and timing."""
    source, out = work / "contracts", work / "ours"
    source.mkdir()
    for name, case in cases.items():
        (source / f"{name}.yaml").write_text(contract_text(name, case["schema"]), "utf-8")
    command = [_tool("omninode") or "omninode", "generate", str(source), "--out", str(out)]
    seconds, cpu, done = _timed(command, work)
    modules = {
        name: out / f"fid_{name}_compute" / "v1_0_0" / "models" / "model_input.py" for name in cases
    }
    return {"seconds": seconds, "returncode": done.returncode, "log": done.stderr[-2000:],
            "root": out, "modules": modules, "package": True, "cpu": cpu}  # fmt: skip


def generate_peer(
    cases: dict[str, dict[str, Any]], work: Path, *, extra: list[str], label: str
) -> dict[str, Any] | None:
    """``datamodel-codegen`` on a folder of the schema files."""
    tool = _tool("datamodel-codegen")
    if tool is None:
        return None
    source, out = work / f"{label}_schemas", work / label
    source.mkdir()
    for name, case in cases.items():
        (source / f"{name}.json").write_text(json.dumps(case["schema"]), "utf-8")
    command = [
        tool, "--input", str(source), "--input-file-type", "jsonschema", "--output", str(out),
        "--output-model-type", "pydantic_v2.BaseModel", "--target-python-version", "3.11",
        "--class-name", "Model", *extra,
    ]  # fmt: skip
    seconds, cpu, done = _timed(command, work)
    modules = {name: out / f"{name}.py" for name in cases}
    return {"seconds": seconds, "returncode": done.returncode, "log": done.stderr[-2000:],
            "root": out, "modules": modules, "package": False, "cpu": cpu}  # fmt: skip


def _load_model(root: Path, module_path: Path, pick: Callable[[Any], Any]) -> Any:
    relative = module_path.relative_to(root).with_suffix("")
    sys.path.insert(0, str(root))
    try:
        return pick(importlib.import_module(".".join(relative.parts)))
    finally:
        sys.path.remove(str(root))


def _ours_model(module: Any) -> Any:
    return next(
        value
        for name, value in vars(module).items()
        if name.startswith("Model") and name.endswith("Input") and isinstance(value, type)
    )


def _peer_model(module: Any) -> Any:
    return module.Model


def score(
    cases: dict[str, dict[str, Any]], run: dict[str, Any], pick: Callable[[Any], Any]
) -> dict[str, Any]:
    """Per case: generated, imported, agreement with the oracle."""
    per_case: dict[str, Any] = {}
    for name, case in cases.items():
        path = run["modules"][name]
        row: dict[str, Any] = {"generated": path.exists(), "imported": False, "agree": 0}
        row["instances"] = len(case["instances"])
        if row["generated"]:
            try:
                model = _load_model(run["root"], path, pick)
                row["imported"] = True
            except Exception as exc:  # a generated module that fails to import is a result
                row["error"] = f"{type(exc).__name__}: {exc}"[:300]
        if row["imported"]:
            for instance, expected in zip(case["instances"], case["expected"], strict=True):
                row["agree"] += int(_accepts(model, instance) == expected)
        per_case[name] = row
    return per_case


def _accepts(model: Any, instance: object) -> bool:
    try:
        model.model_validate(instance)
    except Exception:  # ValidationError, or anything a broken model raises
        return False
    return True


def mypy_clean(run: dict[str, Any], cases: dict[str, dict[str, Any]]) -> dict[str, bool]:
    """One ``mypy --strict`` over every generated module; clean per case."""
    files = [str(p) for p in run["modules"].values() if p.exists()]
    if not files:
        return {}
    config = run["root"] / "mypy.ini"
    config.write_text("[mypy]\nstrict = True\nwarn_unreachable = True\n", "utf-8")
    _, done = _run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--no-incremental",
         "--explicit-package-bases", *files],
        run["root"],
    )  # fmt: skip
    errors = {line.split(":", 1)[0] for line in done.stdout.splitlines() if ": error:" in line}
    result = {}
    for name, path in run["modules"].items():
        relative = str(path.relative_to(run["root"])) if path.exists() else None
        group = path.parents[2] if run["package"] else path
        prefix = str(group.relative_to(run["root"]))
        dirty = any(e.startswith(prefix + "/") or e == relative for e in errors)
        result[name] = path.exists() and not dirty
    return result


def _summary(
    per_case: dict[str, Any], clean: dict[str, bool], run: dict[str, Any]
) -> dict[str, Any]:
    total = sum(r["instances"] for r in per_case.values())
    agree = sum(r["agree"] for r in per_case.values())
    return {
        "agreement": round(agree / total, 4) if total else 0.0,
        "agreeing_instances": agree,
        "instances": total,
        "cases": len(per_case),
        "generated": sum(r["generated"] for r in per_case.values()),
        "imported": sum(r["imported"] for r in per_case.values()),
        "mypy_clean": sum(clean.values()),
        "generation_s": round(run["seconds"], 3),
        "generation_cpu_s": round(run["cpu"], 3),
        "per_case": per_case,
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Measure ours and the peer on every case (``quick``: the first 15 cases)."""
    cases = load_cases()
    if quick:
        cases = dict(list(cases.items())[:15])
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="omninode-fidelity-") as tmp:
        work = Path(tmp)
        ours = generate_ours(cases, work)
        per_case = score(cases, ours, _ours_model)
        clean = mypy_clean(ours, cases)
        for name, ok in clean.items():
            per_case[name]["mypy_clean"] = ok
        results["ours"] = _summary(per_case, clean, ours)
        results["ours"]["exit_code"] = ours["returncode"]
        if ours["returncode"]:
            results["ours"]["log"] = ours["log"]
        for label, extra in (("peer", []), ("peer_field_constraints", ["--field-constraints"])):
            peer = generate_peer(cases, work, extra=extra, label=label)
            if peer is None:
                results[label] = {"skipped": "datamodel-codegen is not installed (.[bench])"}
                continue
            peer_cases = score(cases, peer, _peer_model)
            peer_clean = mypy_clean(peer, cases)
            for name, ok in peer_clean.items():
                peer_cases[name]["mypy_clean"] = ok
            results[label] = _summary(peer_cases, peer_clean, peer)
    if "generation_s" in results.get("peer", {}):
        for key in ("generation_s", "generation_cpu_s"):
            results[f"peer_over_ours_{key}"] = round(
                results["peer"][key] / max(results["ours"][key], 1e-9), 2
            )
    return results


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
