"""The integration guide's parallel generator: a PRD's nodes generated concurrently.

:meth:`ParallelCodeGenerator.generate_parallel` runs the PRD through
:class:`~omninode_bridge.codegen.workflow.CodegenWorkflow` (every stage runs
the contracts' steps concurrently, up to ``max_workers``) and measures what
that concurrency bought: after the run, the contract files it generated
from go through the same stages again on one worker, as a dry run into an
empty folder (nothing is written), and the result's ``speedup`` is that
baseline's executor wall time over the run's. Both render from the same,
already loaded, template cache; the real run also writes files, which the dry
run does not, so the ratio errs low rather than high.

``speedup`` is ``None`` when there is nothing to compare: no baseline asked
for (``measure_speedup=False``), a failed run, or a run whose packages were
all or partly fresh (nothing regenerated, so no generation work was timed).
The result's ``parallelism`` (sum of step time over wall time) is always there.

The run's analytics (performance rows with the measured speedup, template
use, validations, mixin outcomes) are recorded in the configured store, as
``omninode generate`` records them, so
``OmniNodePersistence().get_performance_metrics_summary()`` reports them; the
workflow does not record the run a second time (see
:mod:`~omninode_bridge.codegen.recording`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from omninode_bridge.codegen.recording import recorded_by_caller, write_run
from omninode_bridge.codegen.results import CodegenWorkflowResult
from omninode_bridge.codegen.workflow import CodegenWorkflow
from omninode_bridge.errors import OmniNodeError
from omninode_bridge.logs import get_logger
from omninode_bridge.persistence import OmniNodePersistence

__all__ = ["ParallelCodeGenerator"]

log = get_logger(__name__, component="codegen")


class ParallelCodeGenerator:
    """Generates a PRD's nodes concurrently and measures the speedup.

    Args:
        max_workers: Steps of one stage running at once.
        workflow: A workflow to share instead of building one.
        measure_speedup: Run the one-worker dry-run baseline first.
        persistence: Where the run's analytics go (the configured store when
            ``None``); ``record_metrics=False`` records nothing.
        record_metrics: Record the run's analytics.

    Example:
        ```python
        generator = ParallelCodeGenerator(max_workers=4)
        results = await generator.generate_parallel(prd_text, ["EFFECT", "COMPUTE"], "out")
        print(results["speedup"], results["parallelism"], results["files"])
        ```
    """

    def __init__(
        self,
        max_workers: int = 4,
        *,
        workflow: CodegenWorkflow | None = None,
        measure_speedup: bool = True,
        persistence: OmniNodePersistence | None = None,
        record_metrics: bool = True,
    ) -> None:
        self.max_workers = max_workers
        self.workflow = workflow or CodegenWorkflow(max_workers=max_workers)
        self.measure_speedup = measure_speedup
        self.persistence = persistence
        self.record_metrics = record_metrics

    async def generate_parallel(
        self,
        prd_content: str,
        node_types: Sequence[str] | None = None,
        output_directory: str | Path = ".",
    ) -> CodegenWorkflowResult:
        """Generate the PRD's nodes (restricted to ``node_types`` when given).

        Raises:
            ContractError: The PRD gives no valid contract of those node types.
        """
        with recorded_by_caller():  # recorded below, with the measured speedup
            result = await self.workflow.generate_from_prd(
                prd_content, output_directory, node_types=node_types
            )
        result = replace(result, baseline_duration_ms=await self._baseline(result))
        log.info(
            "codegen.parallel_finished",
            speedup=None if result.speedup is None else round(result.speedup, 3),
            parallelism=round(result.parallelism, 3),
            contracts=len(result.outcomes),
        )
        if self.record_metrics:
            await self._record(result)
        return result

    async def _baseline(self, result: CodegenWorkflowResult) -> float | None:
        """Executor wall time of ``result``'s contracts on one worker (a dry run), or ``None``."""
        comparable = result.success and result.contract_files and result.packages
        if not self.measure_speedup or not comparable or any(p.fresh for p in result.packages):
            return None
        sequential = CodegenWorkflow(
            template_manager=self.workflow.template_manager,
            validation_pipeline=self.workflow.validation_pipeline,
            max_workers=1,
            strict=self.workflow.strict,
        )
        with tempfile.TemporaryDirectory(prefix="omninode-baseline-") as empty:
            baseline = await sequential.generate(result.contract_files, empty, dry_run=True)
        if baseline.workflow is None or not baseline.success:
            return None
        return baseline.workflow.total_duration_ms

    async def _record(self, result: CodegenWorkflowResult) -> None:
        """Write the run and its analytics; a store failure is logged, not raised."""
        store = self.persistence or OmniNodePersistence()
        try:
            await write_run(
                store,
                result,
                self.workflow.template_manager,
                workers=self.workflow.executor.max_parallel_tasks,
                entry="ParallelCodeGenerator",
            )
        except (OmniNodeError, SQLAlchemyError, OSError) as exc:
            log.warning("codegen.telemetry_not_recorded", error=str(exc))
        finally:
            if self.persistence is None:
                await store.close()
