"""Problem records collected while loading contracts, and the error that lists them.

:class:`ContractProblem` is defined beside the error that carries it in
:mod:`omninode_bridge.errors` and re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable

from omninode_bridge.errors import ContractProblem, ContractValidationError

__all__ = [
    "ContractProblem",
    "ContractValidationError",
    "contract_error",
    "raise_for_problems",
]


def raise_for_problems(problems: Iterable[ContractProblem]) -> None:
    """Raise one :class:`ContractValidationError` listing every problem, if any."""
    listed = list(problems)
    if listed:
        raise contract_error(listed)


def contract_error(problems: Iterable[ContractProblem]) -> ContractValidationError:
    """Build the one error that lists every problem (at least one)."""
    unique = sorted(set(problems), key=ContractProblem.sort_key)
    files = sorted({p.file for p in unique})
    count = f"{len(unique)} problem{'s' if len(unique) != 1 else ''}"
    header = f"{count} in {files[0]}" if len(files) == 1 else f"{count} in {len(files)} files"
    body = "\n".join(f"  {p}" for p in unique)
    return ContractValidationError(f"{header}:\n{body}", tuple(unique))
