"""``ModelOnexError``: the one error type a node raises to its callers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omninode_bridge.errors import OmniNodeError
from omninode_bridge.onex.enums import EnumCoreErrorCode

__all__ = ["ModelOnexError"]


class ModelOnexError(OmniNodeError):
    """A node error with a machine-readable code.

    Raise it from node code for every failure a caller may act on; the dispatch
    helper turns any other exception a handler raises into one with
    ``EnumCoreErrorCode.OPERATION_FAILED`` and keeps the original as ``__cause__``.

    Attributes:
        error_code: What kind of failure this is.
        message: One sentence for humans.
        details: JSON-compatible context (operation, field, limit...).
        correlation_id: The request's correlation id, when known.

    Example:
        >>> raise ModelOnexError(
        ...     error_code=EnumCoreErrorCode.VALIDATION_ERROR,
        ...     message="lock_name must not be empty",
        ...     details={"field": "lock_name"},
        ... )
    """

    def __init__(
        self,
        *,
        error_code: EnumCoreErrorCode,
        message: str,
        details: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
    ) -> None:
        self.error_code = error_code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
        self.correlation_id = correlation_id
        super().__init__(f"[{error_code.value}] {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor: rebuild from the fields so the error survives
        # pickling (process pools, multiprocessing queues).
        return (_rebuild, (self.error_code, self.message, self.details, self.correlation_id))

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form: ``error_code``, ``message``, ``details``, ``correlation_id``."""
        return {
            "error_code": self.error_code.value,
            "message": self.message,
            "details": dict(self.details),
            "correlation_id": self.correlation_id,
        }

    @classmethod
    def from_exception(
        cls,
        exc: BaseException,
        *,
        error_code: EnumCoreErrorCode = EnumCoreErrorCode.OPERATION_FAILED,
        details: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
    ) -> ModelOnexError:
        """Wrap another exception; a ``ModelOnexError`` is returned unchanged.

        Use it as ``raise ModelOnexError.from_exception(exc) from exc``.
        """
        if isinstance(exc, ModelOnexError):
            return exc
        return cls(
            error_code=error_code,
            message=str(exc) or type(exc).__name__,
            details={"error_type": type(exc).__name__, **dict(details or {})},
            correlation_id=correlation_id,
        )


def _rebuild(
    error_code: EnumCoreErrorCode,
    message: str,
    details: Mapping[str, Any],
    correlation_id: str | None,
) -> ModelOnexError:
    return ModelOnexError(
        error_code=error_code, message=message, details=details, correlation_id=correlation_id
    )
