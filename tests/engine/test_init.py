"""The engine package's names: each exported one is importable on first use."""

from __future__ import annotations

import importlib

import omninode_bridge.engine as engine


def test_every_exported_name_has_a_module_and_resolves() -> None:
    assert set(engine._EXPORTS) == set(engine.__all__)
    for name in engine.__all__:
        module = importlib.import_module(engine._EXPORTS[name])
        assert getattr(engine, name) is getattr(module, name)
