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

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from omninode_bridge.contracts.model import (
    LIFECYCLE_OPERATIONS,
    NODE_NAME_PATTERN,
    SNAKE_NAME_PATTERN,
    Contract,
    ContractDialect,
    NodeType,
    translate_path,
)
from omninode_bridge.contracts.naming import class_name, pascal_case, snake_case
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
_VERSION_TEXT: Final = re.compile(r"^v?(\d+)[._](\d+)[._](\d+)$")
_OPERATION_LINE: Final = re.compile(
    r"^\s*[-*]\s*`?([a-z][a-z0-9_]*)`?\s*:\s*(.+?)\s*$", re.MULTILINE
)
_ERROR_CODE: Final = re.compile(r"^[A-Z][A-Z0-9_]*$")


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
    draft = _Draft(document)
    _NORMALISERS[dialect](data, draft)
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


# --------------------------------------------------------------------------- building


class _Draft:
    """Canonical fields collected from a document, with where each came from."""

    def __init__(self, document: YamlDocument) -> None:
        self.document = document
        self.fields: dict[str, Any] = {}
        self.origins: dict[str, str] = {}

    def set(self, field: str, value: Any, origin: str | None = None) -> None:
        self.fields[field] = value
        if origin:
            self.origins[field] = origin

    def origin(self, field: str, origin: str) -> None:
        self.origins[field] = origin

    def build(
        self, path: Path | None, dialect: ContractDialect
    ) -> tuple[Contract | None, list[ContractProblem]]:
        try:
            contract = Contract(
                **self.fields,
                source_path=path,
                dialect=dialect,
                source_lines=dict(self.document.lines),
                field_origins=dict(self.origins),
            )
        except ValidationError as exc:
            return None, [self._problem(error) for error in exc.errors()]
        return contract, []

    def _problem(self, error: Any) -> ContractProblem:
        canonical = ""
        for part in error["loc"]:
            canonical = join_path(canonical, part)
        field = translate_path(canonical, self.origins)
        message = str(error["msg"]).removeprefix("Value error, ")
        value = error.get("input")
        pattern = (error.get("ctx") or {}).get("pattern")
        if error["type"] == "string_pattern_mismatch" and pattern == SNAKE_NAME_PATTERN.pattern:
            message = f"{value!r} is not a snake_case name"
        elif canonical and not isinstance(value, dict | list) and value is not None:
            message = f"{message} (got {value!r})"
        return ContractProblem(
            self.document.source, self.document.line_of(field) or None, field, message
        )


def _operations(draft: _Draft, entries: list[tuple[str, dict[str, Any]]]) -> None:
    """Split declared operations into business and lifecycle ones; default to ``process``."""
    operations: list[dict[str, Any]] = []
    lifecycle: list[str] = []
    for origin, entry in entries:
        name = entry["name"]
        if name in LIFECYCLE_OPERATIONS:
            if name not in lifecycle:
                lifecycle.append(name)
            continue
        item = f"operations[{len(operations)}]"
        draft.origin(item, origin)
        if entry.pop("_bare", False):
            # A bare string in the source: the name is the item itself.
            draft.origin(f"{item}.name", origin)
        operations.append(entry)
    if operations:
        draft.set("operations", operations)
    else:
        draft.set("operations", [{"name": "process", "description": "Process the node input."}])
    draft.set("lifecycle_operations", lifecycle)


def _enum_operations(
    schema: Any, origin: str, description: str
) -> list[tuple[str, dict[str, Any]]]:
    """Operations named by an ``operation`` / ``operation_type`` enum of the input schema."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return []
    documented = dict(_OPERATION_LINE.findall(description))
    for key in ("operation_type", "operation"):
        spec = properties.get(key)
        values = spec.get("enum") if isinstance(spec, dict) else None
        if (
            isinstance(values, list)
            and values
            and all(isinstance(v, str) and SNAKE_NAME_PATTERN.match(v) for v in values)
        ):
            return [
                (
                    f"{origin}.properties.{key}.enum[{i}]",
                    {"name": v, "description": documented.get(v, ""), "_bare": True},
                )
                for i, v in enumerate(values)
            ]
    return []


def _listed_operations(raw: Any, origin: str) -> list[tuple[str, dict[str, Any]]]:
    entries: list[tuple[str, dict[str, Any]]] = []
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        where = join_path(origin, i)
        if isinstance(item, str):
            entries.append((where, {"name": item, "_bare": True}))
        elif isinstance(item, dict):
            entries.append((where, dict(item)))
    return entries


def _error_codes(schema: Any, origin: str, draft: _Draft) -> None:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    spec = properties.get("error_code") if isinstance(properties, dict) else None
    values = spec.get("enum") if isinstance(spec, dict) else None
    if isinstance(values, list):
        codes = [{"code": v} for v in values if isinstance(v, str) and _ERROR_CODE.match(v)]
        draft.set("error_codes", codes, f"{origin}.properties.error_code.enum")


def _version(raw: Any) -> Any:
    if isinstance(raw, str):
        match = _VERSION_TEXT.match(raw.strip())
        if match:
            major, minor, patch = (int(g) for g in match.groups())
            return {"major": major, "minor": minor, "patch": patch}
    return raw


def _schemas(draft: _Draft, data: dict[str, Any], input_key: str, output_key: str) -> None:
    if isinstance(data.get(input_key), dict):
        draft.set("input_schema", data[input_key], input_key)
    if isinstance(data.get(output_key), dict):
        draft.set("output_schema", data[output_key], output_key)
        _error_codes(data[output_key], output_key, draft)


def _health_check(mixins: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any] | None:
    result: dict[str, Any] = {}
    for mixin in mixins:
        if mixin.get("name") != "MixinHealthCheck" or not mixin.get("enabled", True):
            continue
        config = mixin.get("config") or {}
        if "check_interval_ms" in config:
            result["check_interval_ms"] = config["check_interval_ms"]
        elif "health_check_interval_seconds" in config:
            result["check_interval_ms"] = int(config["health_check_interval_seconds"] * 1000)
        if "components" in config:
            result["components"] = config["components"]
        elif "critical_checks" in config:
            result["components"] = [
                {"name": n, "critical": True} for n in config["critical_checks"]
            ]
    section = data.get("health_checks")
    if isinstance(section, dict) and section.get("components"):
        result["components"] = section["components"]
    return result or None


def _advanced_features(draft: _Draft, data: dict[str, Any], mixins: list[dict[str, Any]]) -> None:
    features: dict[str, Any] = dict(data.get("advanced_features") or {})
    draft.origin("advanced_features", "advanced_features")
    handling = data.get("error_handling")
    if isinstance(handling, dict):
        breaker = handling.get("circuit_breaker")
        if isinstance(breaker, dict) and "circuit_breaker" not in features:
            converted = {k: v for k, v in breaker.items() if k != "timeout_seconds"}
            if "timeout_seconds" in breaker:
                converted["recovery_timeout_ms"] = int(breaker["timeout_seconds"] * 1000)
            features["circuit_breaker"] = converted
            draft.origin("advanced_features.circuit_breaker", "error_handling.circuit_breaker")
        retry = handling.get("retry_policy")
        if isinstance(retry, dict) and "retry_policy" not in features:
            features["retry_policy"] = dict(retry)
            draft.origin("advanced_features.retry_policy", "error_handling.retry_policy")
        timeout = handling.get("timeout_policy")
        if (
            isinstance(timeout, dict)
            and timeout.get("enabled", True)
            and "default_timeout_seconds" in timeout
        ):
            features["timeout_seconds"] = timeout["default_timeout_seconds"]
            draft.origin(
                "advanced_features.timeout_seconds",
                "error_handling.timeout_policy.default_timeout_seconds",
            )
    health = _health_check(mixins, data)
    if health is not None:
        features["health_check"] = health
        origin = "health_checks" if "health_checks" in data else "mixins"
        draft.origin("advanced_features.health_check", origin)
    draft.set("advanced_features", features)


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _copy(draft: _Draft, data: dict[str, Any], fields: dict[str, str]) -> None:
    """Copy source values that are present: canonical field <- dotted source key."""
    for name, key in fields.items():
        value = _lookup(data, key)
        if value is not None:
            draft.set(name, value, key)


def _mixins(draft: _Draft, raw: Any, origin: str, name_key: str) -> list[dict[str, Any]]:
    mixins = [
        {"name": m[name_key], "enabled": m.get("enabled", True), "config": m.get("config") or {}}
        for m in raw or []
    ]
    draft.set("mixins", mixins, origin)
    return mixins


def _events(draft: _Draft, consumes: list[Any], produces: list[Any], origin: str) -> None:
    draft.set("events", {"consumes": consumes, "produces": produces}, origin)


def _from_v2(data: dict[str, Any], draft: _Draft) -> None:
    node_type = NodeType(data["node_type"])
    name: str = data["name"]
    if SNAKE_NAME_PATTERN.match(name):  # ``llm_effect``: a package name, not a class name
        service = name if name.endswith(f"_{node_type.value}") else f"{name}_{node_type.value}"
        draft.set("service_name", service, "name")
        draft.set("name", class_name(service, node_type), "name")
    else:
        if not name.endswith(tuple(t.suffix for t in NodeType)):  # ``NodeBridgeRegistry``
            draft.set("name", f"{name}{node_type.suffix}", "name")
        pascal = name[len("Node") :].removesuffix(node_type.suffix) or name[len("Node") :]
        draft.set("service_name", f"{snake_case(pascal)}_{node_type.value}", "name")
    draft.set("description", data["description"].strip(), "description")
    _copy(
        draft,
        data,
        {k: v for k, v in _V2_FIELDS.items() if k != "name" or "name" not in draft.fields},
    )
    mixins = _mixins(draft, data.get("mixins"), "mixins", "name")
    _schemas(draft, data, "input_state", "output_state")
    _operations(draft, _v2_operations(data))
    events = _lookup(data, "subcontracts.event_type") or {}
    consumed, produced = events.get("consumed_events", []), events.get("produced_events", [])
    _events(draft, consumed, produced, "subcontracts.event_type")
    _advanced_features(draft, data, mixins)


_V2_FIELDS: Final = {
    "name": "name",
    "node_type": "node_type",
    "version": "version",
    "schema_version": "schema_version",
    "subcontracts": "subcontracts",
    "dependencies": "dependencies.services",
    "configuration": "configuration",
    "performance_targets": "performance_targets",
    "capabilities": "capabilities",
}


def _v2_operations(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    effect_ops = _lookup(data, "subcontracts.effect.operations")
    entries = _listed_operations(effect_ops, "subcontracts.effect.operations")
    definitions = data.get("definitions") or {}
    for i, op in enumerate(data.get("io_operations") or []):
        entry = {
            "name": op["name"],
            "description": op.get("description", ""),
            "input_schema": definitions.get(op["input_model"]),
            "output_schema": definitions.get(op["output_model"]),
        }
        entries.append((f"io_operations[{i}]", entry))
    return entries


def _from_node_package(data: dict[str, Any], draft: _Draft) -> None:
    node_type = NodeType(data["node_type"].lower())
    service: str = data["name"]
    draft.set("service_name", service, "name")
    draft.set("node_type", node_type, "node_type")
    main_class = str(_lookup(data, "tool_specification.main_tool_class") or "")
    declared = main_class.rpartition(".")[2]
    if NODE_NAME_PATTERN.match(declared) and declared.endswith(node_type.suffix):
        draft.set("name", declared, "tool_specification.main_tool_class")
    else:
        draft.set("name", class_name(service, node_type), "name")
    draft.set("version", _version(data["version"]), "version")
    draft.set("description", data["description"].strip(), "description")
    mixins = _mixins(draft, data.get("mixins"), "mixins", "name")
    _schemas(draft, data, "input_state", "output_state")
    entries = _listed_operations(data.get("operations"), "operations")
    if not entries:
        entries = _enum_operations(data.get("input_state"), "input_state", data["description"])
    _operations(draft, entries)
    io_ops = [_io_operation(op) for op in data.get("io_operations") or []]
    draft.set("io_operations", io_ops, "io_operations")
    draft.set("subcontracts", _subcontracts(data.get("subcontracts")), "subcontracts")
    _copy(draft, data, _NODE_PACKAGE_FIELDS)
    _advanced_features(draft, data, mixins)


_NODE_PACKAGE_FIELDS: Final = {
    "dependencies": "dependencies",
    "error_codes": "error_codes",
    "events": "events",
    "capabilities": "capabilities",
    "tags": "metadata.tags",
    "domain": "metadata.domain",
    "performance_targets": "performance_requirements",
    "configuration": "configuration",
    "schema_version": "schema_version",
}


def _io_operation(op: dict[str, Any]) -> dict[str, Any]:
    return {
        "operation_type": op["operation_type"],
        "description": op.get("description", ""),
        "atomic": op.get("atomic", False),
        "timeout_seconds": op.get("timeout_seconds"),
    }


def _subcontracts(raw: Any) -> dict[str, Any]:
    """Subcontracts as a mapping; the list form ``[{type, enabled, config}]`` is keyed by type."""
    if isinstance(raw, dict):
        return raw
    return {item["type"]: {k: v for k, v in item.items() if k != "type"} for item in raw or []}


def _from_node_id(data: dict[str, Any], draft: _Draft) -> None:
    node_type = NodeType(data["node_type"].lower())
    origin = "metadata.service_name" if _lookup(data, "metadata.service_name") else "node_id"
    service: str = _lookup(data, origin)
    draft.set("service_name", service, origin)
    draft.set("name", class_name(service, node_type), "node_id")
    draft.set("node_type", node_type, "node_type")
    draft.set("version", _version(data["version"]), "version")
    for key in ("description", "metadata.description", "metadata.name"):
        text = _lookup(data, key)
        if isinstance(text, str) and text.strip():
            draft.set("description", text.strip(), key)
            break
    else:
        draft.set("description", "", "metadata.description")
    raw_mixins = _lookup(data, "mixin_configuration.mixins")
    mixins = _mixins(draft, raw_mixins, "mixin_configuration.mixins", "mixin_name")
    _schemas(draft, data, "input_schema", "output_schema")
    entries = _listed_operations(data.get("operations"), "operations")
    _operations(draft, entries or _enum_operations(data.get("input_schema"), "input_schema", ""))
    patterns = data.get("event_patterns") or {}
    consumes = [e["topic"] for e in patterns.get("subscribes", [])]
    produces = [e["topic"] for e in patterns.get("publishes", [])]
    _events(draft, consumes, produces, "event_patterns")
    _copy(draft, data, _NODE_ID_FIELDS)
    _advanced_features(draft, data, mixins)


_NODE_ID_FIELDS: Final = {
    "domain": "metadata.domain",
    "tags": "metadata.tags",
    "subcontracts": "subcontracts",
    "dependencies": "dependencies",
    "capabilities": "capabilities",
}


_NORMALISERS: Final = {
    ContractDialect.V2: _from_v2,
    ContractDialect.NODE_PACKAGE: _from_node_package,
    ContractDialect.NODE_ID: _from_node_id,
}
