"""Validation benchmark: full validator set on a 300-line module, and 1,000 files on all cores.

Measures, in one run:

- ``module``: median time of the full validator set (completeness, quality,
  ONEX compliance, patterns; one parse) on a generated 300-line node module,
  next to the median of a bare ``ast.parse`` of the same text (the floor);
- ``files``: 1,000 files (100 with ``--quick``) of that module validated
  with one worker process and with every core (``omninode validate``'s code
  path), files per second for each and the speedup of the pool over one core.

Run: ``python3 benchmarks/run.py --only validation`` or
``python3 benchmarks/bench_validation.py``.
"""

from __future__ import annotations

import ast
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from omninode_bridge.cli.validate import validate_files
from omninode_bridge.validation import (
    ValidationContext,
    ValidationPipeline,
    default_validators,
)

_HEADER = '''"""Effect node that stores and reads records of a benchmark service."""

from __future__ import annotations

from omninode_bridge.onex import (
    EnumCoreErrorCode,
    EnumLogLevel,
    ModelOnexError,
    NodeEffect,
    emit_log_event,
)
from pydantic import BaseModel, Field
'''

_MODEL = '''

class ModelRecord{i}(BaseModel):
    """Record shape number {i}."""

    record_id: str = Field(min_length=1)
    amount: int = Field(ge=0)
    tags: list[str] = Field(default_factory=list)
'''

_NODE = '''

class NodeRecordStoreEffect(NodeEffect):
    """Stores and reads records through the injected repository."""

    async def execute_effect(self, contract: ModelRecord0) -> ModelRecord0:
        """Dispatch the requested operation to its handler."""
        emit_log_event(EnumLogLevel.INFO, "record_store.execute", {{"id": contract.record_id}})
        if contract.amount > 100:
            return await self._handle_op0(contract)
        raise ModelOnexError(
            error_code=EnumCoreErrorCode.VALIDATION_ERROR,
            message=f"unsupported record {{contract.record_id}}",
        )
{methods}'''

_METHOD = '''
    async def _handle_op{i}(self, contract: ModelRecord0) -> ModelRecord0:
        """Run operation {i} and map storage errors to ModelOnexError."""
        try:
            stored = await self.container.repository.save(contract.record_id, contract.amount)
        except OSError as exc:
            emit_log_event(EnumLogLevel.ERROR, "record_store.failed", {{"op": {i}}})
            raise ModelOnexError(
                error_code=EnumCoreErrorCode.OPERATION_FAILED,
                message="could not store the record",
            ) from exc
        if stored and contract.amount > {i}:
            return contract
        return ModelRecord0(record_id=contract.record_id, amount={i})
'''


def build_module(target_lines: int = 300) -> str:
    """A realistic node module of about ``target_lines`` lines."""
    models = "".join(_MODEL.format(i=i) for i in range(8))
    methods = ""
    i = 0
    while len((_HEADER + models + _NODE.format(methods=methods)).splitlines()) < target_lines:
        methods += _METHOD.format(i=i)
        i += 1
    return _HEADER + models + _NODE.format(methods=methods)


def _median_ms(fn: Any, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(samples)


def _bench_module(code: str, repeat: int) -> dict[str, Any]:
    pipeline = ValidationPipeline(default_validators())
    context = ValidationContext(node_type="effect", file_path="node.py")
    result = pipeline.run_validators(code, context)
    pipeline.run_validators(code, context)  # warm-up
    return {
        "lines": len(code.splitlines()),
        "repeat": repeat,
        "passed": result.passed,
        "findings": len(result.findings),
        "full_validator_set_median_ms": round(
            _median_ms(lambda: pipeline.run_validators(code, context), repeat), 3
        ),
        "baseline_ast_parse_median_ms": round(_median_ms(lambda: ast.parse(code), repeat), 3),
        "per_validator_ms": {r.validator: round(r.duration_ms, 3) for r in result.reports},
    }


def _bench_files(code: str, count: int) -> dict[str, Any]:
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for i in range(count):
            path = Path(folder) / f"pkg_{i // 100}" / f"node_{i}.py"
            path.parent.mkdir(exist_ok=True)
            path.write_text(code, encoding="utf-8")
            files.append(path)
        timings = {}
        for workers in (1, cores):
            started = time.perf_counter()
            results = validate_files(files, workers=workers)
            timings[workers] = time.perf_counter() - started
            if len(results) != count:
                raise RuntimeError(f"expected {count} results, got {len(results)}")
    one, many = timings[1], timings[cores]
    return {
        "files": count,
        "lines_per_file": len(code.splitlines()),
        "cores": cores,
        "one_core_seconds": round(one, 3),
        "one_core_files_per_second": round(count / one, 1),
        "all_cores_seconds": round(many, 3),
        "all_cores_files_per_second": round(count / many, 1),
        "speedup": round(one / many, 2),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Run the benchmark and return its measurements."""
    code = build_module(300)
    return {
        "module": _bench_module(code, repeat=30 if quick else 200),
        "files": _bench_files(code, count=100 if quick else 1000),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))  # omninode: ignore[ONEX005]
