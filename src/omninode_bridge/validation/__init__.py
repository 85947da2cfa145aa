"""Validation pipeline for generated code: AST validators, anti-patterns, AI quorum gate.

The source is parsed once (:func:`parse_source`) and every validator reads the
same tree. Rule ids are listed in :mod:`.rules`; each validator module
documents its rules and its score formula.
"""

from omninode_bridge.validation.base import Validator
from omninode_bridge.validation.completeness import (
    REQUIRED_METHODS,
    CompletenessValidator,
)
from omninode_bridge.validation.compliance import ONEXComplianceValidator
from omninode_bridge.validation.models import (
    Finding,
    ModuleKind,
    Severity,
    ValidationContext,
    ValidationResult,
    ValidationSummary,
    ValidatorReport,
)
from omninode_bridge.validation.patterns import (
    DetectedPattern,
    PatternLocation,
    PatternMatcher,
    PatternValidator,
)
from omninode_bridge.validation.pipeline import (
    ValidationPipeline,
    default_validators,
)
from omninode_bridge.validation.quality import QualityValidator
from omninode_bridge.validation.rules import RULES, Rule
from omninode_bridge.validation.source import ParsedSource, parse_source

__all__ = [
    "REQUIRED_METHODS",
    "RULES",
    "CompletenessValidator",
    "DetectedPattern",
    "Finding",
    "ModuleKind",
    "ONEXComplianceValidator",
    "ParsedSource",
    "PatternLocation",
    "PatternMatcher",
    "PatternValidator",
    "QualityValidator",
    "Rule",
    "Severity",
    "ValidationContext",
    "ValidationPipeline",
    "ValidationResult",
    "ValidationSummary",
    "Validator",
    "ValidatorReport",
    "default_validators",
    "parse_source",
]
