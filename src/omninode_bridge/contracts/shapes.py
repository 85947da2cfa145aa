"""Known fields written in other shapes, read into the shape the schemas describe.

Real contracts spell the same thing several ways: ``dependencies`` as a
mapping or as ``[{name, type, module, class_name, ...}]``, ``health_checks``
as a list, ``error_handling.retry_policy`` as a name or with
``max_retries``/``exponential_base``/``retry_on``, a circuit breaker with
``recovery_timeout_seconds`` or ``reset_timeout_ms``, operations and I/O
operations keyed by ``operation`` instead of ``name``, capabilities as plain
strings, mixin configuration with the key names other upstream documents use.

:func:`reshape` rewrites a copy of the document into the canonical shape.
Everything it understands but the :class:`~omninode_bridge.contracts.model.Contract`
does not model (a dependency's ``module``, a capability's ``version``) is
returned as *kept* values, by source path, to be stored verbatim in the
contract's extensions without a warning. Unknown fields are not touched here:
the schema check reports them.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from omninode_bridge.contracts.model import ContractDialect
from omninode_bridge.contracts.safe_yaml import join_path
from omninode_bridge.errors import MixinError
from omninode_bridge.onex.mixins import get_mixin_spec

__all__ = ["Reshaped", "close_match", "reshape"]

_DEPENDENCY_KEYS: Final = ("name", "required", "description", "version")
_HEALTH_COMPONENT_KEYS: Final = ("name", "critical", "timeout_seconds")
_IO_KEYS: Final = ("operation_type", "description", "atomic", "timeout_seconds")
_OPERATION_NAME_KEYS: Final = ("name", "operation", "operation_name", "operation_type", "id")
#: Mixin config keys as other upstream documents spell them -> the catalog's key.
_MIXIN_KEY_ALIASES: Final[Mapping[str, Mapping[str, str]]] = {
    "MixinCaching": {
        "ttl_seconds": "cache_ttl_seconds",
        "max_entries": "max_cache_size",
        "max_size": "max_cache_size",
        "enabled": "cache_enabled",
        "key_prefix": "cache_key_prefix",
    },
}


@dataclass(slots=True)
class Reshaped:
    """A document in canonical shape, with what was understood but not modelled.

    Attributes:
        data: The rewritten copy of the document.
        kept: Source path -> value for understood fields the contract model
            has no place for (stored in the contract's extensions).
        warnings: Source path -> message for mixin config keys the catalog
            does not know (kept in the extensions too).
    """

    data: dict[str, Any]
    kept: dict[str, Any] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)


def close_match(key: str, known: list[str] | tuple[str, ...]) -> str:
    """``; did you mean 'x'?`` for the closest known name, or an empty string."""
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.7)
    return f"; did you mean '{close[0]}'?" if close else ""


def reshape(data: Mapping[str, Any], dialect: ContractDialect) -> Reshaped:
    """Rewrite the known alternative shapes of ``data`` (which is not modified)."""
    result = Reshaped(copy.deepcopy(dict(data)))
    doc = result.data
    _dependencies(result, doc, dialect)
    _health_checks(result, doc)
    for prefix in ("error_handling", "advanced_features"):
        section = doc.get(prefix)
        if isinstance(section, dict):
            _retry_policy(result, section, f"{prefix}.retry_policy")
            _circuit_breaker(result, section, f"{prefix}.circuit_breaker", dialect)
    _operations(result, doc)
    _io_operations(result, doc)
    _capabilities(result, doc)
    _metadata(result, doc)
    _mixin_configs(result, doc, dialect)
    return result


def _keep(result: Reshaped, item: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    """Move the keys of ``item`` outside ``allowed`` into ``kept``."""
    for key in [k for k in item if k not in allowed]:
        result.kept[join_path(where, key)] = item.pop(key)


def _dependencies(result: Reshaped, doc: dict[str, Any], dialect: ContractDialect) -> None:
    raw = doc.get("dependencies")
    if dialect is ContractDialect.V2:
        if isinstance(raw, list):
            doc["dependencies"] = {"services": raw}
            raw = doc["dependencies"]
        items = raw.get("services") if isinstance(raw, dict) else None
        where = "dependencies.services"
    else:
        if isinstance(raw, dict):
            doc["dependencies"] = _mapping_to_list(raw)
        items = doc.get("dependencies")
        where = "dependencies"
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        if isinstance(item, str):
            items[index] = {"name": item}
            continue
        if not isinstance(item, dict):
            continue
        if "name" not in item:
            for key in ("class_name", "library", "module", "service"):
                if isinstance(item.get(key), str):
                    item["name"] = item[key]
                    break
        if "optional" in item and "required" not in item and isinstance(item["optional"], bool):
            item["required"] = not item.pop("optional")
        if "version" in item and not isinstance(item["version"], str):
            item["version"] = str(item["version"])
        _keep(result, item, _DEPENDENCY_KEYS, join_path(where, index))


def _mapping_to_list(raw: dict[str, Any]) -> list[Any]:
    """``{postgres: {...}, packages: [a, b]}`` -> ``[{name: postgres, ...}, {name: a}, ...]``."""
    items: list[Any] = []
    for key, value in raw.items():
        if isinstance(value, dict):
            items.append({"name": str(key), **value})
        elif isinstance(value, list):
            items.extend({"name": v} if isinstance(v, str) else v for v in value)
        elif isinstance(value, str):
            items.append({"name": str(key), "version": value})
        else:
            items.append({"name": str(key)})
    return items


def _health_checks(result: Reshaped, doc: dict[str, Any]) -> None:
    raw = doc.get("health_checks")
    if isinstance(raw, list):
        doc["health_checks"] = raw = {"components": raw}
    components = raw.get("components") if isinstance(raw, dict) else None
    if not isinstance(components, list):
        return
    for index, item in enumerate(components):
        if isinstance(item, str):
            components[index] = {"name": item}
        elif isinstance(item, dict):
            _keep(result, item, _HEALTH_COMPONENT_KEYS, f"health_checks.components[{index}]")


def _retry_policy(result: Reshaped, section: dict[str, Any], where: str) -> None:
    raw = section.get("retry_policy")
    if isinstance(raw, str):
        result.kept[join_path(where, "name")] = raw
        section["retry_policy"] = {"enabled": raw.lower() not in ("none", "never", "disabled")}
        return
    if not isinstance(raw, dict):
        return
    if "max_retries" in raw and "max_attempts" not in raw:
        retries = raw.pop("max_retries")
        if isinstance(retries, int) and not isinstance(retries, bool):
            raw["max_attempts"] = max(1, min(10, retries + 1))
            if retries == 0:
                raw.setdefault("enabled", False)
    renames = {
        "exponential_base": "backoff_multiplier",
        "backoff_factor": "backoff_multiplier",
        "retry_on": "retryable_exceptions",
        "initial_backoff_ms": "initial_delay_ms",
        "max_backoff_ms": "max_delay_ms",
        "base_delay_ms": "initial_delay_ms",
    }
    for old, new in renames.items():
        if old in raw and new not in raw:
            raw[new] = raw.pop(old)
    for seconds, millis in (("initial_delay_seconds", "initial_delay_ms"),
                            ("max_delay_seconds", "max_delay_ms")):  # fmt: skip
        value = raw.get(seconds)
        if isinstance(value, int | float) and millis not in raw:
            raw.pop(seconds)
            raw[millis] = int(value * 1000)
    exceptions = raw.get("retryable_exceptions")
    if isinstance(exceptions, str):
        raw["retryable_exceptions"] = [exceptions]


def _circuit_breaker(
    result: Reshaped, section: dict[str, Any], where: str, dialect: ContractDialect
) -> None:
    raw = section.get("circuit_breaker")
    if not isinstance(raw, dict):
        return
    if where.startswith("error_handling") and dialect is not ContractDialect.ONEX:
        # The older dialects' error_handling breaker speaks seconds (``timeout_seconds``).
        for key, scale in (("recovery_timeout_seconds", 1), ("reset_timeout_ms", 0.001),
                           ("recovery_timeout_ms", 0.001)):  # fmt: skip
            value = raw.get(key)
            if isinstance(value, int | float) and "timeout_seconds" not in raw:
                raw["timeout_seconds"] = raw.pop(key) * scale
        return
    if "half_open_max_requests" in raw and "half_open_max_calls" not in raw:
        raw["half_open_max_calls"] = raw.pop("half_open_max_requests")
    backends = raw.pop("backends", None)
    if isinstance(backends, list) and "services" not in raw:
        services = []
        for index, backend in enumerate(backends):
            if not isinstance(backend, dict):
                continue
            service = dict(backend)
            if "reset_timeout_ms" in service:
                service["recovery_timeout_ms"] = max(1000, int(service.pop("reset_timeout_ms")))
            _keep(result, service, ("name", "failure_threshold", "recovery_timeout_ms"),
                  f"{where}.backends[{index}]")  # fmt: skip
            services.append(service)
        raw["services"] = services
    elif backends is not None:
        result.kept[f"{where}.backends"] = backends
    if "per_backend" in raw:
        result.kept[f"{where}.per_backend"] = raw.pop("per_backend")
    if "recovery_timeout_ms" not in raw:
        for key, scale in (("recovery_timeout_seconds", 1000), ("reset_timeout_ms", 1),
                           ("reset_timeout_seconds", 1000)):  # fmt: skip
            value = raw.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                raw.pop(key)
                raw["recovery_timeout_ms"] = max(1000, int(value * scale))
                break


def _operations(result: Reshaped, doc: dict[str, Any]) -> None:
    raw = doc.get("operations")
    if not isinstance(raw, list):
        return
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or "name" in item:
            continue
        for key in _OPERATION_NAME_KEYS[1:]:
            if isinstance(item.get(key), str):
                item["name"] = item.pop(key)
                break
        _keep(
            result,
            item,
            ("name", "description", "input_schema", "output_schema"),
            f"operations[{index}]",
        )


def _io_operations(result: Reshaped, doc: dict[str, Any]) -> None:
    raw = doc.get("io_operations")
    if not isinstance(raw, list) or not raw:
        return
    # The v2 form ``{name, input_model, output_model}`` is read by the v2 loader.
    if all(isinstance(i, dict) and "input_model" in i for i in raw):
        return
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or "operation_type" in item:
            continue
        for key in ("operation", "name", "type"):
            if isinstance(item.get(key), str):
                item["operation_type"] = item.pop(key)
                break
        if "idempotent" in item:
            result.kept[f"io_operations[{index}].idempotent"] = item.pop("idempotent")
        _keep(result, item, _IO_KEYS, f"io_operations[{index}]")


def _capabilities(result: Reshaped, doc: dict[str, Any]) -> None:
    raw = doc.get("capabilities")
    if isinstance(raw, dict):
        doc["capabilities"] = raw = [
            {"name": str(k), **(v if isinstance(v, dict) else {"description": str(v or "")})}
            for k, v in raw.items()
        ]
    if not isinstance(raw, list):
        return
    for index, item in enumerate(raw):
        if isinstance(item, str):
            raw[index] = {"name": item, "description": item.replace("_", " ")}
        elif isinstance(item, dict):
            if not item.get("description") and isinstance(item.get("name"), str):
                item["description"] = item["name"].replace("_", " ")
            _keep(result, item, ("name", "description"), f"capabilities[{index}]")


def _metadata(result: Reshaped, doc: dict[str, Any]) -> None:
    metadata = doc.get("metadata")
    if isinstance(metadata, dict) and "sla" in metadata:
        result.kept["metadata.sla"] = metadata.pop("sla")


def _mixin_configs(result: Reshaped, doc: dict[str, Any], dialect: ContractDialect) -> None:
    if dialect is ContractDialect.NODE_ID:
        section = doc.get("mixin_configuration")
        raw = section.get("mixins") if isinstance(section, dict) else None
        prefix, name_key = "mixin_configuration.mixins", "mixin_name"
    else:
        raw, prefix, name_key = doc.get("mixins"), "mixins", "name"
    if not isinstance(raw, list):
        return
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get(name_key), str):
            continue
        config = item.get("config")
        if not isinstance(config, dict):
            continue
        try:
            known = get_mixin_spec(item[name_key]).config_keys
        except MixinError:
            continue  # an unknown mixin is reported by the catalog check
        for old, new in _MIXIN_KEY_ALIASES.get(item[name_key], {}).items():
            if old in config and new not in config:
                config[new] = config.pop(old)
        critical = config.get("critical_components")
        if item[name_key] == "MixinHealthCheck" and isinstance(critical, list):
            config.pop("critical_components")
            listed = config.setdefault("components", [])
            if isinstance(listed, list):
                listed.extend({"name": str(n), "critical": True} for n in critical)
        for key in [k for k in config if k not in known]:
            where = f"{join_path(prefix, index)}.config.{key}"
            result.kept[where] = config.pop(key)
            result.warnings[where] = (
                f"unknown {item[name_key]} config key{close_match(key, known)} (kept verbatim)"
            )
