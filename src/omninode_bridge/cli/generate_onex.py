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

from omninode_bridge.cli.runtimes import Runtime
from omninode_bridge.codegen.checks import CheckResult
from omninode_bridge.codegen.onex_layout import generate_onex_nodes
from omninode_bridge.codegen.onex_layout.env import resolve_check_python, run_onex_checks
from omninode_bridge.codegen.results import CodegenWorkflowResult
from omninode_bridge.contracts.loader import detect_dialect, expand_contract_paths, load_contracts
from omninode_bridge.contracts.model import ContractDialect
from omninode_bridge.contracts.safe_yaml import read_yaml_file
from omninode_bridge.errors import ContractError

__all__ = ["Runtime", "choose_runtime", "run_omnibase_core"]


def choose_runtime(contracts: Sequence[Path], runtime: Runtime | None) -> Runtime:
    """``runtime`` when given; else omnibase-core when every contract is in its dialect.

    Raises:
        ContractError: A path is missing or a contract is invalid (only when
            the choice needs the contracts read).
    """
    if runtime is not None:
        return runtime
    paths = expand_contract_paths(contracts)
    if _plainly_not_onex(paths):
        return Runtime.EMBEDDED  # the parse stage reads and checks every contract
    loaded = load_contracts(paths)
    if loaded and all(c.dialect is ContractDialect.ONEX for c in loaded):
        return Runtime.OMNIBASE_CORE
    return Runtime.EMBEDDED


def _plainly_not_onex(paths: Sequence[Path]) -> bool:
    """Whether the first contract reads cleanly and is not in the ONEX dialect.

    One YAML read instead of loading every contract in the main process; a
    contract that does not read cleanly leaves the decision to the full load
    (which reports every problem at once).
    """
    if not paths:
        return False
    try:
        data = read_yaml_file(paths[0]).data
    except ContractError:
        return False
    onex_like = (ContractDialect.ONEX, ContractDialect.NODE_IDENTITY)
    return isinstance(data, dict) and detect_dialect(data) not in onex_like


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
