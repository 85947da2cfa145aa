"""``MixinCanonicalYAMLSerializer``: deterministic YAML for state and contracts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Set
from typing import Any

import yaml

from omninode_bridge.onex.enums import EnumCoreErrorCode
from omninode_bridge.onex.errors import ModelOnexError
from omninode_bridge.onex.mixins.config import MixinCanonicalYAMLSerializerConfig
from omninode_bridge.onex.mixins.introspection import to_jsonable
from omninode_bridge.onex.node import NodeBase

__all__ = ["MixinCanonicalYAMLSerializer", "to_canonical_yaml"]


def _plain(value: object) -> object:
    value = to_jsonable(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Set):
        return sorted((_plain(v) for v in value), key=repr)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ModelOnexError(
        error_code=EnumCoreErrorCode.VALIDATION_ERROR,
        message=f"cannot serialise a {type(value).__name__} to canonical YAML",
        details={"type": type(value).__name__},
    )


def to_canonical_yaml(data: object, *, indent: int = 2) -> str:
    """Deterministic YAML: sorted keys, block style, no line wrapping, one final newline.

    Equal data gives byte-identical text whatever the key order; models are
    dumped in JSON mode, sets are sorted, tuples become lists.

    Raises:
        ModelOnexError: ``VALIDATION_ERROR`` for values YAML cannot hold as plain data.
    """
    text = yaml.safe_dump(
        _plain(data),
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        indent=indent,
        width=2**31 - 1,
    )
    return text.rstrip("\n") + "\n"


class MixinCanonicalYAMLSerializer(NodeBase):
    """Serialise node state deterministically (YAML, or canonical JSON when ``yaml_output`` is off).

    Config: :class:`~omninode_bridge.onex.mixins.config.MixinCanonicalYAMLSerializerConfig`.
    """

    def _on_configure(self) -> None:
        super()._on_configure()
        self._serializer_config = self.mixin_config(MixinCanonicalYAMLSerializerConfig)

    def serialize_canonical(self, data: object) -> str:
        """Canonical text of ``data``: YAML by default, JSON when ``yaml_output`` is off."""
        if self._serializer_config.yaml_output:
            return to_canonical_yaml(data, indent=self._serializer_config.indent)
        return json.dumps(_plain(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def deserialize_canonical(self, text: str) -> Any:
        """Parse text written by :meth:`serialize_canonical` (safe loader: plain data only).

        Raises:
            ModelOnexError: ``VALIDATION_ERROR`` when the text does not parse.
        """
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ModelOnexError(
                error_code=EnumCoreErrorCode.VALIDATION_ERROR,
                message=f"not valid canonical YAML: {exc}",
            ) from exc
