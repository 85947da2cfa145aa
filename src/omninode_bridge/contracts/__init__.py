"""Contracts: the canonical :class:`Contract` model, dialect loaders, PRD analysis.

Every input the generator accepts (the contract YAML dialects and Markdown
PRDs) becomes a frozen :class:`Contract`. Bad input raises one
:class:`~omninode_bridge.errors.ContractError` listing every problem with its
file, line and field.
"""

from omninode_bridge.contracts.loader import (
    detect_dialect,
    load_contract,
    load_contracts,
    parse_contract,
    pascal_case,
    snake_case,
)
from omninode_bridge.contracts.model import (
    LIFECYCLE_OPERATIONS,
    AdvancedFeatures,
    Capability,
    CircuitBreakerConfig,
    Contract,
    ContractDialect,
    ContractVersion,
    DeadLetterQueueConfig,
    Dependency,
    ErrorCode,
    EventSpec,
    HealthCheckComponent,
    HealthCheckConfig,
    IOOperation,
    MixinSpec,
    NodeType,
    ObservabilityConfig,
    Operation,
    RetryPolicyConfig,
    SecurityValidationConfig,
    ServiceCircuitBreaker,
    TransactionsConfig,
)
from omninode_bridge.contracts.prd import analyze_prd, contracts_from_prd, load_prd
from omninode_bridge.contracts.problems import ContractProblem, ContractValidationError
from omninode_bridge.contracts.safe_yaml import YamlLimits
from omninode_bridge.contracts.serialize import dump_contract

__all__ = [
    "LIFECYCLE_OPERATIONS",
    "AdvancedFeatures",
    "Capability",
    "CircuitBreakerConfig",
    "Contract",
    "ContractDialect",
    "ContractProblem",
    "ContractValidationError",
    "ContractVersion",
    "DeadLetterQueueConfig",
    "Dependency",
    "ErrorCode",
    "EventSpec",
    "HealthCheckComponent",
    "HealthCheckConfig",
    "IOOperation",
    "MixinSpec",
    "NodeType",
    "ObservabilityConfig",
    "Operation",
    "RetryPolicyConfig",
    "SecurityValidationConfig",
    "ServiceCircuitBreaker",
    "TransactionsConfig",
    "YamlLimits",
    "analyze_prd",
    "contracts_from_prd",
    "detect_dialect",
    "dump_contract",
    "load_contract",
    "load_contracts",
    "load_prd",
    "parse_contract",
    "pascal_case",
    "snake_case",
]
