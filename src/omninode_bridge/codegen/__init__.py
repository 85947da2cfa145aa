"""Code generation: contracts in, ONEX node packages out.

* :mod:`~omninode_bridge.codegen.naming`: how contract names become Python names.
* :mod:`~omninode_bridge.codegen.schema_models`: JSON Schema to pydantic model specs.
* :mod:`~omninode_bridge.codegen.writer`: plans, atomic writes, manifest, drift.
* ``templates/*.j2``: the built-in templates (template id ``X`` is ``X.j2``).
"""

from __future__ import annotations

from omninode_bridge.codegen.writer import (
    MANIFEST_NAME,
    FileAction,
    FileOwner,
    FilePlan,
    GeneratedFile,
    Manifest,
    PackagePlan,
    PackageWriter,
    Provenance,
)

__all__ = [
    "MANIFEST_NAME",
    "FileAction",
    "FileOwner",
    "FilePlan",
    "GeneratedFile",
    "Manifest",
    "PackagePlan",
    "PackageWriter",
    "Provenance",
]
