"""Schema fidelity: generated pydantic models against a JSON Schema validator.

The cases are ``tests/codegen/schema_cases/*.json``: an object schema and
instances whose validity the ``jsonschema`` Draft 2020-12 validator decides,
formats enforced (the oracle). Measured in one run, for our generator run two
ways and for datamodel-code-generator (default options and
``--field-constraints``):

* ``ours_models_cli``: ``omninode models DIR --out OUT`` on the folder of
  schema files, one module per schema: the like-for-like job of
  ``datamodel-codegen --input DIR``;
* ``ours_generate``: ``omninode generate DIR --out OUT`` on contracts wrapping
  each schema as ``input_state``: a complete node package per contract
  (20 files, quality checks, run recorded), timed for information;
* ``agreement``: instances where "the model validates it" equals the
  oracle's verdict, per case and in total;
* ``generated`` / ``imported``: cases whose module was written / imports;
* ``mypy_clean``: cases whose generated modules pass ``mypy --strict``
  (one mypy process per generator over all its modules);
* ``same_classes_as_generate``: cases whose ``omninode models`` module
  defines exactly the classes (AST, docstrings aside, the package's root
  prefix renamed to ``Model``) of the package's ``models/`` and ``enums/``
  (its output, request and operation classes aside): the same code;
* ``generation_s`` / ``generation_cpu_s``: wall and CPU seconds (user +
  system, steadier than wall time on a shared machine) of the CLI as a user
  runs it on all cases at once. The like-for-like commands (``omninode
  models`` and the peer with default options, same schema folder) run
  ``ROUNDS`` times, interleaved, and report the median (every sample in
  ``generation_samples``); the peer with ``--field-constraints`` and
  ``omninode generate`` run once.
  ``peer_over_models_cli_s`` is the peer's (default options) median wall
  seconds over ``omninode models``'s, ``peer_over_models_cli_cpu_s`` the same for CPU seconds, and
  ``peer_over_generate_s`` / ``peer_over_generate_cpu_s`` the peer's over
  ``omninode generate``'s (above 1: ours is faster).

The peer is skipped, with a note, when ``datamodel-codegen`` is not installed
(``pip install -e '.[bench]'``).

Run: ``python3 benchmarks/run.py --only schema_fidelity`` (or this file).
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "codegen" / "schema_cases"
_BIN = Path(sys.executable).parent
#: Runs of each like-for-like command (``omninode models``, the peer's two), interleaved.
ROUNDS = 3


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


def generate_package(cases: dict[str, dict[str, Any]], work: Path) -> dict[str, Any]:
    """``omninode generate`` on one contract per case; ``{case: module path}`` and timing."""
    source, out = work / "contracts", work / "ours_generate"
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


def schema_folder(cases: dict[str, dict[str, Any]], work: Path) -> Path:
    """One ``<case>.json`` schema file per case: the input of the like-for-like commands."""
    source = work / "schemas"
    source.mkdir()
    for name, case in cases.items():
        (source / f"{name}.json").write_text(json.dumps(case["schema"]), "utf-8")
    return source


def models_cli_command(source: Path, out: Path) -> list[str]:
    """``omninode models DIR --out OUT`` (root class ``Model``, as the peer's ``--class-name``)."""
    return [_tool("omninode") or "omninode", "models", str(source), "--out", str(out)]


def peer_command(source: Path, out: Path, extra: list[str]) -> list[str] | None:
    """``datamodel-codegen`` on the folder of schema files (``None``: not installed)."""
    tool = _tool("datamodel-codegen")
    if tool is None:
        return None
    return [
        tool, "--input", str(source), "--input-file-type", "jsonschema", "--output", str(out),
        "--output-model-type", "pydantic_v2.BaseModel", "--target-python-version", "3.11",
        "--class-name", "Model", *extra,
    ]  # fmt: skip


def like_for_like(
    cases: dict[str, dict[str, Any]], work: Path, source: Path, rounds: int
) -> dict[str, dict[str, Any] | None]:
    """Run ``omninode models`` and the peer ``rounds`` times, interleaved.

    ``datamodel-codegen --field-constraints`` runs in the first round only.

    Each label's run reports the median wall and CPU seconds over its rounds
    (all samples kept) and the modules of its last round.
    """
    builders = {
        "ours_models_cli": lambda out: models_cli_command(source, out),
        "peer": lambda out: peer_command(source, out, []),
        "peer_field_constraints": lambda out: peer_command(source, out, ["--field-constraints"]),
    }
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label in builders}
    last: dict[str, tuple[Path, subprocess.CompletedProcess[str]]] = {}
    for index in range(rounds):
        for label, build in builders.items():
            if index and label == "peer_field_constraints":
                continue  # timed once: its row is for fidelity and mypy (the bench stays short)
            out = work / f"{label}_{index}"
            command = build(out)
            if command is None:
                continue
            seconds, cpu, done = _timed(command, work)
            samples[label].append((seconds, cpu))
            last[label] = (out, done)
    runs: dict[str, dict[str, Any] | None] = {}
    for label in builders:
        if label not in last:
            runs[label] = None
            continue
        out, done = last[label]
        runs[label] = {
            "seconds": statistics.median(s for s, _ in samples[label]),
            "cpu": statistics.median(c for _, c in samples[label]),
            "samples": samples[label],
            "returncode": done.returncode,
            "log": done.stderr[-2000:],
            "root": out,
            "modules": {name: out / f"{name}.py" for name in cases},
            "package": False,
        }
    return runs


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


def _root_model(module: Any) -> Any:
    """The root model of a one-module-per-schema generator (``--class-name Model``)."""
    return module.Model


def _classes(path: Path) -> dict[str, str]:
    """Class name -> its AST without its docstring."""
    found: dict[str, str] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                node.body = node.body[1:]
            found[node.name] = ast.dump(node)
    return found


def same_classes(package_run: dict[str, Any], models_run: dict[str, Any]) -> dict[str, bool]:
    """Per case: ``omninode models`` defines exactly the package's model and enum classes.

    The package's root is ``ModelFid<Case>Input`` (nested ``ModelFid<Case>Input<X>``,
    enums ``EnumFid<Case>Input<X>``); ``omninode models`` names it ``Model``
    (``Model<X>``, ``Enum<X>``): the prefix is renamed before comparing. The
    package's own output, request and operation classes are left out.
    """
    result: dict[str, bool] = {}
    for name, module in models_run["modules"].items():
        package_module = package_run["modules"][name]
        if not module.exists() or not package_module.exists():
            result[name] = False
            continue
        version = package_module.parents[1]
        root = next(
            n for n in _classes(package_module) if n.startswith("Model") and n.endswith("Input")
        )
        infix, base = root.removeprefix("Model"), root.removeprefix("Model").removesuffix("Input")
        own = {f"Model{base}Output", f"Model{base}Request", f"Enum{base}Operation"}
        pattern = re.compile(rf"\b(Model|Enum){re.escape(infix)}")
        package: dict[str, str] = {}
        for path in sorted([*version.glob("models/*.py"), *version.glob("enums/*.py")]):
            for cls, dump in _classes(path).items():
                if cls not in own:
                    package[pattern.sub(r"\1", cls)] = pattern.sub(r"\1", dump)
        result[name] = _classes(module) == package
    return result


def score(
    cases: dict[str, dict[str, Any]], run: dict[str, Any], pick: Callable[[Any], Any]
) -> dict[str, Any]:
    """Per case: generated, imported, agreement with the oracle.

    The generators' modules share names (``all_of_refs``...): the modules a run
    imported are dropped from ``sys.modules`` afterwards, so the next run
    imports its own.
    """
    importlib.invalidate_caches()
    try:
        return _score(cases, run, pick)
    finally:
        root = str(run["root"])
        for name, module in list(sys.modules.items()):
            if (getattr(module, "__file__", None) or "").startswith(root + "/"):
                del sys.modules[name]


def _score(
    cases: dict[str, dict[str, Any]], run: dict[str, Any], pick: Callable[[Any], Any]
) -> dict[str, Any]:
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


def _scored(
    cases: dict[str, dict[str, Any]],
    run: dict[str, Any],
    pick: Callable[[Any], Any],
    clean_future: Future[dict[str, bool]],
) -> dict[str, Any]:
    per_case = score(cases, run, pick)
    clean = clean_future.result()
    for name, ok in clean.items():
        per_case[name]["mypy_clean"] = ok
    summary = _summary(per_case, clean, run)
    summary["exit_code"] = run["returncode"]
    if "samples" in run:
        summary["generation_samples"] = [
            {"wall_s": round(s, 3), "cpu_s": round(c, 3)} for s, c in run["samples"]
        ]
    if run["returncode"]:
        summary["log"] = run["log"]
    return summary


def run(quick: bool = False) -> dict[str, Any]:
    """Measure ours (``omninode models``, ``omninode generate``) and the peer on every case.

    ``quick``: the first 15 cases, one round.
    """
    cases = load_cases()
    if quick:
        cases = dict(list(cases.items())[:15])
    rounds = 1 if quick else ROUNDS
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="omninode-fidelity-") as tmp:
        work = Path(tmp)
        runs = like_for_like(cases, work, schema_folder(cases, work), rounds)
        package = generate_package(cases, work)
        models = runs["ours_models_cli"]
        assert models is not None  # omninode is always there
        scored = {"ours_models_cli": (models, _root_model), "ours_generate": (package, _ours_model)}
        for label in ("peer", "peer_field_constraints"):
            peer = runs[label]
            if peer is None:
                results[label] = {"skipped": "datamodel-codegen is not installed (.[bench])"}
            else:
                scored[label] = (peer, _root_model)
        # every timing is taken: the mypy runs go two at a time (two cores) while
        # this thread imports and scores the modules
        with ThreadPoolExecutor(max_workers=2) as pool:
            cleans = {label: pool.submit(mypy_clean, r, cases) for label, (r, _) in scored.items()}
            for label, (generated, pick) in scored.items():
                results[label] = _scored(cases, generated, pick, cleans[label])
        same = same_classes(package, models)
        results["ours_models_cli"]["same_classes_as_generate"] = sum(same.values())
        for name, ok in same.items():
            results["ours_models_cli"]["per_case"][name]["same_classes_as_generate"] = ok
        results = {key: results[key] for key in (*scored, *results) if key in results}
    if "generation_s" in results.get("peer", {}):
        for ours, short in (("ours_models_cli", "models_cli"), ("ours_generate", "generate")):
            for key, suffix in (("generation_s", "s"), ("generation_cpu_s", "cpu_s")):
                results[f"peer_over_{short}_{suffix}"] = round(
                    results["peer"][key] / max(results[ours][key], 1e-9), 2
                )
    return results


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
