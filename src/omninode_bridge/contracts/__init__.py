"""Contracts: the canonical :class:`Contract` model, dialect loaders, PRD analysis.

Every input the generator accepts (the contract YAML dialects and Markdown
PRDs) becomes a frozen :class:`Contract`. Bad input raises one
:class:`~omninode_bridge.errors.ContractError` listing every problem with its
file, line and field.
"""

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

__all__ = [
    "LIFECYCLE_OPERATIONS",
    "AdvancedFeatures",
    "Capability",
    "CircuitBreakerConfig",
    "Contract",
    "ContractDialect",
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
]
