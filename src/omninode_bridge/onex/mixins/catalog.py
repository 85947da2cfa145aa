"""The mixin catalog: every mixin the runtime ships, what it needs, how it is configured.

The contract loader and the code generator use this module to check a
contract's mixin list before any code is written::

    from omninode_bridge.onex.mixins import resolve_mixins

    resolved = resolve_mixins(contract.mixins, node_type="effect")
    bases = [m.name for m in resolved]        # class bases, in a valid MRO order

:func:`resolve_mixins` reports every problem at once in one
:class:`~omninode_bridge.errors.MixinError`: unknown names (with the close
matches), a config key or value the mixin's model refuses, a mixin the node type
may not use, a mixin declared twice, and a mixin whose requirements are not met
(naming the mixins that would meet them).

Two relations between mixins are recorded:

* ``includes``: the mixin class inherits these, so they come with it and need
  not be declared (``MixinEventDrivenNode`` includes ``MixinEventHandler``,
  which includes ``MixinEventBus``).
* ``requires``: needs that another *declared* mixin must meet. Each need lists
  the mixins that meet it (``MixinEventDrivenNode`` needs node lifecycle
  announcements, met by ``MixinNodeLifecycle`` or ``MixinServiceRegistry``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Protocol

from pydantic import ValidationError

from omninode_bridge.errors import MixinError, MixinProblem
from omninode_bridge.onex.enums import EnumNodeType
from omninode_bridge.onex.mixins.config import (
    MixinCachingConfig,
    MixinCanonicalYAMLSerializerConfig,
    MixinConfig,
    MixinEventBusConfig,
    MixinEventDrivenNodeConfig,
    MixinEventHandlerConfig,
    MixinHashComputationConfig,
    MixinHealthCheckConfig,
    MixinIntrospectionPublisherConfig,
    MixinLogDataConfig,
    MixinMetricsConfig,
    MixinNodeIntrospectionConfig,
    MixinNodeLifecycleConfig,
    MixinRequestResponseIntrospectionConfig,
    MixinServiceRegistryConfig,
)

__all__ = [
    "MIXIN_CATALOG",
    "MixinDeclarationLike",
    "MixinDefinition",
    "MixinRequirement",
    "ResolvedMixin",
    "canonical_mixin_name",
    "get_mixin_spec",
    "resolve_mixins",
]

MIXINS_MODULE: Final = "omninode_bridge.onex.mixins"
ALL_NODE_TYPES: Final = frozenset(EnumNodeType)
NOT_COMPUTE: Final = frozenset(
    {EnumNodeType.EFFECT, EnumNodeType.REDUCER, EnumNodeType.ORCHESTRATOR}
)


@dataclass(frozen=True, slots=True)
class MixinRequirement:
    """A need of a mixin that one of ``any_of`` must meet (the first is preferred).

    Attributes:
        need: What is needed, in a few words (``node lifecycle announcements``).
        any_of: Mixin names that meet the need, preferred first.
    """

    need: str
    any_of: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MixinDefinition:
    """One catalog entry.

    Attributes:
        name: Class name, importable from ``import_module``.
        summary: One line on what the mixin does at run time.
        category: observability, messaging, lifecycle, discovery, performance or data.
        config_model: The pydantic model that validates the contract's ``config``.
        includes: Mixins the class inherits; they come with it.
        requires: Needs another declared mixin must meet.
        node_types: Node types that may use the mixin.
        import_module: Module to import the class from.
    """

    name: str
    summary: str
    category: str
    config_model: type[MixinConfig]
    includes: tuple[str, ...] = ()
    requires: tuple[MixinRequirement, ...] = ()
    node_types: frozenset[EnumNodeType] = ALL_NODE_TYPES
    import_module: str = MIXINS_MODULE
    config_keys: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "config_keys", tuple(self.config_model.model_fields))

    def parse_config(
        self, config: Mapping[str, Any] | None = None, *, index: int | None = None
    ) -> MixinConfig:
        """Validate a contract's ``config`` mapping for this mixin.

        Args:
            config: The mapping as written in the contract (``None`` means empty).
            index: Position of the declaration, copied into reported problems.

        Returns:
            The validated, frozen config model.

        Raises:
            MixinError: Listing every key or value the model refuses.
        """
        try:
            return self.config_model.model_validate(dict(config or {}))
        except ValidationError as exc:
            raise MixinError(self._problems_from(exc, index)) from None

    def _problems_from(self, exc: ValidationError, index: int | None) -> list[MixinProblem]:
        problems = []
        for error in exc.errors():
            path = tuple(error["loc"])
            if error["type"] == "extra_forbidden":
                key = str(path[-1])
                close = tuple(difflib.get_close_matches(key, self.config_keys, n=3, cutoff=0.6))
                hint = f"; did you mean {_or_list(close)}?" if close else ""
                message = f"unknown key '{key}'{hint} (known keys: {', '.join(self.config_keys)})"
                problems.append(MixinProblem(self.name, message, index, path, close))
                continue
            got = f" (got {error['input']!r})" if "input" in error and path else ""
            problems.append(MixinProblem(self.name, f"{error['msg']}{got}", index, path))
        return problems


@dataclass(frozen=True, slots=True)
class ResolvedMixin:
    """A declared, known, validated mixin.

    Attributes:
        definition: Its catalog entry.
        config: Its validated configuration.
        index: Its position in the contract's mixin list.
    """

    definition: MixinDefinition
    config: MixinConfig
    index: int

    @property
    def name(self) -> str:
        """The mixin class name."""
        return self.definition.name


class MixinDeclarationLike(Protocol):
    """Anything with a mixin ``name``, ``enabled`` flag and ``config`` mapping."""

    @property
    def name(self) -> str:
        """Mixin class name."""

    @property
    def enabled(self) -> bool:
        """Whether the mixin is used."""

    @property
    def config(self) -> Mapping[str, Any]:
        """Configuration as written in the contract."""


def _entry(
    name: str,
    summary: str,
    category: str,
    config_model: type[MixinConfig],
    *,
    includes: tuple[str, ...] = (),
    requires: tuple[MixinRequirement, ...] = (),
    node_types: frozenset[EnumNodeType] = ALL_NODE_TYPES,
) -> tuple[str, MixinDefinition]:
    return name, MixinDefinition(
        name=name,
        summary=summary,
        category=category,
        config_model=config_model,
        includes=includes,
        requires=requires,
        node_types=node_types,
    )


MIXIN_CATALOG: Final[Mapping[str, MixinDefinition]] = MappingProxyType(
    dict(
        [
            _entry(
                "MixinHealthCheck",
                "Registered component checks aggregated into one health status.",
                "observability",
                MixinHealthCheckConfig,
            ),
            _entry(
                "MixinMetrics",
                "In-memory counters, gauges and timings, with per-operation latency and errors.",
                "observability",
                MixinMetricsConfig,
            ),
            _entry(
                "MixinLogData",
                "Structured log events with node context and sensitive fields redacted.",
                "observability",
                MixinLogDataConfig,
            ),
            _entry(
                "MixinRequestResponseIntrospection",
                "A bounded record of recent operations: input, output, duration, error.",
                "observability",
                MixinRequestResponseIntrospectionConfig,
            ),
            _entry(
                "MixinNodeIntrospection",
                "Describes the node: name, type, version, operations, mixins.",
                "discovery",
                MixinNodeIntrospectionConfig,
            ),
            _entry(
                "MixinEventBus",
                "Publish and subscribe on the container's event bus.",
                "messaging",
                MixinEventBusConfig,
                node_types=NOT_COMPUTE,
            ),
            _entry(
                "MixinEventHandler",
                "Consumes topics and routes each event to the handler of its event type.",
                "messaging",
                MixinEventHandlerConfig,
                includes=("MixinEventBus",),
                node_types=NOT_COMPUTE,
            ),
            _entry(
                "MixinNodeLifecycle",
                "Publishes node started and stopped events.",
                "lifecycle",
                MixinNodeLifecycleConfig,
                includes=("MixinEventBus",),
                node_types=NOT_COMPUTE,
            ),
            _entry(
                "MixinIntrospectionPublisher",
                "Publishes the node description when the node starts.",
                "discovery",
                MixinIntrospectionPublisherConfig,
                includes=("MixinEventBus", "MixinNodeIntrospection"),
                node_types=NOT_COMPUTE,
            ),
            _entry(
                "MixinServiceRegistry",
                "Registers the node and its description with a service registry on start, "
                "deregisters on shutdown.",
                "discovery",
                MixinServiceRegistryConfig,
                includes=("MixinNodeIntrospection",),
                node_types=NOT_COMPUTE,
            ),
            _entry(
                "MixinEventDrivenNode",
                "An event-driven node: consumes its topics and routes events to handlers.",
                "messaging",
                MixinEventDrivenNodeConfig,
                includes=("MixinEventHandler", "MixinEventBus"),
                requires=(
                    MixinRequirement(
                        "node lifecycle announcements",
                        ("MixinNodeLifecycle", "MixinServiceRegistry"),
                    ),
                    MixinRequirement(
                        "introspection publishing",
                        ("MixinIntrospectionPublisher", "MixinServiceRegistry"),
                    ),
                ),
                node_types=NOT_COMPUTE,
            ),
            _entry(
                "MixinCaching",
                "An in-memory TTL + LRU cache with hit, miss and eviction counts.",
                "performance",
                MixinCachingConfig,
            ),
            _entry(
                "MixinHashComputation",
                "Stable digests of bytes, text and JSON-like data.",
                "data",
                MixinHashComputationConfig,
            ),
            _entry(
                "MixinCanonicalYAMLSerializer",
                "Deterministic YAML: sorted keys, block style, one trailing newline.",
                "data",
                MixinCanonicalYAMLSerializerConfig,
            ),
        ]
    )
)


def get_mixin_spec(name: str) -> MixinDefinition:
    """Return the catalog entry of a mixin.

    Raises:
        MixinError: When the name is unknown; the problem names the close matches.
    """
    definition = MIXIN_CATALOG.get(name)
    if definition is None:
        raise MixinError([_unknown(name, None)])
    return definition


def close_mixin_names(name: str) -> tuple[str, ...]:
    """Known mixin names close to ``name``, compared without the ``Mixin`` prefix."""
    by_stem = {_stem(known): known for known in MIXIN_CATALOG}
    stem = _stem(name)
    exact = [by_stem[stem]] if stem in by_stem else []
    exact += [_SAME_ROLE[stem]] if stem in _SAME_ROLE else []
    close = difflib.get_close_matches(stem, list(by_stem), n=3, cutoff=0.6)
    return tuple(dict.fromkeys([*exact, *(by_stem[c] for c in close)]))


def canonical_mixin_name(name: str) -> str | None:
    """The catalog's name for ``name``: itself, or the same mixin spelt another way.

    ``MetricsMixin`` is ``MixinMetrics``, ``LoggingMixin`` is ``MixinLogData``;
    a name that is only *close* to a known one (a typo) gives ``None``.
    """
    if name in MIXIN_CATALOG:
        return name
    stem = _stem(name)
    by_stem = {_stem(known): known for known in MIXIN_CATALOG}
    return by_stem.get(stem) or _SAME_ROLE.get(stem)


#: Names used elsewhere for a mixin this catalog calls differently.
_SAME_ROLE: Final = {
    "logging": "MixinLogData",
    "cache": "MixinCaching",
    "health": "MixinHealthCheck",
}


def _stem(name: str) -> str:
    lowered = name.lower()
    if lowered.startswith("mixin"):
        return lowered[len("mixin") :]
    return lowered.removesuffix("mixin")


def included_mixins(name: str) -> frozenset[str]:
    """Every mixin ``name`` brings with it through inheritance (transitively)."""
    found: set[str] = set()
    pending = list(MIXIN_CATALOG[name].includes) if name in MIXIN_CATALOG else []
    while pending:
        current = pending.pop()
        if current not in found:
            found.add(current)
            pending.extend(MIXIN_CATALOG[current].includes)
    return frozenset(found)


def resolve_mixins(
    declared: Iterable[str | MixinDeclarationLike],
    *,
    node_type: EnumNodeType | str | None = None,
) -> list[ResolvedMixin]:
    """Check a contract's mixin list and return the enabled mixins, validated.

    Args:
        declared: Mixin names, or declarations with ``name``, ``enabled`` and
            ``config`` (the contract model's mixin entries fit).
        node_type: When given, mixins this node type may not use are reported.

    Returns:
        The enabled mixins in declaration order, except that a mixin comes
        before any mixin it includes, so the list is a valid base-class order.

    Raises:
        MixinError: With every problem found (unknown, duplicate, bad config,
            wrong node type, unmet requirement).
    """
    kind = EnumNodeType(node_type.lower()) if isinstance(node_type, str) else node_type
    problems: list[MixinProblem] = []
    resolved: list[ResolvedMixin] = []
    first_seen: dict[str, int] = {}
    for index, item in enumerate(declared):
        name, enabled, config = _declaration(item)
        definition = MIXIN_CATALOG.get(name)
        if definition is None:
            problems.append(_unknown(name, index))
            continue
        if name in first_seen:
            problems.append(
                MixinProblem(name, f"declared twice (first at mixins[{first_seen[name]}])", index)
            )
            continue
        first_seen[name] = index
        if not enabled:
            continue
        if kind is not None and kind not in definition.node_types:
            allowed = ", ".join(sorted(t.value for t in definition.node_types))
            problems.append(
                MixinProblem(
                    name, f"cannot be used by a {kind.value} node (allowed: {allowed})", index
                )
            )
        try:
            resolved.append(
                ResolvedMixin(definition, definition.parse_config(config, index=index), index)
            )
        except MixinError as exc:
            problems.extend(exc.problems)
    problems.extend(_unmet_requirements(resolved))
    if problems:
        raise MixinError(sorted(problems, key=lambda p: -1 if p.index is None else p.index))
    return _base_order(resolved)


def _declaration(item: str | MixinDeclarationLike) -> tuple[str, bool, Mapping[str, Any]]:
    if isinstance(item, str):
        return item, True, {}
    return item.name, item.enabled, item.config


def _unknown(name: str, index: int | None) -> MixinProblem:
    close = close_mixin_names(name)
    if close:
        hint = f"did you mean {_or_list(close)}?"
    else:
        hint = f"known mixins: {', '.join(sorted(MIXIN_CATALOG))}"
    return MixinProblem(name, f"unknown mixin '{name}'; {hint}", index, (), close)


def _unmet_requirements(resolved: list[ResolvedMixin]) -> list[MixinProblem]:
    present: set[str] = set()
    for mixin in resolved:
        present.add(mixin.name)
        present.update(included_mixins(mixin.name))
    problems = []
    for mixin in resolved:
        for requirement in mixin.definition.requires:
            if present.isdisjoint(requirement.any_of):
                preferred, *others = requirement.any_of
                alternatives = f" (or {_or_list(tuple(others))})" if others else ""
                problems.append(
                    MixinProblem(
                        mixin.name,
                        f"requires {preferred}{alternatives} for {requirement.need}, "
                        "which is not declared",
                        mixin.index,
                        (),
                        requirement.any_of,
                    )
                )
    return problems


def _base_order(resolved: list[ResolvedMixin]) -> list[ResolvedMixin]:
    """Declared order, moved only so that no mixin precedes one that includes it."""
    remaining = list(resolved)
    ordered: list[ResolvedMixin] = []
    while remaining:
        for candidate in remaining:
            if not any(candidate.name in included_mixins(other.name) for other in remaining):
                ordered.append(candidate)
                remaining.remove(candidate)
                break
    return ordered


def _or_list(names: tuple[str, ...]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"
