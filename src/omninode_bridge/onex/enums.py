"""Enumerations of the ONEX runtime: node types, error codes, log levels, health."""

from __future__ import annotations

import logging
from enum import StrEnum

__all__ = ["EnumCoreErrorCode", "EnumHealthStatus", "EnumLogLevel", "EnumNodeType"]


class EnumNodeType(StrEnum):
    """The four ONEX node kinds."""

    EFFECT = "effect"
    COMPUTE = "compute"
    REDUCER = "reducer"
    ORCHESTRATOR = "orchestrator"


class EnumCoreErrorCode(StrEnum):
    """Error codes a node reports in :class:`~omninode_bridge.onex.ModelOnexError`."""

    VALIDATION_ERROR = "ONEX_VALIDATION_ERROR"
    """The input failed validation (schema, constraint, cross-field rule)."""
    INVALID_INPUT = "ONEX_INVALID_INPUT"
    """The input is well formed but not acceptable for this operation."""
    UNSUPPORTED_OPERATION = "ONEX_UNSUPPORTED_OPERATION"
    """No handler is registered for the requested operation."""
    NOT_IMPLEMENTED = "ONEX_NOT_IMPLEMENTED"
    """The operation is declared but its implementation hook is missing."""
    CONFIGURATION_ERROR = "ONEX_CONFIGURATION_ERROR"
    """The node, its contract or its mixin configuration is inconsistent."""
    DEPENDENCY_UNAVAILABLE = "ONEX_DEPENDENCY_UNAVAILABLE"
    """A service the node needs is not registered in the container."""
    NOT_INITIALIZED = "ONEX_NOT_INITIALIZED"
    """The node was used before ``initialize()`` or after ``shutdown()``."""
    TIMEOUT = "ONEX_TIMEOUT"
    """The operation exceeded its time budget."""
    EXTERNAL_SERVICE_ERROR = "ONEX_EXTERNAL_SERVICE_ERROR"
    """An external system (database, API, broker) failed."""
    RESOURCE_NOT_FOUND = "ONEX_RESOURCE_NOT_FOUND"
    """The requested resource does not exist."""
    CONFLICT = "ONEX_CONFLICT"
    """The request conflicts with the current state (lock held, version mismatch)."""
    EVENT_BUS_ERROR = "ONEX_EVENT_BUS_ERROR"
    """Publishing or consuming an event failed."""
    OPERATION_FAILED = "ONEX_OPERATION_FAILED"
    """The handler raised an error that is not an ``ModelOnexError``."""
    INTERNAL_ERROR = "ONEX_INTERNAL_ERROR"
    """An unexpected failure inside the runtime."""


class EnumLogLevel(StrEnum):
    """Log levels of :func:`~omninode_bridge.onex.emit_log_event`."""

    TRACE = "TRACE"
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"

    @property
    def numeric(self) -> int:
        """The stdlib ``logging`` number of this level (TRACE is 5)."""
        return _NUMERIC[self]


_NUMERIC = {
    EnumLogLevel.TRACE: 5,
    EnumLogLevel.DEBUG: logging.DEBUG,
    EnumLogLevel.INFO: logging.INFO,
    EnumLogLevel.WARNING: logging.WARNING,
    EnumLogLevel.ERROR: logging.ERROR,
    EnumLogLevel.CRITICAL: logging.CRITICAL,
}


class EnumHealthStatus(StrEnum):
    """Health of a node or of one of its components, best to worst."""

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"
    UNKNOWN = "unknown"
