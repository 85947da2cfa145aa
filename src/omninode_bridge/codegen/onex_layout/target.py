"""``--runtime omnibase-core``: ONEX node folders on the real ``omnibase_core``.

Each contract becomes the node folder its module references imply under
``--out`` (``acme.nodes.node_x_effect`` -> ``OUT/acme/nodes/node_x_effect``):

* ``node.py`` (generated): the declarative ``Node<Name><Type>`` class extending
  ``omnibase_core.nodes.node_<type>.Node<Type>``, built from a
  ``ModelONEXContainer``, with its handler routes and ``event_bus`` topics;
* every model, handler and registry class the contract references inside the
  node's own package, at the module path the contract names (user-owned:
  created once, never overwritten);
* ``tests/test_node.py`` (generated) and ``contract.yaml`` (the contract);
* ``__init__.py`` files, including the parent packages' (user-owned), which
  extend their ``__path__`` so a generated ``acme.nodes.node_x_effect`` can sit
  beside an installed ``acme`` distribution.

References outside the node's package are imported, never stubbed.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from omninode_bridge import __version__
from omninode_bridge.codegen.onex_layout.layout import NodeLayout, plan_layout
from omninode_bridge.codegen.onex_layout.render import (
    render_class_module,
    render_node,
    render_tests,
)
from omninode_bridge.codegen.results import CodegenWorkflowResult, PackageResult
from omninode_bridge.codegen.writer import (
    FileOwner,
    GeneratedFile,
    Manifest,
    PackageWriter,
    Provenance,
    sha256_text,
)
from omninode_bridge.contracts.loader import expand_contract_paths, load_contracts
from omninode_bridge.contracts.model import Contract
from omninode_bridge.errors import ContractError

__all__ = ["generate_onex_nodes", "node_folder_files"]

MANIFEST = ".omninode-manifest.json"
_PARENT_INIT = (
    '"""Namespace of generated ONEX nodes; its __path__ spans every install of it."""\n\n'
    "from pkgutil import extend_path\n\n"
    "__path__ = extend_path(__path__, __name__)\n"
)


def _templates_sha256() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256(__version__.encode())
    for name in ("layout.py", "render.py", "target.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def _first_party(layout: NodeLayout) -> frozenset[str]:
    """What isort calls first party in the node's files: the node's own top package."""
    return frozenset({layout.package.split(".")[0]})


def node_folder_files(
    contract: Contract, layout: NodeLayout, out: Path, provenance: Provenance
) -> list[GeneratedFile]:
    """Every file of one node folder, paths relative to ``out``."""
    first_party = _first_party(layout)
    folder = layout.folder
    header = "\n".join(provenance.header_lines()) + "\n"

    def generated(path: str, text: str) -> GeneratedFile:
        return GeneratedFile(f"{folder}/{path}", header + text)

    files: list[GeneratedFile] = []
    parts = layout.package.split(".")
    for depth in range(1, len(parts)):
        parent = "/".join(parts[:depth])
        files.append(GeneratedFile(f"{parent}/__init__.py", _PARENT_INIT, FileOwner.USER))
    own_files: dict[str, list[str]] = {}
    for module, specs in layout.classes.items():
        path = layout.file_of(module)
        own_files.setdefault(path, []).append(module)
        text = render_class_module(layout, module, specs, first_party)
        files.append(GeneratedFile(f"{folder}/{path}", text, FileOwner.USER))
    if "__init__.py" not in own_files:
        files.append(generated("__init__.py", f'"""{contract.name}: an ONEX node folder."""\n'))
    for path in sorted(own_files):
        for package in _packages_between(path):
            if package not in own_files and f"{package}" != "__init__.py":
                own_files[package] = []
                files.append(
                    GeneratedFile(
                        f"{folder}/{package}",
                        f'"""{Path(package).parent.name} of {contract.name}."""\n',
                        FileOwner.USER,
                    )
                )
    files.append(generated("node.py", render_node(contract, layout, first_party)))
    files.append(generated("tests/__init__.py", f'"""Tests of {contract.name}."""\n'))
    files.append(generated("tests/test_node.py", render_tests(contract, layout, first_party)))
    source = contract.source_path.read_text(encoding="utf-8") if contract.source_path else ""
    files.append(generated("contract.yaml", source))
    return files


def _packages_between(path: str) -> Iterable[str]:
    """``__init__.py`` files of the sub-packages on the way to ``path``."""
    parts = Path(path).parts[:-1]
    for depth in range(1, len(parts) + 1):
        yield "/".join(parts[:depth]) + "/__init__.py"


async def generate_onex_nodes(
    contract_paths: Sequence[Path],
    out: Path,
    *,
    dry_run: bool = False,
    check: bool = False,
) -> CodegenWorkflowResult:
    """Generate one ONEX node folder per contract under ``out``.

    Raises:
        ContractError: A path is missing, a contract is invalid, or two
            contracts claim the same node folder; nothing is written.
    """
    started = time.perf_counter()
    contracts = load_contracts(expand_contract_paths(contract_paths))
    return generate_onex_contracts(contracts, out, dry_run=dry_run, check=check, started=started)


def generate_onex_contracts(
    contracts: Sequence[Contract],
    out: Path,
    *,
    dry_run: bool = False,
    check: bool = False,
    started: float | None = None,
) -> CodegenWorkflowResult:
    """Like :func:`generate_onex_nodes`, for contracts already loaded."""
    started = time.perf_counter() if started is None else started
    run_id, correlation = uuid.uuid4().hex[:12], str(uuid.uuid4())
    templates = _templates_sha256()
    layouts = [plan_layout(c) for c in contracts]
    claimed: dict[str, Contract] = {}
    for contract, layout in zip(contracts, layouts, strict=True):
        other = claimed.setdefault(layout.package, contract)
        if other is not contract:
            raise ContractError(
                f"{contract.display_path}: node folder {layout.folder} is also generated "
                f"from {other.display_path}; give each contract its own package"
            )
    packages: list[PackageResult] = []
    for contract, layout in zip(contracts, layouts, strict=True):
        source = contract.source_path.read_text(encoding="utf-8") if contract.source_path else ""
        provenance = Provenance(
            __version__, sha256_text(source), templates, run_id, correlation,
            str(contract.source_path or ""),
        )  # fmt: skip
        files = node_folder_files(contract, layout, out, provenance)
        writer = PackageWriter(out, manifest_path=f"{layout.folder}/{MANIFEST}")
        plan = writer.plan(files)
        if not (dry_run or check):
            manifest = Manifest(
                generator_version=__version__,
                contract_sha256=sha256_text(source),
                templates_sha256=templates,
                run_id=run_id,
                correlation_id=correlation,
                contract_path=str(contract.source_path or ""),
                files=writer.file_hashes(files, plan),
                source_sha256=sha256_text(source),
                class_name=contract.name,
                service_name=contract.service_name,
            )
            writer.apply(files, plan, manifest)
        packages.append(
            PackageResult(
                contract_path=contract.source_path,
                class_name=contract.name,
                service_name=contract.service_name,
                package_dir=out / layout.folder,
                files=tuple((p.path, p.action) for p in plan.files),
                fresh=False,
                written=not (dry_run or check),
                output_directory=out,
            )
        )
    return CodegenWorkflowResult(
        success=True,
        packages=tuple(packages),
        workflow=None,
        errors=(),
        session_id=run_id,
        correlation_id=correlation,
        dry_run=dry_run,
        check=check,
        duration_ms=(time.perf_counter() - started) * 1000,
        completed_at=datetime.now(UTC),
    )
