"""``MixinHashComputation``: stable digests of bytes, text and JSON-like data."""

from __future__ import annotations

import hashlib
import hmac
import json

from omninode_bridge.onex.enums import EnumCoreErrorCode
from omninode_bridge.onex.errors import ModelOnexError
from omninode_bridge.onex.mixins.blake3_hash import blake3_hexdigest
from omninode_bridge.onex.mixins.config import MixinHashComputationConfig
from omninode_bridge.onex.mixins.introspection import to_jsonable
from omninode_bridge.onex.node import NodeBase

__all__ = ["MixinHashComputation", "canonical_bytes", "hexdigest"]


def canonical_bytes(data: object) -> bytes:
    """Bytes to hash: bytes as is, text as UTF-8, anything else as canonical JSON.

    Canonical JSON has sorted keys, no insignificant whitespace and UTF-8 text,
    so equal data hashes equally whatever its key order. Pydantic models are
    dumped in JSON mode first.

    Raises:
        ModelOnexError: ``VALIDATION_ERROR`` for data JSON cannot represent.
    """
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    try:
        text = json.dumps(
            to_jsonable(data),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
    except (TypeError, ValueError) as exc:
        raise ModelOnexError(
            error_code=EnumCoreErrorCode.VALIDATION_ERROR,
            message=f"cannot hash a {type(data).__name__}: {exc}",
            details={"type": type(data).__name__},
        ) from exc
    return text.encode("utf-8")


def hexdigest(data: object, algorithm: str = "sha256") -> str:
    """Hex digest of :func:`canonical_bytes` of ``data`` with ``algorithm``."""
    payload = canonical_bytes(data)
    if algorithm == "blake3":
        return blake3_hexdigest(payload)
    return hashlib.new(algorithm, payload).hexdigest()


class MixinHashComputation(NodeBase):
    """Digests with the contract's algorithm (sha256, sha3, blake2, blake3...).

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinHashComputationConfig`.
    """

    def _on_configure(self) -> None:
        super()._on_configure()
        self._hash_config = self.mixin_config(MixinHashComputationConfig)

    @property
    def hash_algorithm(self) -> str:
        """The configured algorithm name."""
        return self._hash_config.hash_algorithm

    def compute_hash(self, data: object) -> str:
        """Hex digest of ``data`` (see :func:`canonical_bytes` for how data becomes bytes)."""
        return hexdigest(data, self.hash_algorithm)

    def verify_hash(self, data: object, expected: str) -> bool:
        """Whether ``data`` hashes to ``expected`` (constant-time comparison)."""
        return hmac.compare_digest(self.compute_hash(data), expected.lower())
