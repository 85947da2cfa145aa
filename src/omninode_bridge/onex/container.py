"""``ModelONEXContainer``: the dependency container a node is constructed with.

Services are registered under a key and resolved by the same key:

* a concrete class: ``container.register(Database, db)`` then
  ``container.resolve(Database)``;
* a typed :class:`ServiceKey`, for protocols and callables, which mypy does not
  accept as ``type[T]``: ``container.register(EVENT_BUS, bus)`` then
  ``container.resolve(EVENT_BUS)`` (typed as ``ProtocolEventBus``);
* a plain name, as upstream ONEX code does: ``container.get_service("db")``.

Tests build a container with test doubles and pass it to the node; nothing is
global.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from omninode_bridge.onex.enums import EnumCoreErrorCode
from omninode_bridge.onex.errors import ModelOnexError

__all__ = ["CLOCK", "ModelONEXContainer", "ServiceKey"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ServiceKey(Generic[T]):
    """A typed registration key.

    Example:
        >>> CLOCK: ServiceKey[Callable[[], float]] = ServiceKey("clock")
    """

    name: str

    def __str__(self) -> str:
        return self.name


Key = ServiceKey[Any] | type[Any] | str

CLOCK: ServiceKey[Callable[[], float]] = ServiceKey("onex.clock")
"""Container key of a monotonic clock in seconds (``time.monotonic`` when absent).

Register a fake clock here to drive TTLs and uptime in tests without sleeping.
"""


def _key_name(key: Key) -> str:
    if isinstance(key, ServiceKey):
        return key.name
    if isinstance(key, str):
        return key
    return key.__qualname__


class ModelONEXContainer:
    """Holds the services, factories and configuration values of a node.

    Args:
        config: Configuration values, readable as ``container.config``.
        services: Initial services by name or key.
    """

    def __init__(
        self,
        *,
        config: Mapping[str, Any] | None = None,
        services: Mapping[Key, object] | None = None,
    ) -> None:
        self.config: dict[str, Any] = dict(config or {})
        self._services: dict[str, object] = {}
        self._factories: dict[str, Callable[[ModelONEXContainer], object]] = {}
        for key, service in (services or {}).items():
            self.register(key, service)

    @overload
    def register(self, key: ServiceKey[T], service: T) -> None: ...
    @overload
    def register(self, key: type[T], service: T) -> None: ...
    @overload
    def register(self, key: str, service: object) -> None: ...
    def register(self, key: Key, service: object) -> None:
        """Register a service instance, replacing any earlier one under the key."""
        name = _key_name(key)
        self._factories.pop(name, None)
        self._services[name] = service

    @overload
    def register_factory(
        self, key: ServiceKey[T], factory: Callable[[ModelONEXContainer], T]
    ) -> None: ...
    @overload
    def register_factory(
        self, key: type[T], factory: Callable[[ModelONEXContainer], T]
    ) -> None: ...
    @overload
    def register_factory(
        self, key: str, factory: Callable[[ModelONEXContainer], object]
    ) -> None: ...
    def register_factory(self, key: Key, factory: Callable[[ModelONEXContainer], Any]) -> None:
        """Register a factory called once, on first resolve; its result is kept."""
        name = _key_name(key)
        self._services.pop(name, None)
        self._factories[name] = factory

    @overload
    def resolve(self, key: ServiceKey[T]) -> T: ...
    @overload
    def resolve(self, key: type[T]) -> T: ...
    @overload
    def resolve(self, key: str) -> object: ...
    def resolve(self, key: Key) -> object:
        """Return the service under ``key``.

        Raises:
            ModelOnexError: ``DEPENDENCY_UNAVAILABLE`` naming the key, the close
                registered names and every registered name.
        """
        name = _key_name(key)
        found = self._lookup(name)
        if found is _MISSING:
            raise self._missing(name)
        if isinstance(key, type) and not isinstance(found, key):
            raise ModelOnexError(
                error_code=EnumCoreErrorCode.CONFIGURATION_ERROR,
                message=f"service '{name}' is a {type(found).__name__}, not a {key.__name__}",
                details={"service": name},
            )
        return found

    @overload
    def resolve_optional(self, key: ServiceKey[T]) -> T | None: ...
    @overload
    def resolve_optional(self, key: type[T]) -> T | None: ...
    @overload
    def resolve_optional(self, key: str) -> object | None: ...
    def resolve_optional(self, key: Key) -> object | None:
        """Like :meth:`resolve` but ``None`` when nothing is registered."""
        if not self.has(key):
            return None
        return self.resolve(key)

    def get_service(self, name: str) -> object:
        """Resolve by name (the upstream ONEX spelling of :meth:`resolve`)."""
        return self.resolve(name)

    def has(self, key: Key) -> bool:
        """Whether a service or factory is registered under ``key``."""
        name = _key_name(key)
        return name in self._services or name in self._factories

    def registered_names(self) -> tuple[str, ...]:
        """Every registered name, sorted."""
        return tuple(sorted({*self._services, *self._factories}))

    def _lookup(self, name: str) -> object:
        if name in self._services:
            return self._services[name]
        factory = self._factories.pop(name, None)
        if factory is None:
            return _MISSING
        service = factory(self)
        self._services[name] = service
        return service

    def _missing(self, name: str) -> ModelOnexError:
        registered = self.registered_names()
        close = difflib.get_close_matches(name, registered, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return ModelOnexError(
            error_code=EnumCoreErrorCode.DEPENDENCY_UNAVAILABLE,
            message=f"no service registered as '{name}'{hint}",
            details={"service": name, "registered": list(registered)},
        )


_MISSING: Any = object()
