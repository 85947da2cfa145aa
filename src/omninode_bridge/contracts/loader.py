"""Load contract files of every dialect into the canonical :class:`Contract`.

Dialects (recognised from the document's keys):

* schema v2 (``name: Node<Name><Type>``, ``version: {major, minor, patch}``),
  validated with ``contract_schema_v2.json`` and the per-mixin config
  definitions of ``mixins_schema.json``;
* node-package contracts (``name: <service_name>``, ``input_state`` /
  ``output_state``, ``io_operations``, ``error_handling``);
* the ``node_id`` / ``metadata`` / ``mixin_configuration`` /
  ``input_schema`` / ``output_schema`` dialect.

Every problem in every file is collected (YAML safety, schema, mixin catalog,
model rules) and raised at the end as one
:class:`~omninode_bridge.contracts.problems.ContractValidationError`, a
:class:`~omninode_bridge.errors.ContractError` whose message has one
``file:line: field: message`` line per problem. Loading never writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from omninode_bridge.contracts.dialects import NORMALISERS, Draft
from omninode_bridge.contracts.model import (
    NODE_NAME_PATTERN,
    SNAKE_NAME_PATTERN,
    Contract,
    ContractDialect,
    NodeType,
)
from omninode_bridge.contracts.naming import pascal_case, snake_case
from omninode_bridge.contracts.onex_dialect import is_onex_dialect, onex_contract
from omninode_bridge.contracts.paths import pop_path
from omninode_bridge.contracts.problems import ContractProblem, raise_for_problems
from omninode_bridge.contracts.safe_yaml import (
    DEFAULT_LIMITS,
    YamlDocument,
    YamlLimits,
    join_path,
    parse_yaml,
    read_yaml_file,
)
from omninode_bridge.contracts.schema_check import (
    MIXIN_CONFIG_DEFINITIONS,
    iter_schema_problems,
    validator_for,
)
from omninode_bridge.contracts.shapes import reshape
from omninode_bridge.contracts.values import size_problems, value_problems
from omninode_bridge.errors import ContractError, MixinError
from omninode_bridge.logs import get_logger
from omninode_bridge.onex.mixins import resolve_mixins

__all__ = [
    "CONTRACT_SUFFIXES",
    "contract_from_document",
    "detect_dialect",
    "expand_contract_paths",
    "load_contract",
    "load_contracts",
    "parse_contract",
    "pascal_case",
    "snake_case",
]

log = get_logger(__name__, component="contracts")

#: File suffixes :func:`load_contracts` picks up in a directory.
CONTRACT_SUFFIXES: Final = (".yaml", ".yml")

_SCHEMA_FOR: Final = {
    ContractDialect.V2: "contract_schema_v2.json",
    ContractDialect.NODE_PACKAGE: "node_package_contract.json",
    ContractDialect.NODE_ID: "node_id_contract.json",
}
_NODE_PACKAGE_KEYS: Final = frozenset(
    {"tool_specification", "base_class", "input_model", "output_model", "error_handling"}
)


# --------------------------------------------------------------------------- public API


def load_contract(
    path: str | Path, *, limits: YamlLimits = DEFAULT_LIMITS, strict: bool = False
) -> Contract:
    """Load and validate one contract file.

    Args:
        path: The YAML file.
        limits: Size, alias, value and depth caps for the YAML reader.
        strict: Refuse warnings (unknown fields) as errors.

    Returns:
        The normalised contract.

    Raises:
        ContractValidationError: Listing every problem with file, line and field.
    """
    document = read_yaml_file(path, limits=limits)
    contract, problems = contract_from_document(document, path=Path(path), strict=strict)
    raise_for_problems(problems)
    if contract is None:  # pragma: no cover - problems always accompany a missing contract
        raise ContractError(f"{path}: contract could not be built")
    return contract


def load_contracts(
    paths_or_dirs: Iterable[str | Path],
    *,
    limits: YamlLimits = DEFAULT_LIMITS,
    strict: bool = False,
) -> list[Contract]:
    """Load every contract named, directories searched recursively for ``*.yaml``/``*.yml``.

    All files are read before anything is reported, so one error lists every
    problem in every file. Two contracts that would be written to the same
    package folder (same service name and version) are a problem too.

    Returns:
        Contracts in the order given (files of a directory sorted by path).

    Raises:
        ContractValidationError: Listing every problem found.
    """
    problems: list[ContractProblem] = []
    contracts: list[Contract] = []
    for file_path in _expand(paths_or_dirs, problems):
        try:
            document = read_yaml_file(file_path, limits=limits)
        except ContractError as exc:
            problems.extend(getattr(exc, "problems", ()))
            continue
        contract, found = contract_from_document(document, path=file_path, strict=strict)
        problems.extend(found)
        if contract is not None:
            contracts.append(contract)
    problems.extend(_same_package_problems(contracts))
    raise_for_problems(problems)
    log.info("contracts.loaded", count=len(contracts))
    return contracts


def parse_contract(
    text: str,
    *,
    source: str = "<string>",
    path: Path | None = None,
    limits: YamlLimits = DEFAULT_LIMITS,
    strict: bool = False,
) -> Contract:
    """Load a contract from YAML text (same rules as :func:`load_contract`)."""
    document = parse_yaml(text, source=source, limits=limits)
    contract, problems = contract_from_document(document, path=path, strict=strict)
    raise_for_problems(problems)
    if contract is None:  # pragma: no cover - problems always accompany a missing contract
        raise ContractError(f"{source}: contract could not be built")
    return contract


def detect_dialect(data: Mapping[str, Any]) -> ContractDialect:
    """Tell which dialect a contract document is written in, from its keys."""
    if isinstance(data.get("node_identity"), dict):
        return ContractDialect.NODE_IDENTITY
    if is_onex_dialect(data):
        return ContractDialect.ONEX
    if "node_id" in data or "mixin_configuration" in data or "input_schema" in data:
        return ContractDialect.NODE_ID
    name = data.get("name")
    if isinstance(name, str) and NODE_NAME_PATTERN.match(name):
        return ContractDialect.V2
    if _NODE_PACKAGE_KEYS.intersection(data) or isinstance(data.get("subcontracts"), list):
        return ContractDialect.NODE_PACKAGE
    if isinstance(name, str) and SNAKE_NAME_PATTERN.match(name) and "schema_version" not in data:
        return ContractDialect.NODE_PACKAGE
    return ContractDialect.V2


def contract_from_document(
    document: YamlDocument, *, path: Path | None = None, strict: bool = False
) -> tuple[Contract | None, list[ContractProblem]]:
    """Validate a parsed document and build its contract.

    Known fields in other shapes are read (:mod:`~omninode_bridge.contracts.shapes`);
    unknown fields are kept verbatim in ``Contract.extensions`` and reported
    as ``Contract.warnings``.

    Args:
        document: The parsed YAML document.
        path: The file it came from.
        strict: Treat warnings as errors.

    Returns:
        The contract (``None`` when it could not be built) and every error
        found; a contract is returned only when there are none.
    """
    problems = list(document.problems)
    data = document.data
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        problems.append(
            ContractProblem(document.source, 1, "", f"expected a mapping of fields, got {kind}")
        )
        return None, problems
    too_big = size_problems(document, data)
    if too_big:
        return None, problems + too_big
    dialect = detect_dialect(data)
    if dialect in (ContractDialect.ONEX, ContractDialect.NODE_IDENTITY):
        contract, found = onex_contract(document, data, path=path, strict=strict)
        return _checked_values(contract, problems + found, document.source)
    shaped = reshape(data, dialect)
    data = shaped.data
    written = data.pop("extensions", None)  # a normalised contract's own extensions
    extensions = {**(written if isinstance(written, dict) else {}), **shaped.kept}
    warnings = [
        ContractProblem(document.source, document.line_of(f), f, m, warning=True)
        for f, m in shaped.warnings.items()
    ]
    schema_problems = list(_schema_problems(document, data, dialect))
    unknown = [p for p in schema_problems if p.warning]
    if unknown:
        for problem in unknown:
            extensions[problem.field] = pop_path(data, problem.field)
        warnings.extend(unknown)
        schema_problems = [p for p in _schema_problems(document, data, dialect) if not p.warning]
    problems.extend(schema_problems)
    problems.extend(_mixin_problems(document, data, dialect, schema_problems))
    if strict:
        problems.extend(w.as_error() for w in warnings)
        warnings = []
    if problems:
        return None, problems + warnings
    draft = Draft(document)
    NORMALISERS[dialect](data, draft)
    draft.set("extensions", extensions)
    draft.set("warnings", tuple(sorted(set(warnings), key=ContractProblem.sort_key)))
    contract, model_problems = draft.build(path, dialect)
    return _checked_values(contract, model_problems, document.source)


def _checked_values(
    contract: Contract | None, problems: list[ContractProblem], source: str
) -> tuple[Contract | None, list[ContractProblem]]:
    """Add the problems of values that would break generated code (``values.py``)."""
    if contract is None:
        return contract, problems
    found = value_problems(contract, source)
    if found:
        return None, problems + found + list(contract.warnings)
    return contract, problems


# --------------------------------------------------------------------------- names


# --------------------------------------------------------------------------- validation


def _schema_problems(
    document: YamlDocument, data: dict[str, Any], dialect: ContractDialect
) -> Iterable[ContractProblem]:
    yield from iter_schema_problems(document, data, validator_for(_SCHEMA_FOR[dialect]))
    mixins = data.get("mixins")
    if dialect is not ContractDialect.V2 or not isinstance(mixins, list):
        # The per-mixin config schemas are v2 rules; the catalog checks every dialect.
        return
    for index, mixin in enumerate(mixins):
        if not isinstance(mixin, dict) or mixin.get("name") not in MIXIN_CONFIG_DEFINITIONS:
            continue
        config = mixin.get("config")
        if isinstance(config, dict):
            validator = validator_for("mixins_schema.json", f"#/definitions/{mixin['name']}Config")
            yield from iter_schema_problems(
                document, config, validator, prefix=f"mixins[{index}].config"
            )


@dataclass(frozen=True, slots=True)
class _Declared:
    """A mixin declaration in the shape the catalog reads."""

    name: str
    enabled: bool
    config: Mapping[str, Any]


def _mixin_declarations(
    data: dict[str, Any], dialect: ContractDialect
) -> tuple[str, list[_Declared]] | None:
    if dialect is ContractDialect.NODE_ID:
        section = data.get("mixin_configuration")
        prefix, key = "mixin_configuration.mixins", "mixin_name"
        raw = section.get("mixins") if isinstance(section, dict) else None
    else:
        prefix, key, raw = "mixins", "name", data.get("mixins")
    if not isinstance(raw, list):
        return None
    declared = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get(key), str):
            return None
        enabled = item.get("enabled", True)
        config = item.get("config") or {}
        if not isinstance(enabled, bool) or not isinstance(config, dict):
            return None
        declared.append(_Declared(item[key], enabled, config))
    return prefix, declared


def _mixin_problems(
    document: YamlDocument,
    data: dict[str, Any],
    dialect: ContractDialect,
    schema_problems: list[ContractProblem],
) -> Iterable[ContractProblem]:
    found = _mixin_declarations(data, dialect)
    node_type = data.get("node_type")
    if found is None or not isinstance(node_type, str):
        return
    prefix, declared = found
    kind = node_type.lower() if node_type.lower() in {t.value for t in NodeType} else None
    try:
        resolve_mixins(declared, node_type=kind)
    except MixinError as exc:
        reported = [p.field for p in schema_problems]
        name_key = "mixin_name" if dialect is ContractDialect.NODE_ID else "name"
        for problem in exc.problems:
            item = join_path(prefix, problem.index) if problem.index is not None else prefix
            if problem.path:
                field = f"{item}.config"
                for part in problem.path:
                    field = join_path(field, part)
                message = f"{problem.mixin}: {problem.message}"
            elif problem.message.startswith("unknown mixin"):
                field, message = join_path(item, name_key), problem.message
            else:
                field, message = item, f"{problem.mixin} {problem.message}"
            if _already_reported(field, reported, config_level=bool(problem.path), item=item):
                continue
            yield ContractProblem(document.source, document.line_of(field), field, message)


def _already_reported(field: str, reported: list[str], *, config_level: bool, item: str) -> bool:
    for other in reported:
        if field == other or field.startswith((other + ".", other + "[")):
            return True
        if config_level and other.startswith(item + ".config"):
            return True
    return False


def _same_package_problems(contracts: list[Contract]) -> Iterable[ContractProblem]:
    seen: dict[tuple[str, str], Contract] = {}
    for contract in contracts:
        key = (contract.service_name, contract.version.package_dir)
        first = seen.setdefault(key, contract)
        if first is not contract:
            yield ContractProblem(
                contract.display_path,
                contract.line_for("service_name"),
                contract.field_origins.get("service_name", "name"),
                f"'{contract.service_name}' {contract.version} is also defined in "
                f"{first.display_path}; both would be written to the same package folder",
            )


def expand_contract_paths(paths_or_dirs: Iterable[str | Path]) -> list[Path]:
    """Files and directories to contract files (``*.yaml``/``*.yml``, sorted, deduplicated).

    Raises:
        ContractValidationError: A path is missing or a directory holds no contract.
    """
    problems: list[ContractProblem] = []
    files = _expand(paths_or_dirs, problems)
    raise_for_problems(problems)
    return files


def _expand(paths_or_dirs: Iterable[str | Path], problems: list[ContractProblem]) -> list[Path]:
    files: list[Path] = []
    for item in paths_or_dirs:
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix in CONTRACT_SUFFIXES and p.is_file()
            )
            if not found:
                problems.append(ContractProblem(str(path), None, "", "no *.yaml or *.yml files"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(ContractProblem(str(path), None, "", "no such file or directory"))
    return list(dict.fromkeys(files))
