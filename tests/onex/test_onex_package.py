"""The runtime package: its import boundary and its public names."""

from __future__ import annotations

import subprocess
import sys

import omninode_bridge.onex as onex
from omninode_bridge.onex import mixins

ALLOWED = ("omninode_bridge", "omninode_bridge.errors", "omninode_bridge.onex")


def test_importing_the_runtime_loads_no_engine_module() -> None:
    code = (
        "import sys, omninode_bridge.onex, omninode_bridge.onex.mixins\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('omninode_bridge')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = proc.stdout.split()
    assert loaded
    outside = [m for m in loaded if not (m in ALLOWED or m.startswith("omninode_bridge.onex."))]
    assert outside == []


def test_public_names_exist_once() -> None:
    for module in (onex, mixins):
        names = list(module.__all__)
        assert len(names) == len(set(names))
        assert [n for n in names if not hasattr(module, n)] == []


def test_every_catalog_mixin_is_importable_from_its_module() -> None:
    for name, definition in mixins.MIXIN_CATALOG.items():
        module = sys.modules[definition.import_module]
        assert getattr(module, name).__name__ == name
