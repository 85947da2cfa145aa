"""``NodeContract``: the small typed view of a contract that a running node reads.

A generated package ships its normalised ``contract.yaml``; the node loads it
with :meth:`NodeContract.load`. The view reads the canonical form the generator
writes and, leniently, the other contract dialects (``node_id`` /
``mixin_configuration``, schema v2 ``mixins``, ``event_patterns``), so a node
can also be built from a hand-written contract. The full document stays
available as :attr:`NodeContract.raw`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from omninode_bridge.onex.enums import EnumCoreErrorCode, EnumNodeType
from omninode_bridge.onex.errors import ModelOnexError

__all__ = ["LIFECYCLE_OPERATIONS", "EventPattern", "MixinDeclaration", "NodeContract"]

#: Operation names the base classes own; never routed to handlers.
LIFECYCLE_OPERATIONS: Final = frozenset({"initialize", "shutdown", "health_check", "metrics"})


@dataclass(frozen=True, slots=True)
class MixinDeclaration:
    """A mixin as the contract declares it."""

    name: str
    enabled: bool = True
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EventPattern:
    """A topic a node consumes or produces, with the event type carried on it."""

    topic: str
    event_type: str = ""


@dataclass(frozen=True, slots=True)
class NodeContract:
    """What a running node needs to know about its contract.

    Attributes:
        name: Node name (``NodeDatabaseAdapterEffect`` or the ``node_id``).
        node_type: Effect, compute, reducer or orchestrator.
        version: ``major.minor.patch``.
        description: Human description.
        operations: Business operation names, lifecycle names removed.
        mixins: Mixin declarations in contract order.
        subscribes: Consumed topics.
        publishes: Produced topics.
        capabilities: Advertised capability names.
        raw: The whole contract mapping as loaded.
    """

    name: str
    node_type: EnumNodeType
    version: str = "1.0.0"
    description: str = ""
    operations: tuple[str, ...] = ()
    mixins: tuple[MixinDeclaration, ...] = ()
    subscribes: tuple[EventPattern, ...] = ()
    publishes: tuple[EventPattern, ...] = ()
    capabilities: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> NodeContract:
        """Read a contract YAML file.

        Raises:
            ModelOnexError: ``CONFIGURATION_ERROR`` when the file cannot be read
                or parsed, or lacks ``name``/``node_type``.
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise _config_error(f"cannot read contract {path}: {exc.strerror}", path) from exc
        return cls.from_yaml(text, source=str(path))

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<string>") -> NodeContract:
        """Parse contract YAML (safe loader: plain data only)."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise _config_error(f"contract {source} is not valid YAML: {exc}", source) from exc
        if not isinstance(data, Mapping):
            raise _config_error(f"contract {source} must be a mapping at the top level", source)
        return cls.from_mapping(data, source=source)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "<mapping>") -> NodeContract:
        """Build the view from a contract mapping of any supported dialect."""
        metadata = _mapping(data.get("metadata"))
        name = data.get("name") or data.get("node_id") or metadata.get("name")
        if not isinstance(name, str) or not name:
            raise _config_error(f"contract {source} has no 'name' (or 'node_id')", source)
        raw_type = data.get("node_type")
        try:
            node_type = EnumNodeType(str(raw_type).lower())
        except ValueError:
            allowed = ", ".join(t.value for t in EnumNodeType)
            raise _config_error(
                f"contract {source}: node_type {raw_type!r} is not one of {allowed}", source
            ) from None
        events = _mapping(data.get("events"))
        patterns = _mapping(data.get("event_patterns"))
        return cls(
            name=name,
            node_type=node_type,
            version=_version(data.get("version")),
            description=str(data.get("description") or metadata.get("description") or ""),
            operations=_operations(data),
            mixins=_mixins(data),
            subscribes=_patterns(patterns.get("subscribes")) + _patterns(events.get("consumes")),
            publishes=_patterns(patterns.get("publishes")) + _patterns(events.get("produces")),
            capabilities=tuple(_names(data.get("capabilities"))),
            raw=dict(data),
        )

    def mixin(self, name: str) -> MixinDeclaration | None:
        """The declaration of mixin ``name``, if the contract has one."""
        return next((m for m in self.mixins if m.name == name), None)

    @property
    def publish_topics(self) -> tuple[str, ...]:
        """Produced topic names, without duplicates."""
        return tuple(dict.fromkeys(p.topic for p in self.publishes))

    @property
    def subscribe_topics(self) -> tuple[str, ...]:
        """Consumed topic names, without duplicates."""
        return tuple(dict.fromkeys(p.topic for p in self.subscribes))


def _config_error(message: str, source: str | Path) -> ModelOnexError:
    return ModelOnexError(
        error_code=EnumCoreErrorCode.CONFIGURATION_ERROR,
        message=message,
        details={"contract": str(source)},
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: object) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else ()


def _version(value: object) -> str:
    if isinstance(value, Mapping):
        return f"{value.get('major', 0)}.{value.get('minor', 0)}.{value.get('patch', 0)}"
    if isinstance(value, str) and value:
        return value.lstrip("v").replace("_", ".")
    return "1.0.0"


def _names(value: object, *keys: str) -> list[str]:
    found = []
    for item in _sequence(value):
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, Mapping):
            for key in (*keys, "name"):
                if isinstance(item.get(key), str):
                    found.append(item[key])
                    break
    return found


def _operations(data: Mapping[str, Any]) -> tuple[str, ...]:
    names = _names(data.get("operations"))
    if not names:
        subcontracts = _mapping(data.get("subcontracts"))
        for kind in ("effect", "compute", "reducer", "orchestrator"):
            names += _names(_mapping(subcontracts.get(kind)).get("operations"))
    if not names:
        for key in ("input_schema", "input_state"):
            properties = _mapping(_mapping(data.get(key)).get("properties"))
            for field_name in ("operation", "operation_type"):
                enum = _mapping(properties.get(field_name)).get("enum")
                names += [str(v) for v in _sequence(enum)]
    return tuple(dict.fromkeys(n for n in names if n not in LIFECYCLE_OPERATIONS))


def _mixins(data: Mapping[str, Any]) -> tuple[MixinDeclaration, ...]:
    items = _sequence(data.get("mixins")) or _sequence(
        _mapping(data.get("mixin_configuration")).get("mixins")
    )
    declared = []
    for item in items:
        if isinstance(item, str):
            declared.append(MixinDeclaration(item))
        elif isinstance(item, Mapping):
            name = item.get("name") or item.get("mixin_name") or ""
            declared.append(
                MixinDeclaration(
                    str(name), bool(item.get("enabled", True)), dict(_mapping(item.get("config")))
                )
            )
    return tuple(declared)


def _patterns(value: object) -> tuple[EventPattern, ...]:
    found = []
    for item in _sequence(value):
        if isinstance(item, str):
            found.append(EventPattern(item))
        elif isinstance(item, Mapping) and isinstance(item.get("topic"), str):
            found.append(EventPattern(item["topic"], str(item.get("event_type") or "")))
    return tuple(found)
