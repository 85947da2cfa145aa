"""The public ONEX wheels' node contracts, downloaded once and cached.

``omnibase-core`` 0.47.57 and ``omnibase-infra`` 0.38.76 are fetched with pip
into ``~/.cache/omninode-bridge/wheels`` and extracted there; tests skip when
the package index is unreachable unless ``OMNINODE_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

WHEELS = {
    "omnibase_core": "omnibase_core-0.47.57-py3-none-any.whl",
    "omnibase_infra": "omnibase_infra-0.38.76-py3-none-any.whl",
}
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "omninode-bridge"


def _unavailable(reason: str) -> None:
    if os.environ.get("OMNINODE_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} and OMNINODE_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def onex_wheels_root() -> Path:
    """The folder the two wheels are extracted into (``<root>/omnibase_core/...``)."""
    wheels = CACHE / "wheels"
    missing = [name for name in WHEELS.values() if not (wheels / name).exists()]
    if missing:
        wheels.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--python-version", "3.12", "--dest", str(wheels),
             "omnibase-infra==0.38.76", "omnibase-core==0.47.57"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            _unavailable("cannot download the ONEX wheels from the package index")
    root = wheels / "x"
    for package, name in WHEELS.items():
        if not (root / package / "nodes").is_dir():
            with zipfile.ZipFile(wheels / name) as archive:
                members = [m for m in archive.namelist() if m.endswith(".yaml")]
                archive.extractall(root, members)
    return root


@pytest.fixture(scope="session")
def onex_node_contracts(onex_wheels_root: Path) -> list[Path]:
    """Every node contract of both wheels: ``*/nodes/*/contract.yaml`` and the runtime nodes'."""
    nodes = onex_wheels_root.glob("*/nodes/*/contract.yaml")
    runtime = onex_wheels_root.glob("omnibase_core/contracts/runtime/*.yaml")
    return sorted([*nodes, *runtime])
