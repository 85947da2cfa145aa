"""Code generation: contracts in, ONEX node packages out.

* :mod:`~omninode_bridge.codegen.naming`: how contract names become Python names.
* :mod:`~omninode_bridge.codegen.schema_models`: JSON Schema to pydantic model specs,
  with a valid example and one rejected input per constraint.
* :mod:`~omninode_bridge.codegen.spec`: everything the templates need about a node.
* :mod:`~omninode_bridge.codegen.render`: the files of a package, stage by stage.
* :mod:`~omninode_bridge.codegen.writer`: plans, atomic writes, manifest, drift.
* :mod:`~omninode_bridge.codegen.checks`: ruff, mypy --strict and pytest over packages.
* ``templates/*.j2``: the built-in templates (template id ``X`` is ``X.j2``).

The pipeline that runs these as six executor stages is
:class:`omninode_bridge.codegen.workflow.CodegenWorkflow`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omninode_bridge.codegen.checks import CheckResult, run_package_checks
    from omninode_bridge.codegen.render import TEMPLATE_IDS, PackageRenderer, TemplateRenderer
    from omninode_bridge.codegen.schema_models import (
        EnumSpec,
        FieldSpec,
        ModelSpec,
        SchemaTranslator,
    )
    from omninode_bridge.codegen.spec import NodeSpec, OperationSpec, build_node_spec
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
        is_fresh,
    )

#: Exported name -> the submodule defining it. Imported on first use, so importing
#: one submodule (``omninode models`` needs only the translator) does not load
#: the pipeline, the contracts and the quality checks.
_EXPORTS: dict[str, str] = {
    "CheckResult": "checks",
    "run_package_checks": "checks",
    "TEMPLATE_IDS": "render",
    "PackageRenderer": "render",
    "TemplateRenderer": "render",
    "EnumSpec": "schema_models",
    "FieldSpec": "schema_models",
    "ModelSpec": "schema_models",
    "SchemaTranslator": "schema_models",
    "NodeSpec": "spec",
    "OperationSpec": "spec",
    "build_node_spec": "spec",
    **dict.fromkeys(
        (
            "MANIFEST_NAME",
            "FileAction",
            "FileOwner",
            "FilePlan",
            "GeneratedFile",
            "Manifest",
            "PackagePlan",
            "PackageWriter",
            "Provenance",
            "is_fresh",
        ),
        "writer",
    ),
}

__all__ = [
    "MANIFEST_NAME",
    "TEMPLATE_IDS",
    "CheckResult",
    "EnumSpec",
    "FieldSpec",
    "FileAction",
    "FileOwner",
    "FilePlan",
    "GeneratedFile",
    "Manifest",
    "ModelSpec",
    "NodeSpec",
    "OperationSpec",
    "PackagePlan",
    "PackageRenderer",
    "PackageWriter",
    "Provenance",
    "SchemaTranslator",
    "TemplateRenderer",
    "build_node_spec",
    "is_fresh",
    "run_package_checks",
]


def __getattr__(name: str) -> Any:
    """The exported name ``name``, importing its submodule on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
