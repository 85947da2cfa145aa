"""Write a :class:`Contract` back to YAML that the loader reads into the same contract.

The output is the node-package dialect (the ``contract.yaml`` shape of a
generated package): ``name`` is the service name, ``tool_specification``
carries the class name, schemas go under ``input_state`` / ``output_state``,
operations are listed with their descriptions and schemas. Every field of the
contract survives ``parse_contract(dump_contract(c))`` except where it came
from (``source_path``, ``dialect``, ``source_lines``, ``field_origins``).
"""

from __future__ import annotations

from typing import Any

import yaml

from omninode_bridge.contracts.model import Contract

__all__ = ["contract_document", "dump_contract"]


#: libyaml's emitter when PyYAML was built with it (same text, ~4x faster).
_SafeDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_SafeDumper):  # type: ignore[valid-type,misc]
    """Safe dumper that writes multi-line strings as literal blocks."""


#: Line breaks other than ``\n``: PyYAML writes them raw in plain or block
#: scalars and reads them back folded, so such a value is double-quoted
#: (escaped) to survive the round trip.
_OTHER_BREAKS = frozenset("\r\x85\u2028\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if _OTHER_BREAKS.intersection(value):
        style: str | None = '"'
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_contract(contract: Contract, *, header: str | None = None) -> str:
    """Serialise a contract as node-package YAML.

    Args:
        contract: The contract.
        header: Comment lines written first (each prefixed with ``# ``).

    Returns:
        YAML text that :func:`~omninode_bridge.contracts.parse_contract`
        loads back into an equal contract.
    """
    text = yaml.dump(
        contract_document(contract),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    if header:
        comments = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
        return comments + text
    return text


def contract_document(contract: Contract) -> dict[str, Any]:
    """The node-package mapping :func:`dump_contract` writes (plain JSON-like data)."""
    data = contract.model_dump(mode="json")
    document: dict[str, Any] = {
        "name": contract.service_name,
        "version": data["version"],
        "node_type": contract.node_type.value,
        "description": contract.description,
        "tool_specification": {
            "tool_name": contract.service_name,
            "main_tool_class": (
                f"{contract.service_name}.{contract.version.package_dir}.node.{contract.name}"
            ),
        },
    }
    if contract.schema_version:
        document["schema_version"] = contract.schema_version
    document["input_state"] = data["input_schema"]
    document["output_state"] = data["output_schema"]
    document["operations"] = [_operation(op) for op in data["operations"]]
    document["operations"] += list(contract.lifecycle_operations)
    optional: dict[str, Any] = {
        "mixins": data["mixins"],
        "io_operations": [_without_none(io) for io in data["io_operations"]],
        "error_codes": [_without_empty(code) for code in data["error_codes"]],
        "dependencies": [_without_none(dep) for dep in data["dependencies"]],
        "capabilities": data["capabilities"],
        "events": _without_empty(data["events"]),
        "subcontracts": data["subcontracts"],
        "configuration": data["configuration"],
        "performance_requirements": data["performance_targets"],
    }
    document.update({key: value for key, value in optional.items() if value})
    document.update(_features(contract, data["advanced_features"]))
    metadata = {"domain": contract.domain, "tags": data["tags"]}
    if any(metadata.values()):
        document["metadata"] = _without_empty(metadata)
    if contract.extensions:
        document["extensions"] = data["extensions"]
    return document


def _operation(operation: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in operation.items() if value not in (None, "")}


def _without_none(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if value is not None}


def _without_empty(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if value not in (None, "", [], {})}


def _features(contract: Contract, features: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    advanced = {
        key: value
        for key, value in features.items()
        if value is not None and key not in ("health_check", "timeout_seconds")
    }
    if advanced:
        out["advanced_features"] = advanced
    timeout = contract.advanced_features.timeout_seconds
    if timeout is not None:
        out["error_handling"] = {"timeout_policy": {"default_timeout_seconds": timeout}}
    health = features.get("health_check")
    if health and health["components"]:
        out["health_checks"] = {"components": health["components"]}
    return out
