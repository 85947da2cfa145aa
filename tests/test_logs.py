"""Structured logging: JSON lines, correlation ids across tasks and threads, rotation."""

from __future__ import annotations

import asyncio
import io
import logging
import logging.handlers
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from omninode_bridge.agents.coordination import SignalCoordinator
from omninode_bridge.agents.workflows import (
    EnumStepType,
    StagedParallelExecutor,
    WorkflowStage,
    WorkflowStep,
)
from omninode_bridge.logs import (
    STANDARD_KEYS,
    ContextThreadPoolExecutor,
    LogContext,
    RotationConfig,
    async_log_context,
    configure_logging,
    get_correlation_id,
    get_logger,
    log_context,
    run_in_executor_with_context,
    set_global_correlation_id,
    with_log_context,
)

log = get_logger("tests.observability.workflow", component="test-workflow")


def _worker(step_id: str) -> str:
    log.info("worker.thread", step_id=step_id)
    return step_id


async def _fan_out(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
    log.info("fan_out.started", step_id=step.step_id)
    await asyncio.to_thread(_worker, step.step_id)
    await run_in_executor_with_context(None, _worker, step.step_id)
    inner = [asyncio.create_task(asyncio.sleep(0, result=i)) for i in range(2)]
    await asyncio.gather(*inner)
    log.info("fan_out.finished", step_id=step.step_id)
    return {"value": len(step.step_id)}


async def _collect(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
    log.info("collect", inputs=len(context["step_results"]))
    return {"total": sum(r["value"] for r in context["step_results"].values())}


def _stages(width: int) -> list[WorkflowStage]:
    return [
        WorkflowStage(
            "fan_out",
            1,
            [WorkflowStep(f"step_{i}", EnumStepType.PARALLEL, _fan_out) for i in range(width)],
        ),
        WorkflowStage(
            "collect",
            2,
            [WorkflowStep("collect", EnumStepType.SEQUENTIAL, _collect)],
            dependencies=["fan_out"],
        ),
    ]


async def test_every_line_of_a_workflow_carries_the_correlation_id(log_capture: Any) -> None:
    correlation_id = uuid4()
    executor = StagedParallelExecutor(signal_coordinator=SignalCoordinator(), max_parallel_tasks=4)
    async with async_log_context(correlation_id=correlation_id):
        result = await executor.execute_workflow("traced", _stages(4))
    log.info("after.workflow")
    assert result.success, result.errors
    records = log_capture.records()
    events = [r["event"] for r in records]
    first, last = events.index("workflow.started"), events.index("workflow.finished")
    workflow_lines = records[first : last + 1]
    ours = [r for r in workflow_lines if r["logger"] == "tests.observability.workflow"]
    assert len(ours) == 4 * 4 + 1  # per step: started, 2 worker threads, finished; collect
    thread_lines = [r for r in workflow_lines if r["event"] == "worker.thread"]
    assert len(thread_lines) == 8  # 4 steps x (to_thread + run_in_executor)
    assert {r["step_id"] for r in thread_lines} == {f"step_{i}" for i in range(4)}
    assert sum(r["event"] == "fan_out.finished" for r in workflow_lines) == 4
    assert any(r["logger"].endswith("executor") for r in workflow_lines)
    assert {r["correlation_id"] for r in workflow_lines} == {str(correlation_id)}
    after = next(r for r in records if r["event"] == "after.workflow")
    assert after["correlation_id"] is None


async def test_context_survives_gather_tasks_and_thread_pools(log_capture: Any) -> None:
    pool = ThreadPoolExecutor(max_workers=2)
    context_pool = ContextThreadPoolExecutor(max_workers=2)
    loop = asyncio.get_running_loop()
    try:
        async with async_log_context(correlation_id="c-1", session_id="s-1"):
            await asyncio.gather(
                asyncio.create_task(asyncio.to_thread(_worker, "to_thread")),
                run_in_executor_with_context(pool, _worker, "helper"),
                loop.run_in_executor(context_pool, _worker, "context_pool"),
            )
            plain = await loop.run_in_executor(pool, get_correlation_id)
    finally:
        pool.shutdown()
        context_pool.shutdown()
    records = log_capture.records()
    assert {r["step_id"] for r in records} == {"to_thread", "helper", "context_pool"}
    assert {(r["correlation_id"], r["session_id"]) for r in records} == {("c-1", "s-1")}
    assert plain is None  # a bare run_in_executor does not copy the context


def test_line_has_standard_keys_in_order_then_fields(log_capture: Any) -> None:
    with log_context(correlation_id="abc"):
        get_logger("tests.keys", component="keys").info("thing.done", count=3, metadata={"a": 1})
    [record] = log_capture.records()
    assert list(record)[: len(STANDARD_KEYS)] == list(STANDARD_KEYS)
    assert record["level"] == "info"
    assert record["logger"] == "tests.keys"
    assert record["event"] == "thing.done"
    assert record["component"] == "keys"
    assert record["count"] == 3
    assert record["metadata"] == {"a": 1}
    assert record["timestamp"].endswith("Z")


def test_third_party_stdlib_lines_are_json_with_context(log_capture: Any) -> None:
    with log_context(correlation_id="lib"):
        logging.getLogger("somelib").warning("value %s", 7)
    [record] = log_capture.records()
    assert record["event"] == "value 7"
    assert record["logger"] == "somelib"
    assert record["level"] == "warning"
    assert record["correlation_id"] == "lib"


def test_exception_is_rendered_into_the_line(log_capture: Any) -> None:
    try:
        raise KeyError("missing")
    except KeyError:
        get_logger("tests.exc").exception("failed")
    [record] = log_capture.records()
    assert record["level"] == "error"
    assert "KeyError: 'missing'" in record["exception"]


def test_log_context_restores_outer_values_and_skips_none() -> None:
    with log_context(correlation_id="outer", component="a"):
        with log_context(correlation_id="inner", session_id=None):
            assert get_correlation_id() == "inner"
        assert get_correlation_id() == "outer"
    assert get_correlation_id() is None


def test_uuid_values_are_bound_as_strings() -> None:
    value = uuid4()
    with log_context(correlation_id=value):
        assert get_correlation_id() == str(value)


def test_set_global_correlation_id_binds_until_cleared() -> None:
    set_global_correlation_id("global")
    try:
        assert get_correlation_id() == "global"
    finally:
        set_global_correlation_id(None)
    assert get_correlation_id() is None


async def test_log_context_class_works_sync_and_async() -> None:
    ctx = LogContext(correlation_id="cls")
    with ctx:
        assert get_correlation_id() == "cls"
    async with ctx:
        assert get_correlation_id() == "cls"
    assert get_correlation_id() is None


@pytest.mark.parametrize("as_keyword", [True, False], ids=["keyword", "positional"])
async def test_with_log_context_decorates_async_functions(
    log_capture: Any, as_keyword: bool
) -> None:
    @with_log_context(component="agent-researcher")
    async def research(correlation_id: UUID, query: str) -> str | None:
        get_logger("tests.decorated").info("research", query=query)
        return get_correlation_id()

    cid = uuid4()
    seen = await (research(correlation_id=cid, query="q") if as_keyword else research(cid, "q"))
    assert seen == str(cid)
    [record] = log_capture.records()
    assert record["component"] == "agent-researcher"
    assert record["correlation_id"] == str(cid)
    assert get_correlation_id() is None


def test_with_log_context_decorates_sync_functions() -> None:
    @with_log_context(component="sync", session_id_param="sid")
    def work(*, correlation_id: str, sid: str) -> tuple[str | None, Any]:
        from omninode_bridge.logs import get_log_context

        return get_correlation_id(), get_log_context().get("session_id")

    assert work(correlation_id="c", sid="s") == ("c", "s")


def test_console_renderer_is_used_for_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    root = logging.getLogger()
    level = root.level
    handlers = configure_logging(level="INFO", log_format="auto", stream=stream)
    try:
        get_logger("tests.console").info("hello.console", answer=42)
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
    text = stream.getvalue()
    assert "hello.console" in text
    assert "answer" in text
    assert not text.lstrip().startswith("{")


def test_size_rotation_keeps_backups(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "omninode.log"
    root = logging.getLogger()
    level = root.level
    rotation = RotationConfig(mode="size", max_bytes=2_000, backup_count=2)
    handlers = configure_logging(
        level="INFO", log_format="json", log_file=path, rotation=rotation, stream=io.StringIO()
    )
    try:
        for i in range(100):
            get_logger("tests.rotation").info("line", index=i, padding="x" * 50)
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["omninode.log", "omninode.log.1", "omninode.log.2"]
    assert all(p.stat().st_size <= 2_000 for p in path.parent.iterdir())
    last = path.read_text(encoding="utf-8").splitlines()[-1]
    assert '"index": 99' in last


def test_daily_rotation_uses_a_midnight_utc_handler(tmp_path: Path) -> None:
    handler = RotationConfig.daily_rotation(retention_days=7).handler(tmp_path / "d.log")
    try:
        assert isinstance(handler, logging.handlers.TimedRotatingFileHandler)
        assert handler.when == "MIDNIGHT"
        assert handler.backupCount == 7
        assert handler.utc
    finally:
        handler.close()


def test_rotation_presets() -> None:
    assert RotationConfig.production() == RotationConfig("size", 100 * 1024 * 1024, 30)
    assert RotationConfig.development().max_bytes < RotationConfig.production().max_bytes


def test_level_filters_lower_lines(log_capture: Any) -> None:
    logging.getLogger().setLevel(logging.WARNING)
    get_logger("tests.level").info("hidden")
    get_logger("tests.level").warning("shown")
    assert [r["event"] for r in log_capture.records()] == ["shown"]


# --- the guide's logging examples, as written (imports adapted) -------------------------


async def test_guide_logger_setup_example(log_capture: Any) -> None:
    from uuid import uuid4

    from omninode_bridge.logs import async_log_context, get_logger

    logger = get_logger(__name__, component="my-agent")

    async def perform_work() -> str:
        return "done"

    async def my_workflow(task_id: str) -> str:
        correlation_id = uuid4()

        async with async_log_context(correlation_id=correlation_id):
            logger.info("Workflow started", metadata={"task_id": task_id})

            # All logs automatically include correlation_id
            result = await perform_work()

            logger.info("Workflow completed", metadata={"result": result})

        return result

    assert await my_workflow("t-1") == "done"
    started, completed = log_capture.records()
    assert started["metadata"] == {"task_id": "t-1"}
    assert started["correlation_id"] == completed["correlation_id"] is not None
    assert completed["component"] == "my-agent"


async def test_guide_decorator_and_cross_component_examples(log_capture: Any) -> None:
    from uuid import uuid4

    from omninode_bridge.logs import (
        async_log_context,
        get_logger,
        with_log_context,
    )

    logger = get_logger(__name__)

    async def search(query: str) -> list[str]:
        return [query, query]

    @with_log_context(component="agent-researcher")
    async def research_task(correlation_id: uuid4(), query: str) -> list[str]:  # type: ignore[valid-type]
        logger.info("Research started", metadata={"query": query})

        # Correlation ID automatically propagated
        results = await search(query)

        logger.info("Research completed", metadata={"result_count": len(results)})

        return results

    async def component_a() -> str:
        return await asyncio.sleep(0, result="a")

    async def component_b(value: str) -> str:
        return value + "b"

    async def main_workflow(correlation_id: UUID) -> str:
        # Component A
        async with async_log_context(correlation_id=correlation_id):
            logger.info("Main workflow started")
            result_a = await component_a()

        # Component B (same correlation_id)
        async with async_log_context(correlation_id=correlation_id):
            logger.info("Calling component B")
            result_b = await component_b(result_a)
            logger.info("Component B returned", metadata={"result": result_b})
        return result_b

    cid = uuid4()
    assert await research_task(correlation_id=cid, query="q") == ["q", "q"]
    assert await main_workflow(cid) == "ab"
    records = log_capture.records()
    assert len(records) == 5
    assert {r["correlation_id"] for r in records} == {str(cid)}
    assert records[0]["component"] == "agent-researcher"


async def test_blocking_work_keeps_context_in_context_pool_default_executor(
    log_capture: Any,
) -> None:
    loop = asyncio.get_running_loop()
    pool = ContextThreadPoolExecutor(max_workers=1)
    loop.set_default_executor(pool)
    async with async_log_context(correlation_id="default-pool"):
        await loop.run_in_executor(None, _worker, "default")
    [record] = log_capture.records()
    assert record["correlation_id"] == "default-pool"


def test_configure_logging_reads_settings(tmp_path: Path) -> None:
    from omninode_bridge.config import Settings

    settings = Settings(log_level="WARNING", log_format="json", log_file=tmp_path / "o.log")
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handlers = configure_logging(settings, stream=stream)
    try:
        get_logger("tests.settings").info("dropped")
        get_logger("tests.settings").warning("kept", n=1)
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
    assert len(handlers) == 2
    assert isinstance(handlers[1], logging.handlers.RotatingFileHandler)
    for text in (stream.getvalue(), (tmp_path / "o.log").read_text(encoding="utf-8")):
        [line] = text.splitlines()
        assert '"event": "kept"' in line


def test_package_modules_log_through_get_logger() -> None:
    """Every engine module logs through ``get_logger`` (``onex`` is the runtime that
    generated code imports, which depends on nothing of the engine)."""
    src = Path(__file__).resolve().parents[1] / "src" / "omninode_bridge"
    offenders = [
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if "onex" not in path.parts
        and path.name != "logs.py"
        and "logging.getLogger(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
