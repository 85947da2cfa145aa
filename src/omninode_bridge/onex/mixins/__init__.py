"""ONEX mixins: the catalog and the mixin classes generated nodes inherit."""

from __future__ import annotations

from omninode_bridge.onex.mixins.catalog import (
    MIXIN_CATALOG,
    MixinDeclarationLike,
    MixinDefinition,
    MixinRequirement,
    ResolvedMixin,
    get_mixin_spec,
    resolve_mixins,
)

__all__ = [
    "MIXIN_CATALOG",
    "MixinDeclarationLike",
    "MixinDefinition",
    "MixinRequirement",
    "ResolvedMixin",
    "get_mixin_spec",
    "resolve_mixins",
]
