"""Node base classes: lifecycle, health, contract checks, dispatch and error mapping."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from omninode_bridge.onex import (
    EnumCoreErrorCode,
    EnumHealthStatus,
    EnumNodeType,
    ModelComponentHealth,
    ModelONEXContainer,
    ModelOnexError,
    NodeBase,
    NodeCompute,
    NodeContract,
    NodeEffect,
    NodeOrchestrator,
    NodeReducer,
    OperationCall,
    OperationOutcome,
    OperationRouter,
    aggregate_health,
    capture_log_events,
)
from omninode_bridge.onex.mixins import MixinMetrics


class NodeEchoEffect(NodeEffect):
    def __init__(self, container: ModelONEXContainer, **kwargs: Any) -> None:
        super().__init__(container, **kwargs)
        self.router: OperationRouter[dict[str, Any], dict[str, Any]] = OperationRouter()
        self.router.register("echo", self._echo)
        self.router.register("fail", self._fail)
        self.router.register("reject", self._reject)
        self.router.register("slow", self._slow)
        self.release = asyncio.Event()

    async def _echo(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"echo": data}

    async def _fail(self, data: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("missing")

    async def _reject(self, data: dict[str, Any]) -> dict[str, Any]:
        raise ModelOnexError(error_code=EnumCoreErrorCode.CONFLICT, message="lock is held")

    async def _slow(self, data: dict[str, Any]) -> dict[str, Any]:
        await self.release.wait()
        return {}

    async def execute_effect(self, input_data: dict[str, Any]) -> dict[str, Any]:
        return await self.dispatch(self.router, input_data["operation"], input_data)


@pytest.fixture
async def node() -> Any:
    echo = NodeEchoEffect(ModelONEXContainer())
    await echo.initialize()
    yield echo
    await echo.shutdown()


async def test_dispatch_routes_to_the_named_handler(node: NodeEchoEffect) -> None:
    assert await node.execute_effect({"operation": "echo", "x": 1}) == {
        "echo": {"operation": "echo", "x": 1}
    }


async def test_process_is_an_alias_of_the_required_method(node: NodeEchoEffect) -> None:
    assert await node.process({"operation": "echo"}) == {"echo": {"operation": "echo"}}


async def test_unknown_operation_names_close_matches_and_supported(node: NodeEchoEffect) -> None:
    with pytest.raises(ModelOnexError) as info:
        await node.execute_effect({"operation": "ecco"})
    assert info.value.error_code is EnumCoreErrorCode.UNSUPPORTED_OPERATION
    assert "did you mean echo" in info.value.message
    assert info.value.details["supported"] == ["echo", "fail", "reject", "slow"]


async def test_foreign_exception_becomes_operation_failed_with_cause(node: NodeEchoEffect) -> None:
    with pytest.raises(ModelOnexError) as info:
        await node.run_operation("fail", node._fail, {}, correlation_id="c-1")
    error = info.value
    assert error.error_code is EnumCoreErrorCode.OPERATION_FAILED
    assert error.details == {"error_type": "KeyError", "operation": "fail"}
    assert error.correlation_id == "c-1"
    assert isinstance(error.__cause__, KeyError)


async def test_onex_error_passes_through_and_gets_context(node: NodeEchoEffect) -> None:
    with pytest.raises(ModelOnexError) as info:
        await node.dispatch(node.router, "reject", {}, correlation_id="c-2")
    assert info.value.error_code is EnumCoreErrorCode.CONFLICT
    assert info.value.correlation_id == "c-2"
    assert info.value.details["operation"] == "reject"


async def test_timeout_becomes_timeout_error(node: NodeEchoEffect) -> None:
    with pytest.raises(ModelOnexError) as info:
        await node.dispatch(node.router, "slow", {}, timeout_seconds=0.01)
    assert info.value.error_code is EnumCoreErrorCode.TIMEOUT
    assert info.value.details["timeout_seconds"] == 0.01


async def test_cancellation_is_not_mapped(node: NodeEchoEffect) -> None:
    task = asyncio.create_task(node.dispatch(node.router, "slow", {}))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_operation_before_initialize_is_refused() -> None:
    echo = NodeEchoEffect(ModelONEXContainer())
    with pytest.raises(ModelOnexError) as info:
        await echo.execute_effect({"operation": "echo"})
    assert info.value.error_code is EnumCoreErrorCode.NOT_INITIALIZED


async def test_operation_after_shutdown_is_refused(node: NodeEchoEffect) -> None:
    await node.shutdown()
    with pytest.raises(ModelOnexError) as info:
        await node.execute_effect({"operation": "echo"})
    assert info.value.error_code is EnumCoreErrorCode.NOT_INITIALIZED


async def test_lifecycle_is_idempotent_and_logged() -> None:
    echo = NodeEchoEffect(ModelONEXContainer())
    with capture_log_events() as events:
        await echo.initialize()
        await echo.initialize()
        assert echo.is_running
        await echo.shutdown()
        await echo.shutdown()
    assert not echo.is_running
    assert [e.message for e in events] == ["node.initialized", "node.shutdown"]
    assert events[0].data["node"] == "NodeEchoEffect"


async def test_health_follows_the_lifecycle() -> None:
    echo = NodeEchoEffect(ModelONEXContainer())
    before = await echo.health_check()
    assert before.status is EnumHealthStatus.UNHEALTHY
    assert before.component("lifecycle") is not None
    await echo.initialize()
    running = await echo.health_check()
    assert running.is_healthy
    assert running.to_dict()["components"][0]["name"] == "lifecycle"
    await echo.shutdown()
    assert (await echo.health_check()).status is EnumHealthStatus.UNHEALTHY


def test_aggregate_health_rules() -> None:
    healthy = ModelComponentHealth("a", EnumHealthStatus.HEALTHY)
    soft_fail = ModelComponentHealth("b", EnumHealthStatus.UNHEALTHY, critical=False)
    hard_fail = ModelComponentHealth("c", EnumHealthStatus.UNHEALTHY, critical=True)
    unknown = ModelComponentHealth("d", EnumHealthStatus.UNKNOWN)
    assert aggregate_health([]) is EnumHealthStatus.HEALTHY
    assert aggregate_health([healthy]) is EnumHealthStatus.HEALTHY
    assert aggregate_health([healthy, soft_fail]) is EnumHealthStatus.DEGRADED
    assert aggregate_health([healthy, unknown]) is EnumHealthStatus.DEGRADED
    assert aggregate_health([soft_fail, hard_fail]) is EnumHealthStatus.UNHEALTHY


def test_router_refuses_a_second_handler_for_a_name() -> None:
    router: OperationRouter[int, int] = OperationRouter()

    async def double(x: int) -> int:
        return 2 * x

    router.register("double", double)
    with pytest.raises(ModelOnexError) as info:
        router.register("double", double)
    assert info.value.error_code is EnumCoreErrorCode.CONFIGURATION_ERROR
    assert "double" in router
    assert router.operations == ("double",)


class NodeSumCompute(NodeCompute):
    async def execute_compute(self, input_data: list[int]) -> int:
        return sum(input_data)


class NodeCountReducer(NodeReducer):
    async def execute_reduction(self, input_data: list[int]) -> int:
        return len(input_data)


class NodeStepsOrchestrator(NodeOrchestrator):
    async def execute_orchestration(self, input_data: list[int]) -> list[int]:
        return sorted(input_data)


@pytest.mark.parametrize(
    ("cls", "node_type", "expected"),
    [
        (NodeSumCompute, EnumNodeType.COMPUTE, 6),
        (NodeCountReducer, EnumNodeType.REDUCER, 3),
        (NodeStepsOrchestrator, EnumNodeType.ORCHESTRATOR, [1, 2, 3]),
    ],
    ids=["compute", "reducer", "orchestrator"],
)
async def test_every_node_type_runs_its_required_method(
    cls: type[NodeBase], node_type: EnumNodeType, expected: object
) -> None:
    node: Any = cls(ModelONEXContainer())
    assert node.node_type is node_type
    assert node.contract.name == cls.__name__
    await node.initialize()
    assert await node.process([3, 1, 2]) == expected
    await node.shutdown()


def test_required_method_is_abstract() -> None:
    class NodeIncompleteEffect(NodeEffect):
        pass

    with pytest.raises(TypeError, match="execute_effect"):
        NodeIncompleteEffect(ModelONEXContainer())  # type: ignore[abstract]


def test_mixin_alone_is_not_a_node() -> None:
    with pytest.raises(ModelOnexError, match="must derive from NodeEffect"):
        MixinMetrics(ModelONEXContainer())


def test_contract_from_mapping_and_type_mismatch() -> None:
    echo = NodeEchoEffect(
        ModelONEXContainer(), contract={"name": "NodeEchoEffect", "node_type": "effect"}
    )
    assert echo.contract.node_type is EnumNodeType.EFFECT
    with pytest.raises(ModelOnexError) as info:
        NodeEchoEffect(ModelONEXContainer(), contract={"name": "X", "node_type": "compute"})
    assert info.value.error_code is EnumCoreErrorCode.CONFIGURATION_ERROR
    assert "is a compute node" in info.value.message


def test_contract_path_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "contract.yaml"
    path.write_text("name: NodeFileEffect\nnode_type: effect\noperations: [echo]\n")

    class NodeFileEffect(NodeEchoEffect):
        contract_path = path

    assert NodeFileEffect(ModelONEXContainer()).contract.operations == ("echo",)


def test_declared_mixin_must_be_inherited() -> None:
    contract = NodeContract.from_mapping(
        {"name": "NodeEchoEffect", "node_type": "effect", "mixins": ["MixinMetrics"]}
    )
    with pytest.raises(ModelOnexError) as info:
        NodeEchoEffect(ModelONEXContainer(), contract=contract)
    assert info.value.details["missing_mixins"] == ["MixinMetrics"]


def test_invalid_mixin_config_is_a_configuration_error() -> None:
    class NodeMeteredEffect(NodeEchoEffect, MixinMetrics):
        pass

    contract = {
        "name": "NodeMeteredEffect",
        "node_type": "effect",
        "mixins": [{"name": "MixinMetrics", "config": {"percentiles": [500]}}],
    }
    with pytest.raises(ModelOnexError) as info:
        NodeMeteredEffect(ModelONEXContainer(), contract=contract)
    assert info.value.error_code is EnumCoreErrorCode.CONFIGURATION_ERROR
    assert "percentiles" in info.value.details["problems"][0]


class _Recorder(NodeBase):
    """A mixin-like class that records the hooks it sees."""

    events: list[str]

    async def _on_initialize(self) -> None:
        await super()._on_initialize()
        self.events.append("init")

    async def _on_shutdown(self) -> None:
        self.events.append("shutdown")
        await super()._on_shutdown()

    def _operation_started(self, call: OperationCall) -> None:
        super()._operation_started(call)
        self.events.append(f"start:{call.operation}")

    def _operation_finished(self, call: OperationCall, outcome: OperationOutcome) -> None:
        super()._operation_finished(call, outcome)
        self.events.append(f"end:{call.operation}:{outcome.succeeded}")


class NodeHookedEffect(NodeEchoEffect, _Recorder):
    def __init__(self, container: ModelONEXContainer) -> None:
        self.events = []
        super().__init__(container)


async def test_hooks_see_every_operation_and_lifecycle_step() -> None:
    hooked = NodeHookedEffect(ModelONEXContainer())
    await hooked.initialize()
    await hooked.execute_effect({"operation": "echo"})
    with pytest.raises(ModelOnexError):
        await hooked.execute_effect({"operation": "fail"})
    await hooked.shutdown()
    assert hooked.events == [
        "init",
        "start:echo",
        "end:echo:True",
        "start:fail",
        "end:fail:False",
        "shutdown",
    ]


class _BrokenStart(NodeBase):
    cleaned: bool = False

    async def _on_initialize(self) -> None:
        await super()._on_initialize()
        raise ConnectionError("database unreachable")

    async def _on_shutdown(self) -> None:
        type(self).cleaned = True
        await super()._on_shutdown()


class NodeBrokenEffect(NodeEchoEffect, _BrokenStart):
    pass


async def test_failed_initialize_cleans_up_and_raises_onex_error() -> None:
    broken = NodeBrokenEffect(ModelONEXContainer())
    with pytest.raises(ModelOnexError) as info:
        await broken.initialize()
    assert info.value.error_code is EnumCoreErrorCode.INTERNAL_ERROR
    assert info.value.details["phase"] == "initialize"
    assert NodeBrokenEffect.cleaned
    assert not broken.is_running


class _YieldingRecorder(_Recorder):
    """Yields to the loop inside its hooks, so concurrent calls interleave."""

    async def _on_initialize(self) -> None:
        await asyncio.sleep(0)
        await super()._on_initialize()

    async def _on_shutdown(self) -> None:
        await asyncio.sleep(0)
        await super()._on_shutdown()


class NodeYieldingEffect(NodeEchoEffect, _YieldingRecorder):
    def __init__(self, container: ModelONEXContainer) -> None:
        self.events = []
        super().__init__(container)


async def test_concurrent_initialize_and_shutdown_run_the_hooks_once() -> None:
    node = NodeYieldingEffect(ModelONEXContainer())
    await asyncio.gather(node.initialize(), node.initialize())
    await asyncio.gather(node.shutdown(), node.shutdown())
    assert node.events == ["init", "shutdown"]


async def test_shutdown_waits_for_running_operations() -> None:
    node = NodeEchoEffect(ModelONEXContainer())
    await node.initialize()
    running = asyncio.create_task(node.dispatch(node.router, "slow", {}))
    await asyncio.sleep(0)
    assert node.operations_in_flight == 1
    stopping = asyncio.create_task(node.shutdown())
    await asyncio.sleep(0)
    assert not node.is_running
    assert not stopping.done()
    with pytest.raises(ModelOnexError):  # new work is refused while draining
        await node.execute_effect({"operation": "echo"})
    node.release.set()
    assert await running == {}
    await stopping
    assert node.operations_in_flight == 0


async def test_shutdown_stops_waiting_after_the_drain_timeout() -> None:
    node = NodeEchoEffect(ModelONEXContainer())
    await node.initialize()
    running = asyncio.create_task(node.dispatch(node.router, "slow", {}))
    await asyncio.sleep(0)
    with capture_log_events() as events:
        await node.shutdown(drain_timeout_seconds=0.01)
    assert "node.shutdown.operations_still_running" in [e.message for e in events]
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
