"""What ``omninode generate`` needs before it imports the code generator.

:mod:`omninode_bridge.cli.generate` declares its options and starts the worker
processes from these alone, so the workers' start-up (the fork server
importing :data:`WORKER_MODULES`) overlaps the command importing the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

__all__ = ["WORKER_MODULES", "Runtime", "choose_runtime"]

#: What the worker processes import once (the stages' CPU work).
WORKER_MODULES = ("omninode_bridge.codegen.stages.worker_init",)


class Runtime(StrEnum):
    """The runtimes ``omninode generate`` targets."""

    EMBEDDED = "embedded"
    OMNIBASE_CORE = "omnibase-core"


def choose_runtime(contracts: Sequence[Path], runtime: Runtime | None) -> Runtime:
    """``runtime`` when given; else omnibase-core when every contract is in its dialect.

    Raises:
        ContractError: A path is missing or a contract is invalid (only when
            the choice needs the contracts read).
    """
    if runtime is not None:
        return runtime
    from omninode_bridge.contracts.loader import expand_contract_paths, load_contracts
    from omninode_bridge.contracts.model import ContractDialect

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
    from omninode_bridge.contracts.loader import detect_dialect
    from omninode_bridge.contracts.model import ContractDialect
    from omninode_bridge.contracts.safe_yaml import read_yaml_file
    from omninode_bridge.errors import ContractError

    if not paths:
        return False
    try:
        data = read_yaml_file(paths[0]).data
    except ContractError:
        return False
    onex_like = (ContractDialect.ONEX, ContractDialect.NODE_IDENTITY)
    return isinstance(data, dict) and detect_dialect(data) not in onex_like
