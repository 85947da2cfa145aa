"""``MixinLogData``: structured log events with node context and redaction."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from omninode_bridge.onex.enums import EnumLogLevel
from omninode_bridge.onex.errors import ModelOnexError
from omninode_bridge.onex.log_events import ModelLogEvent, emit_log_event
from omninode_bridge.onex.mixins.config import MixinLogDataConfig
from omninode_bridge.onex.node import NodeBase, OperationCall, OperationOutcome

__all__ = ["REDACTED", "MixinLogData"]

REDACTED: Final = "***REDACTED***"


class MixinLogData(NodeBase):
    """Log events that carry the node's name, type and correlation id.

    Values under keys that match a sensitive pattern (``password``, ``token``...,
    case-insensitive, at any depth) are replaced by ``***REDACTED***``. Events
    below the configured level are dropped. Every operation is logged: started
    and completed at DEBUG, failed at ERROR with its error code.

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinLogDataConfig`.
    """

    def _on_configure(self) -> None:
        super()._on_configure()
        self._log_config = self.mixin_config(MixinLogDataConfig)
        self._log_threshold = EnumLogLevel(self._log_config.log_level).numeric
        self._sensitive = [
            re.compile(p, re.IGNORECASE) for p in self._log_config.sensitive_field_patterns
        ]

    def log_data(
        self,
        level: EnumLogLevel,
        message: str,
        data: Mapping[str, Any] | None = None,
        *,
        correlation_id: str | None = None,
    ) -> ModelLogEvent | None:
        """Emit a log event with node context; ``None`` when below the configured level."""
        if level.numeric < self._log_threshold:
            return None
        fields: dict[str, Any] = {"node": self.node_name, "node_type": self.node_type.value}
        if self._log_config.include_correlation_id and correlation_id is not None:
            fields["correlation_id"] = correlation_id
        fields.update(self.redact(data or {}))
        if not self._structured:
            inline = " ".join(f"{k}={v}" for k, v in fields.items())
            return emit_log_event(level, f"{message} {inline}")
        return emit_log_event(level, message, fields)

    def redact(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``data`` with sensitive values replaced (no-op when disabled)."""
        if not self._log_config.redact_sensitive_fields:
            return dict(data)
        return {key: self._redact_value(key, value) for key, value in data.items()}

    @property
    def _structured(self) -> bool:
        config = self._log_config
        return config.structured if config.structured_logging is None else config.structured_logging

    def _redact_value(self, key: object, value: Any) -> Any:
        if isinstance(key, str) and any(p.search(key) for p in self._sensitive):
            return REDACTED
        if isinstance(value, Mapping):
            return {k: self._redact_value(k, v) for k, v in value.items()}
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            return [self._redact_value(None, v) for v in value]
        return value

    def _operation_started(self, call: OperationCall) -> None:
        super()._operation_started(call)
        if EnumLogLevel.DEBUG.numeric < self._log_threshold:
            return
        self.log_data(
            EnumLogLevel.DEBUG,
            "node.operation.started",
            {"operation": call.operation},
            correlation_id=call.correlation_id,
        )

    def _operation_finished(self, call: OperationCall, outcome: OperationOutcome) -> None:
        super()._operation_finished(call, outcome)
        if outcome.error is None and EnumLogLevel.DEBUG.numeric < self._log_threshold:
            return
        fields: dict[str, Any] = {
            "operation": call.operation,
            "duration_ms": round(outcome.duration_ms, 3),
        }
        if outcome.error is None:
            self.log_data(
                EnumLogLevel.DEBUG,
                "node.operation.completed",
                fields,
                correlation_id=call.correlation_id,
            )
            return
        if isinstance(outcome.error, ModelOnexError):
            fields["error_code"] = outcome.error.error_code.value
        fields["error"] = str(outcome.error)
        self.log_data(
            EnumLogLevel.ERROR, "node.operation.failed", fields, correlation_id=call.correlation_id
        )
