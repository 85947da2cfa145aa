"""The node shape docs/onex-runtime.md describes, written as a package and run."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from omninode_bridge.onex import (
    EnumCoreErrorCode,
    EnumHealthStatus,
    ModelONEXContainer,
    ModelOnexError,
)

PACKAGE = "onex_doc_example_lock"

FILES = {
    "__init__.py": "",
    "contract.yaml": """\
name: NodeLockEffect
node_type: effect
version: {major: 1, minor: 0, patch: 0}
description: Distributed lock
operations:
  - name: acquire_lock
  - name: release_lock
mixins:
  - name: MixinHealthCheck
    config:
      components:
        - name: database
          critical: true
  - name: MixinMetrics
""",
    "models.py": """\
\"\"\"Models.\"\"\"

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class EnumLockOperationType(StrEnum):
    \"\"\"Operations.\"\"\"

    ACQUIRE_LOCK = "acquire_lock"
    RELEASE_LOCK = "release_lock"


class ModelLockInput(BaseModel):
    \"\"\"Input.\"\"\"

    operation_type: EnumLockOperationType
    lock_name: str = Field(min_length=1)
    correlation_id: str | None = None


class ModelLockOutput(BaseModel):
    \"\"\"Output.\"\"\"

    success: bool
""",
    "handlers.py": """\
\"\"\"User-owned handlers.\"\"\"

from __future__ import annotations

from typing import Protocol

from omninode_bridge.onex import EnumCoreErrorCode, ModelOnexError, ServiceKey

from .models import ModelLockInput, ModelLockOutput


class ProtocolLockHandlers(Protocol):
    \"\"\"One async method per operation.\"\"\"

    async def acquire_lock(self, input_data: ModelLockInput) -> ModelLockOutput:
        \"\"\"Acquire.\"\"\"
        ...

    async def release_lock(self, input_data: ModelLockInput) -> ModelLockOutput:
        \"\"\"Release.\"\"\"
        ...

    async def check_database(self) -> bool:
        \"\"\"Health of the database component.\"\"\"
        ...


LOCK_HANDLERS: ServiceKey[ProtocolLockHandlers] = ServiceKey("lock.handlers")


class LockHandlers:
    \"\"\"Default implementation (user-owned).\"\"\"

    async def acquire_lock(self, input_data: ModelLockInput) -> ModelLockOutput:
        \"\"\"Acquire.\"\"\"
        raise ModelOnexError(
            error_code=EnumCoreErrorCode.NOT_IMPLEMENTED,
            message="acquire_lock is not implemented yet",
            details={"operation": "acquire_lock"},
        )

    async def release_lock(self, input_data: ModelLockInput) -> ModelLockOutput:
        \"\"\"Release.\"\"\"
        return ModelLockOutput(success=True)

    async def check_database(self) -> bool:
        \"\"\"Health.\"\"\"
        return True
""",
    "node.py": """\
\"\"\"Generated node.\"\"\"

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from omninode_bridge.onex import (
    EnumLogLevel,
    ModelONEXContainer,
    NodeEffect,
    OperationRouter,
    emit_log_event,
)
from omninode_bridge.onex.mixins import MixinHealthCheck, MixinMetrics

from .handlers import LOCK_HANDLERS, LockHandlers, ProtocolLockHandlers
from .models import ModelLockInput, ModelLockOutput


class NodeLockEffect(NodeEffect, MixinHealthCheck, MixinMetrics):
    \"\"\"Distributed lock.\"\"\"

    contract_path: ClassVar[Path | None] = Path(__file__).with_name("contract.yaml")

    def __init__(self, container: ModelONEXContainer) -> None:
        super().__init__(container)
        self.handlers: ProtocolLockHandlers = (
            container.resolve_optional(LOCK_HANDLERS) or LockHandlers()
        )
        self.router: OperationRouter[ModelLockInput, ModelLockOutput] = OperationRouter(
            {
                "acquire_lock": self.handlers.acquire_lock,
                "release_lock": self.handlers.release_lock,
            }
        )
        self.register_health_check("database", self.handlers.check_database)

    async def execute_effect(self, input_data: ModelLockInput) -> ModelLockOutput:
        \"\"\"Route the input's operation to its handler.\"\"\"
        operation = input_data.operation_type.value
        emit_log_event(EnumLogLevel.DEBUG, "lock.execute", {"operation": operation})
        return await self.dispatch(
            self.router,
            operation,
            input_data,
            correlation_id=input_data.correlation_id,
        )
""",
}


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, ModuleType]]:
    root = tmp_path / PACKAGE
    root.mkdir()
    for name, text in FILES.items():
        (root / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    modules = {m: importlib.import_module(f"{PACKAGE}.{m}") for m in ("models", "handlers", "node")}
    yield modules
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


class FakeHandlers:
    def __init__(self, models: ModuleType, *, database_up: bool = True) -> None:
        self.models = models
        self.calls: list[str] = []
        self.database_up = database_up

    async def acquire_lock(self, input_data: Any) -> Any:
        self.calls.append(f"acquire:{input_data.lock_name}")
        return self.models.ModelLockOutput(success=True)

    async def release_lock(self, input_data: Any) -> Any:
        raise RuntimeError("database connection lost")

    async def check_database(self) -> bool:
        return self.database_up


def _node(package: dict[str, ModuleType], handlers: object | None) -> Any:
    container = ModelONEXContainer()
    if handlers is not None:
        container.register(package["handlers"].LOCK_HANDLERS, handlers)
    return package["node"].NodeLockEffect(container)


async def test_dispatch_through_a_test_double(package: dict[str, ModuleType]) -> None:
    models = package["models"]
    fake = FakeHandlers(models)
    node = _node(package, fake)
    await node.initialize()
    result = await node.execute_effect(
        models.ModelLockInput(operation_type="acquire_lock", lock_name="a")
    )
    await node.shutdown()
    assert result.success
    assert fake.calls == ["acquire:a"]
    assert node.get_metrics().counter("operations_total", operation="acquire_lock") == 1


async def test_errors_map_to_model_onex_error(package: dict[str, ModuleType]) -> None:
    models = package["models"]
    node = _node(package, FakeHandlers(models))
    await node.initialize()
    with pytest.raises(ModelOnexError) as info:
        await node.execute_effect(
            models.ModelLockInput(operation_type="release_lock", lock_name="a", correlation_id="c")
        )
    assert info.value.error_code is EnumCoreErrorCode.OPERATION_FAILED
    assert info.value.correlation_id == "c"
    assert isinstance(info.value.__cause__, RuntimeError)


async def test_default_user_hook_reports_not_implemented(package: dict[str, ModuleType]) -> None:
    models = package["models"]
    node = _node(package, None)
    await node.initialize()
    with pytest.raises(ModelOnexError) as info:
        await node.execute_effect(
            models.ModelLockInput(operation_type="acquire_lock", lock_name="a")
        )
    assert info.value.error_code is EnumCoreErrorCode.NOT_IMPLEMENTED


async def test_lifecycle_and_health(package: dict[str, ModuleType]) -> None:
    node = _node(package, FakeHandlers(package["models"], database_up=False))
    assert node.contract.operations == ("acquire_lock", "release_lock")
    assert (await node.health_check()).status is EnumHealthStatus.UNHEALTHY
    await node.initialize()
    record = await node.health_check()
    database = record.component("database")
    assert database is not None
    assert database.status is EnumHealthStatus.UNHEALTHY
    await node.shutdown()
    assert not node.is_running
