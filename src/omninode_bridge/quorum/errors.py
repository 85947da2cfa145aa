"""Errors raised by quorum clients; all are :class:`~omninode_bridge.errors.QuorumException`.

The quorum catches them per model and turns them into a
:class:`~omninode_bridge.quorum.models.ModelExclusion`;
callers of a client used on its own (contract drafting) see them directly.
"""

from __future__ import annotations

from omninode_bridge.errors import QuorumException
from omninode_bridge.quorum.models import ExclusionKind, TokenUsage

__all__ = ["InvalidReplyError", "ProviderError", "RecordingMissingError"]


class ProviderError(QuorumException):
    """A provider call failed: transport error, timeout or error status.

    Attributes:
        model_id: The model whose call failed.
        kind: The class of failure (timeout, rate_limited, auth_error, ...).
        status: HTTP status, when a response arrived.
        retry_after: Seconds the provider asked to wait (``Retry-After``).
        retryable: Whether another attempt may succeed.
        attempts: HTTP attempts made before giving up.
    """

    def __init__(
        self,
        model_id: str,
        kind: ExclusionKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        retryable: bool = False,
    ) -> None:
        self.model_id = model_id
        self.kind = kind
        self.status = status
        self.retry_after = retry_after
        self.retryable = retryable
        self.attempts = 1
        super().__init__(message)


class InvalidReplyError(QuorumException):
    """A reply arrived but is not the documented envelope or the expected JSON.

    Attributes:
        model_id: The model that answered.
        text: The reply text (empty when the envelope itself was wrong).
        usage: Tokens the reply consumed anyway.
        attempts: HTTP attempts made before the reply arrived.
    """

    def __init__(self, model_id: str, message: str, *, text: str = "") -> None:
        self.model_id = model_id
        self.text = text
        self.usage = TokenUsage()
        self.attempts = 1
        super().__init__(message)


class RecordingMissingError(QuorumException):
    """Replay mode found no recorded exchange for a request."""
