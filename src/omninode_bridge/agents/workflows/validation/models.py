"""Records shared by the validation pipeline and the AI quorum."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ValidationContext"]


@dataclass(slots=True)
class ValidationContext:
    """Context for code validation.

    Attributes:
        node_type: Type of node being validated (effect, compute, reducer, orchestrator).
        contract_summary: Summary of contract requirements.
        validation_criteria: List of validation criteria.
    """

    node_type: str
    contract_summary: str = ""
    validation_criteria: list[str] = field(default_factory=list)
