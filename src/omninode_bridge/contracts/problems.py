"""Problem records collected while loading contracts, and the error that lists them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from omninode_bridge.errors import ContractValidationError

__all__ = [
    "ContractProblem",
    "ContractValidationError",
    "contract_error",
    "raise_for_problems",
]


@dataclass(frozen=True, slots=True)
class ContractProblem:
    """One thing wrong with one contract.

    Attributes:
        file: The file as the user named it (or ``<string>`` for text input).
        line: 1-based line of the field, ``None`` when unknown.
        field: Dotted field path (``mixins[0].config.check_interval_ms``);
            empty for the whole document.
        message: What is wrong and what was expected.
    """

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def sort_key(self) -> tuple[str, int, str, str]:
        """Order by file, then line, then field."""
        return (self.file, self.line or 0, self.field, self.message)


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
