"""ModelONEXContainer: registration by class, typed key and name; factories; errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omninode_bridge.onex import (
    CLOCK,
    EnumCoreErrorCode,
    ModelONEXContainer,
    ModelOnexError,
    ServiceKey,
)


class Database:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn


GREETER: ServiceKey[Callable[[str], str]] = ServiceKey("greeter")


def test_resolve_by_class_key_and_name() -> None:
    db = Database("sqlite://")
    container = ModelONEXContainer(services={"db": db})
    container.register(Database, db)
    container.register(GREETER, lambda name: f"hi {name}")
    assert container.resolve(Database) is db
    assert container.get_service("db") is db
    assert container.resolve(GREETER)("ann") == "hi ann"
    assert container.registered_names() == ("Database", "db", "greeter")


def test_factory_runs_once_on_first_resolve() -> None:
    calls: list[int] = []

    def build(c: ModelONEXContainer) -> Database:
        calls.append(1)
        return Database(c.config["dsn"])

    container = ModelONEXContainer(config={"dsn": "postgres://x"})
    container.register_factory(Database, build)
    assert calls == []
    first = container.resolve(Database)
    assert container.resolve(Database) is first
    assert first.dsn == "postgres://x"
    assert calls == [1]


def test_register_replaces_a_factory_and_vice_versa() -> None:
    container = ModelONEXContainer()
    container.register_factory(Database, lambda c: Database("factory"))
    container.register(Database, Database("instance"))
    assert container.resolve(Database).dsn == "instance"
    container.register_factory(Database, lambda c: Database("factory"))
    assert container.resolve(Database).dsn == "factory"


def test_missing_service_names_close_matches() -> None:
    container = ModelONEXContainer(services={"database": Database("x")})
    with pytest.raises(ModelOnexError) as info:
        container.resolve("databse")
    error = info.value
    assert error.error_code is EnumCoreErrorCode.DEPENDENCY_UNAVAILABLE
    assert "did you mean database" in error.message
    assert error.details["registered"] == ["database"]


def test_resolve_optional_and_has() -> None:
    container = ModelONEXContainer()
    assert container.resolve_optional(CLOCK) is None
    assert not container.has(CLOCK)
    container.register(CLOCK, lambda: 1.0)
    assert container.has(CLOCK)
    clock = container.resolve_optional(CLOCK)
    assert clock is not None
    assert clock() == 1.0


def test_class_key_checks_the_instance_type() -> None:
    container = ModelONEXContainer()
    container.register("Database", "not a database")
    with pytest.raises(ModelOnexError) as info:
        container.resolve(Database)
    assert info.value.error_code is EnumCoreErrorCode.CONFIGURATION_ERROR
