"""``omninode generate --runtime``: which runtime generated nodes target.

``embedded`` is this project's own ``omninode_bridge.onex`` runtime (node
packages ``OUT/<service>/<version>``); ``omnibase-core`` is the real
``omnibase_core`` with ONEX's node folder layout (see
:mod:`omninode_bridge.codegen.onex_layout`). Without ``--runtime``,
contracts in the omnibase_core dialect get ``omnibase-core`` and the older
dialects (and PRDs) keep ``embedded``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from omninode_bridge.cli.runtimes import Runtime, choose_runtime
from omninode_bridge.codegen.checks import CheckResult
from omninode_bridge.codegen.onex_layout import generate_onex_nodes
from omninode_bridge.codegen.onex_layout.env import resolve_check_python, run_onex_checks
from omninode_bridge.codegen.results import CodegenWorkflowResult

__all__ = ["Runtime", "choose_runtime", "run_omnibase_core"]  # the first two: runtimes.py


async def run_omnibase_core(
    contracts: Sequence[Path],
    out: Path,
    *,
    dry_run: bool,
    check: bool,
    run_tests: bool,
    python: Path | None,
) -> tuple[CodegenWorkflowResult, list[CheckResult]]:
    """Generate ONEX node folders; with ``run_tests``, check them on the real runtime."""
    interpreter = resolve_check_python(python) if run_tests else None
    result = await generate_onex_nodes(contracts, out, dry_run=dry_run, check=check)
    checks: list[CheckResult] = []
    if interpreter is not None and result.packages:
        checks = await run_onex_checks(out, [p.package_dir for p in result.packages], interpreter)
    return result, checks
