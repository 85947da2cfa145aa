"""Validation pipeline for generated code."""

from omninode_bridge.agents.workflows.validation.models import ValidationContext

__all__ = ["ValidationContext"]
