"""canonical_mixin_name: the catalog's name for a mixin spelt another way, never a guess."""

from __future__ import annotations

import pytest

from omninode_bridge.onex.mixins.catalog import MIXIN_CATALOG, canonical_mixin_name


@pytest.mark.parametrize("name", sorted(MIXIN_CATALOG))
def test_catalog_names_are_their_own_canonical_name(name: str) -> None:
    assert canonical_mixin_name(name) == name


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("MetricsMixin", "MixinMetrics"),
        ("LoggingMixin", "MixinLogData"),
        ("HealthMixin", "MixinHealthCheck"),
        ("mixinmetrics", "MixinMetrics"),
    ],
)
def test_other_spellings_map_to_the_catalog_name(given: str, expected: str) -> None:
    assert canonical_mixin_name(given) == expected


@pytest.mark.parametrize("typo", ["MixinMetrix", "Telemetry", ""])
def test_a_name_only_close_to_a_known_one_is_not_mapped(typo: str) -> None:
    assert canonical_mixin_name(typo) is None
