"""StagedParallelExecutor behaviour: ordering, concurrency, failures, timeouts."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from omninode_bridge.agents.coordination import SignalCoordinator, SignalType
from omninode_bridge.agents.metrics import MetricsCollector
from omninode_bridge.agents.scheduler import DependencyAwareScheduler, RetryPolicy
from omninode_bridge.agents.workflows import (
    EnumStageStatus,
    EnumStepStatus,
    EnumStepType,
    StagedParallelExecutor,
    StageResult,
    StageTimeoutError,
    WorkflowConfig,
    WorkflowStage,
    WorkflowStep,
)
from omninode_bridge.errors import (
    ConfigError,
    CycleError,
    StageFailedError,
    WorkflowDefinitionError,
    WorkflowFailedError,
)


async def finished(executor: Any, *args: Any, **kwargs: Any) -> Any:
    """The run's WorkflowResult, returned or carried by the error execute_workflow raises."""
    try:
        return await executor.execute_workflow(*args, **kwargs)
    except (WorkflowFailedError, StageTimeoutError) as stopped:
        return stopped.result


P = EnumStepType.PARALLEL
S = EnumStepType.SEQUENTIAL
Handler = Callable[[WorkflowStep, dict[str, Any]], Awaitable[dict[str, Any] | None]]


class FakeSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_executor(**kwargs: Any) -> tuple[StagedParallelExecutor, FakeSleep]:
    sleep = FakeSleep()
    scheduler = DependencyAwareScheduler(
        retry_policy=RetryPolicy(initial_delay=0.5, max_delay=2.0, jitter=0.0), sleep=sleep
    )
    return StagedParallelExecutor(scheduler=scheduler, **kwargs), sleep


def recorder(log: list[str]) -> Handler:
    async def handler(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
        log.append(step.step_id)
        await asyncio.sleep(0)
        return {"step": step.step_id}

    return handler


async def fail(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
    raise ValueError(f"bad input in {step.step_id}")


def stage(stage_id: str, number: int, steps: list[WorkflowStep], **kw: Any) -> WorkflowStage:
    return WorkflowStage(stage_id=stage_id, stage_number=number, steps=steps, **kw)


def step(step_id: str, handler: Handler, step_type: EnumStepType = P, **kw: Any) -> WorkflowStep:
    return WorkflowStep(step_id=step_id, step_type=step_type, handler=handler, **kw)


async def test_stages_run_in_stage_number_order() -> None:
    log: list[str] = []
    ex, _ = make_executor()
    h = recorder(log)
    result = await finished(
        ex, "wf", [stage("b", 2, [step("b1", h)]), stage("a", 1, [step("a1", h)])]
    )
    assert result.success
    assert log == ["a1", "b1"]
    assert [s.stage_id for s in result.stage_results] == ["a", "b"]


async def test_handler_context_carries_workflow_step_and_earlier_results() -> None:
    seen: dict[str, dict[str, Any]] = {}

    async def capture(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
        seen[step.step_id] = context
        return {"value": step.context.get("n", 0) * 10}

    ex, _ = make_executor()
    stages = [
        stage(
            "parse",
            1,
            [step("p1", capture, context={"n": 1}), step("p2", capture, context={"n": 2})],
        ),
        stage(
            "models",
            2,
            [step("m1", capture, context={"contract_id": "c1"})],
            dependencies=["parse"],
        ),
    ]
    result = await finished(ex, "wf", stages, context={"contracts": ["c1"]}, correlation_id="cid")
    assert result.success
    ctx = seen["m1"]
    assert ctx["contracts"] == ["c1"]
    assert ctx["contract_id"] == "c1"
    assert ctx["step_context"] == {"contract_id": "c1"}
    assert ctx["step_results"]["p1"] == {"value": 10}
    assert ctx["step_results"]["p2"] == {"value": 20}
    assert ctx["stage_results"]["parse"].status is EnumStageStatus.COMPLETED
    assert ctx["correlation_id"] == "cid"
    assert ctx["workflow_id"] == "wf"
    assert result.correlation_id == "cid"


async def test_sequential_step_is_a_barrier_within_a_stage() -> None:
    events: list[str] = []

    def tracked(name: str) -> Handler:
        async def handler(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
            events.append(f"start:{name}")
            for _ in range(3):
                await asyncio.sleep(0)
            events.append(f"end:{name}")
            return {"seen": sorted(context["step_results"])}

        return handler

    ex, _ = make_executor()
    steps = [
        step("p1", tracked("p1")),
        step("p2", tracked("p2")),
        step("s1", tracked("s1"), S),
        step("p3", tracked("p3")),
    ]
    result = await finished(ex, "wf", [stage("x", 1, steps)])
    assert result.success
    s1_start = events.index("start:s1")
    assert events.index("end:p1") < s1_start and events.index("end:p2") < s1_start
    assert events.index("end:s1") < events.index("start:p3")
    # p1 and p2 overlapped: both started before either ended.
    assert events.index("start:p2") < events.index("end:p1")
    # A sequential step sees the results of the steps before it in its stage.
    assert result.step_results["s1"].result == {"seen": ["p1", "p2"]}


async def test_all_sequential_steps_run_one_at_a_time_in_order() -> None:
    active = 0
    peak = 0
    order: list[str] = []

    async def handler(step: WorkflowStep, context: dict[str, Any]) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        order.append(step.step_id)
        await asyncio.sleep(0)
        active -= 1

    ex, _ = make_executor()
    await finished(ex, "wf", [stage("x", 1, [step(f"s{i}", handler, S) for i in range(5)])])
    assert peak == 1
    assert order == [f"s{i}" for i in range(5)]


@pytest.mark.parametrize("limit", [1, 3, 7])
async def test_measured_peak_concurrency_never_exceeds_limit(limit: int) -> None:
    active = 0
    peak = 0

    async def handler(step: WorkflowStep, context: dict[str, Any]) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        for _ in range(5):
            await asyncio.sleep(0)
        active -= 1

    ex, _ = make_executor(max_parallel_tasks=limit)
    result = await finished(ex, "wf", [stage("x", 1, [step(f"s{i}", handler) for i in range(40)])])
    assert result.success
    assert peak == limit


async def test_step_timeout_fails_step_and_stage() -> None:
    never = asyncio.Event()

    async def hang(step: WorkflowStep, context: dict[str, Any]) -> None:
        await never.wait()

    ex, _ = make_executor()
    result = await finished(ex, "wf", [stage("x", 1, [step("slow", hang, timeout_seconds=0.01)])])
    assert not result.success
    rec = result.step_results["slow"]
    assert rec.status is EnumStepStatus.FAILED
    assert rec.error_type == "StepTimeoutError"
    assert "exceeded timeout of 0.01s" in (rec.error or "")
    assert result.failed_stage == "x"


async def test_stage_timeout_cancels_running_steps() -> None:
    never = asyncio.Event()
    cancelled: list[str] = []

    async def hang(step: WorkflowStep, context: dict[str, Any]) -> None:
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.append(step.step_id)
            raise

    ex, _ = make_executor(stage_timeout_seconds=0.02)
    steps = [step(f"h{i}", hang) for i in range(3)]
    result = await finished(ex, "wf", [stage("x", 1, steps), stage("y", 2, [step("y1", hang)])])
    assert not result.success
    x = result.stage_results[0]
    assert x.timed_out and x.status is EnumStageStatus.FAILED
    assert x.error == "Stage 'x' exceeded timeout of 0.02s"
    assert sorted(cancelled) == ["h0", "h1", "h2"]
    assert all(s.status is EnumStepStatus.CANCELLED for s in x.step_results)
    assert result.stage_results[1].status is EnumStageStatus.SKIPPED
    with pytest.raises(StageTimeoutError, match="Stage 'x' exceeded timeout"):
        result.raise_for_failure()


async def test_stage_timeout_uses_smaller_of_stage_and_executor_limits() -> None:
    never = asyncio.Event()

    async def hang(step: WorkflowStep, context: dict[str, Any]) -> None:
        await never.wait()

    ex, _ = make_executor(stage_timeout_seconds=300)
    result = await finished(ex, "wf", [stage("x", 1, [step("h", hang)], timeout_seconds=0.01)])
    assert result.stage_results[0].timeout_seconds == 0.01
    assert result.stage_results[0].timed_out


async def test_retries_with_backoff_then_success() -> None:
    attempts: list[int] = []

    async def flaky(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("transient")
        return {"ok": True}

    coordinator = SignalCoordinator()
    ex, sleep = make_executor(signal_coordinator=coordinator)
    result = await finished(ex, "wf", [stage("x", 1, [step("f", flaky, retry_count=3)])])
    assert result.success
    assert result.step_results["f"].attempts == 3
    assert sleep.delays == [0.5, 1.0]
    retried = coordinator.get_signal_history(signal_types=[SignalType.STEP_RETRIED])
    assert [s.data["attempt"] for s in retried] == [1, 2]
    assert ex.get_statistics()["total_retries"] == 2


async def test_retries_exhausted_reports_attempts() -> None:
    ex, sleep = make_executor()
    result = await finished(ex, "wf", [stage("x", 1, [step("f", fail, retry_count=2)])])
    rec = result.step_results["f"]
    assert rec.status is EnumStepStatus.FAILED
    assert rec.attempts == 3
    assert rec.error == "ValueError: bad input in f (after 3 attempts)"
    assert len(sleep.delays) == 2


async def test_fast_fail_cancels_siblings_and_stops_workflow() -> None:
    never = asyncio.Event()
    cancelled: list[str] = []
    later: list[str] = []

    async def hang(step: WorkflowStep, context: dict[str, Any]) -> None:
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.append(step.step_id)
            raise

    ex, _ = make_executor(enable_fast_fail=True)
    steps = [step("h1", hang), step("bad", fail), step("h2", hang)]
    result = await finished(
        ex, "wf", [stage("x", 1, steps), stage("y", 2, [step("later", recorder(later))])]
    )
    assert not result.success
    assert result.failed_stage == "x"
    assert sorted(cancelled) == ["h1", "h2"]
    statuses = {s.step_id: s.status for s in result.stage_results[0].step_results}
    assert statuses == {
        "h1": EnumStepStatus.CANCELLED,
        "bad": EnumStepStatus.FAILED,
        "h2": EnumStepStatus.CANCELLED,
    }
    assert later == []
    assert result.stage_results[1].status is EnumStageStatus.SKIPPED
    assert any("ValueError: bad input in bad" in e for e in result.errors)
    with pytest.raises(WorkflowFailedError, match="failed at stage 'x'"):
        result.raise_for_failure()


async def test_without_fast_fail_stage_finishes_and_only_dependents_skip() -> None:
    ran: list[str] = []
    ex, _ = make_executor(enable_fast_fail=False)
    stages = [
        stage("x", 1, [step("bad", fail), step("ok1", recorder(ran))]),
        stage("dep", 2, [step("dep1", recorder(ran))], dependencies=["x"]),
        stage("indep", 3, [step("indep1", recorder(ran))]),
        stage("dep2", 4, [step("dep2a", recorder(ran))], dependencies=["dep"]),
    ]
    result = await finished(ex, "wf", stages)
    assert not result.success
    assert ran == ["ok1", "indep1"]
    status = {s.stage_id: s.status for s in result.stage_results}
    assert status == {
        "x": EnumStageStatus.FAILED,
        "dep": EnumStageStatus.SKIPPED,
        "indep": EnumStageStatus.COMPLETED,
        "dep2": EnumStageStatus.SKIPPED,
    }
    assert result.get_stage("dep").error == "dependency 'x' failed"  # type: ignore[union-attr]
    assert result.get_stage("dep2").error == "dependency 'dep' skipped"  # type: ignore[union-attr]
    assert "stage 'dep' skipped: dependency 'x' failed" in result.errors


async def test_partial_failure_allowed_completes_stage() -> None:
    ran: list[str] = []
    ex, _ = make_executor(enable_fast_fail=True)
    stages = [
        stage("x", 1, [step("bad", fail), step("ok", recorder(ran))], allow_partial_failure=True),
        stage("y", 2, [step("y1", recorder(ran))], dependencies=["x"]),
    ]
    result = await finished(ex, "wf", stages)
    assert result.success
    x = result.stage_results[0]
    assert x.status is EnumStageStatus.COMPLETED
    assert (x.completed_steps, x.failed_steps, x.total_steps) == (1, 1, 2)
    assert ran == ["ok", "y1"]
    assert any("bad" in e for e in result.errors)


async def test_partial_failure_with_every_step_failed_fails_stage() -> None:
    ex, _ = make_executor()
    result = await finished(
        ex, "wf", [stage("x", 1, [step("a", fail), step("b", fail)], allow_partial_failure=True)]
    )
    assert not result.success
    assert result.failed_stage == "x"


async def test_cycle_between_stages_is_named() -> None:
    ex, _ = make_executor()
    h = recorder([])
    stages = [
        stage("a", 1, [step("a1", h)], dependencies=["c"]),
        stage("b", 2, [step("b1", h)], dependencies=["a"]),
        stage("c", 3, [step("c1", h)], dependencies=["b"]),
    ]
    with pytest.raises(CycleError, match="Dependency cycle: a -> c -> b -> a"):
        await finished(ex, "wf", stages)


@pytest.mark.parametrize(
    ("stages_factory", "message"),
    [
        (lambda h: [], "at least one stage"),
        (
            lambda h: [stage("a", 1, [step("s", h)]), stage("a", 2, [step("t", h)])],
            "duplicate id 'a'",
        ),
        (
            lambda h: [stage("a", 1, [step("s", h)]), stage("b", 2, [step("s", h)])],
            "duplicate step id 's'",
        ),
        (lambda h: [stage("a", 1, [step("s", h)], dependencies=["zz"])], "unknown id 'zz'"),
        (
            lambda h: [
                stage("a", 1, [step("s", h)], dependencies=["b"]),
                stage("b", 2, [step("t", h)]),
            ],
            "which runs later",
        ),
        (lambda h: [stage("a", 1, [step("s", h, retry_count=-1)])], "retry_count"),
        (lambda h: [stage("a", 1, [step("s", h, timeout_seconds=0)])], "timeout_seconds"),
    ],
    ids=["empty", "dup-stage", "dup-step", "unknown-dep", "order", "retry", "timeout"],
)
async def test_invalid_definitions_raise_value_errors(stages_factory: Any, message: str) -> None:
    ex, _ = make_executor()
    with pytest.raises(WorkflowDefinitionError, match=message) as info:
        await finished(ex, "wf", stages_factory(recorder([])))
    assert isinstance(info.value, ValueError)


async def test_nothing_keeps_running_after_return() -> None:
    never = asyncio.Event()
    started = asyncio.Event()

    async def hang(step: WorkflowStep, context: dict[str, Any]) -> None:
        started.set()
        await never.wait()

    ex, _ = make_executor(stage_timeout_seconds=0.02)
    before = asyncio.all_tasks()
    await finished(ex, "wf", [stage("x", 1, [step(f"h{i}", hang) for i in range(5)])])
    assert started.is_set()
    assert asyncio.all_tasks() - before == set()


async def test_cancelling_execute_workflow_cancels_steps() -> None:
    never = asyncio.Event()
    started = asyncio.Event()
    cancelled: list[str] = []

    async def hang(step: WorkflowStep, context: dict[str, Any]) -> None:
        started.set()
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.append(step.step_id)
            raise

    ex, _ = make_executor()
    task = asyncio.create_task(
        ex.execute_workflow("wf", [stage("x", 1, [step(f"h{i}", hang) for i in range(3)])])
    )
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(cancelled) == ["h0", "h1", "h2"]


async def test_statistics_parallelism_and_speedup_are_measured() -> None:
    async def together(step: WorkflowStep, context: dict[str, Any]) -> None:
        await asyncio.sleep(0.05)  # the workload itself: four 50 ms steps side by side

    def stages() -> list[WorkflowStage]:
        return [stage("x", 1, [step(f"s{i}", together) for i in range(4)])]

    ex, _ = make_executor()
    result = await ex.execute_workflow("wf", stages())
    step_sum = sum(s.duration_ms for s in result.stage_results[0].step_results)
    assert result.parallelism == pytest.approx(step_sum / result.total_duration_ms)
    assert result.parallelism > 2.0
    assert result.stage_results[0].parallelism > 2.0
    # no baseline: the speedup is not reported, not guessed from the step times
    assert not result.speedup_measured and math.isnan(result.overall_speedup)
    one, _ = make_executor(max_parallel_tasks=1)
    baseline = await one.execute_workflow("wf-1", stages())
    measured = await ex.execute_workflow("wf", stages(), baseline_ms=baseline.total_duration_ms)
    assert measured.speedup_measured
    assert measured.overall_speedup == pytest.approx(
        baseline.total_duration_ms / measured.total_duration_ms
    )
    assert measured.overall_speedup > 2.0  # four sleeps side by side against one after another
    assert ex.get_statistics()["avg_speedup"] == pytest.approx(measured.overall_speedup)
    await finished(ex, "wf2", [stage("x", 1, [step("f", fail)])])
    stats = ex.get_statistics()
    assert stats["total_workflows"] == 3
    assert stats["successful_workflows"] == 2
    assert stats["failed_workflows"] == 1
    assert stats["total_stages"] == 3
    assert stats["total_steps"] == 9
    assert stats["failed_steps"] == 1
    assert stats["avg_workflow_duration_ms"] > 0
    assert set(stats) >= {"avg_stage_duration_ms", "avg_speedup", "avg_parallelism"}
    assert stats["avg_parallelism"] > 1.0


async def test_signals_cover_lifecycle_in_order() -> None:
    coordinator = SignalCoordinator()
    received: list[tuple[str, str | None]] = []
    coordinator.subscribe(lambda s: received.append((s.signal_type.value, s.step_id)))
    ex, _ = make_executor(signal_coordinator=coordinator)
    await finished(ex, "wf", [stage("x", 1, [step("a", recorder([])), step("b", fail, S)])])
    await coordinator.drain()
    kinds = [k for k, _ in received]
    assert kinds[0] == "workflow_started"
    assert kinds[1] == "stage_started"
    assert ("step_completed", "a") in received
    assert ("step_failed", "b") in received
    assert kinds[-2:] == ["stage_failed", "workflow_failed"]
    assert all(s.correlation_id for s in coordinator.get_signal_history())


async def test_slow_subscriber_does_not_stall_executor() -> None:
    coordinator = SignalCoordinator()
    gate = asyncio.Event()
    got: list[str] = []

    async def slow(signal: Any) -> None:
        await gate.wait()
        got.append(signal.signal_type.value)

    coordinator.subscribe(slow)
    ex, _ = make_executor(signal_coordinator=coordinator)
    result = await finished(ex, "wf", [stage("x", 1, [step("a", recorder([]))])])
    assert result.success
    assert got == []  # the run finished while the subscriber was still blocked
    gate.set()
    await coordinator.drain()
    assert got[0] == "workflow_started" and got[-1] == "workflow_completed"


async def test_metrics_are_recorded() -> None:
    metrics = MetricsCollector()
    ex, _ = make_executor(metrics_collector=metrics)
    await finished(ex, "wf", [stage("x", 1, [step("a", recorder([]))])])
    names = {m.metric_name for m in metrics.get_metrics()}
    assert {
        "workflow_execution_time_ms",
        "workflow_stage_execution_time_ms",
        "workflow_parallelism_ratio",
    } <= names
    assert "workflow_speedup_ratio" not in names  # no baseline measured, nothing reported
    stage_metric = metrics.get_metrics("workflow_stage_execution_time_ms")[0]
    assert stage_metric.tags["stage_id"] == "x"
    assert stage_metric.tags["status"] == "completed"


async def test_generated_files_collected_from_step_results() -> None:
    async def gen(step: WorkflowStep, context: dict[str, Any]) -> dict[str, Any]:
        return {"generated_file": f"{step.step_id}.py", "generated_files": ["shared.py"]}

    ex, _ = make_executor()
    result = await finished(ex, "wf", [stage("x", 1, [step("a", gen), step("b", gen)])])
    assert result.generated_files == ["shared.py", "a.py", "b.py"]


async def test_execute_stage_runs_one_stage() -> None:
    ex, _ = make_executor()
    result = await ex.execute_stage(stage("models", 2, [step("m1", recorder([]))]), {"x": 1})
    assert result.status is EnumStageStatus.COMPLETED
    assert (result.completed_steps, result.total_steps) == (1, 1)


@pytest.mark.parametrize("fast_fail", [True, False])
async def test_execute_stage_raises_runtime_error_carrying_the_stage_result(
    fast_fail: bool,
) -> None:
    ex, _ = make_executor(enable_fast_fail=fast_fail)
    log: list[str] = []
    steps = [step("bad", fail, S), step("after", recorder(log), S)]

    with pytest.raises(RuntimeError) as caught:
        await ex.execute_stage(stage("models", 2, steps), {})

    assert isinstance(caught.value, StageFailedError)
    failed = caught.value.result
    assert isinstance(failed, StageResult)
    assert failed.stage_id == "models" and failed.status is EnumStageStatus.FAILED
    assert failed.step_results[0].status is EnumStepStatus.FAILED
    # Fast-fail stops the stage at the failed step; without it the stage finishes.
    assert log == ([] if fast_fail else ["after"])
    assert "bad input in bad" in str(caught.value)
    assert ex.get_statistics()["total_stages"] == 1


async def test_execute_stage_raises_timeout_error_carrying_the_stage_result() -> None:
    never = asyncio.Event()

    async def hang(step: WorkflowStep, context: dict[str, Any]) -> None:
        await never.wait()

    ex, _ = make_executor()

    with pytest.raises(TimeoutError) as caught:
        await ex.execute_stage(stage("x", 1, [step("h", hang)], timeout_seconds=0.02), {})

    assert isinstance(caught.value, StageTimeoutError)
    assert (caught.value.stage_id, caught.value.timeout_seconds) == ("x", 0.02)
    timed_out = caught.value.result
    assert isinstance(timed_out, StageResult) and timed_out.timed_out
    assert timed_out.step_results[0].status is EnumStepStatus.CANCELLED


async def test_execute_stage_returns_a_partially_failed_stage_that_completes() -> None:
    ex, _ = make_executor()
    steps = [step("ok", recorder([])), step("bad", fail)]

    result = await ex.execute_stage(stage("x", 1, steps, allow_partial_failure=True), {})

    assert result.status is EnumStageStatus.COMPLETED
    assert (result.completed_steps, result.failed_steps) == (1, 1)


def test_workflow_config_dicts_configure_executor() -> None:
    production = {
        "staged_executor": {
            "max_parallel_tasks": 10,
            "stage_timeout_seconds": 300,
            "enable_fast_fail": True,
        },
        "template_manager": {"cache_size": 200, "template_dir": "/opt/templates"},
        "validation_pipeline": {"enable_fast_fail": False, "quality_threshold": 0.8},
        "ai_quorum": {"enabled": True, "pass_threshold": 0.7, "min_participating_weight": 4.0},
    }
    development = {
        "staged_executor": {
            "max_parallel_tasks": 3,
            "stage_timeout_seconds": 60,
            "enable_fast_fail": True,
        },
        "template_manager": {"cache_size": 50, "template_dir": "./templates"},
        "validation_pipeline": {"enable_fast_fail": True, "quality_threshold": 0.6},
        "ai_quorum": {"enabled": False},
    }
    ex = StagedParallelExecutor.from_config(development)
    assert (ex.max_parallel_tasks, ex.stage_timeout_seconds, ex.enable_fast_fail) == (3, 60, True)
    ex2 = StagedParallelExecutor(DependencyAwareScheduler(), **production["staged_executor"])
    assert ex2.max_parallel_tasks == 10
    config = WorkflowConfig.model_validate(production)
    assert config.ai_quorum.min_participating_weight == 4.0
    assert config.template_manager.cache_size == 200


def test_bad_workflow_config_names_the_field() -> None:
    with pytest.raises(ConfigError, match=r"staged_executor\.max_parallel_tasks"):
        StagedParallelExecutor.from_config({"staged_executor": {"max_parallel_tasks": 0}})
    with pytest.raises(ConfigError, match="max_paralel_tasks"):
        StagedParallelExecutor.from_config({"max_paralel_tasks": 3})


async def test_fast_fail_failure_raises_runtime_error_carrying_the_result() -> None:
    ex, _ = make_executor(enable_fast_fail=True)

    with pytest.raises(RuntimeError) as caught:
        await ex.execute_workflow("wf", [stage("x", 1, [step("bad", fail)])])

    assert isinstance(caught.value, WorkflowFailedError)
    assert caught.value.result.failed_stage == "x"
    assert "bad input in bad" in str(caught.value)


async def test_without_fast_fail_a_failed_run_is_returned() -> None:
    ex, _ = make_executor(enable_fast_fail=False)

    result = await ex.execute_workflow("wf", [stage("x", 1, [step("bad", fail)])])

    assert not result.success and result.failed_stage == "x"


@pytest.mark.parametrize("fast_fail", [True, False])
async def test_stage_timeout_raises_timeout_error_with_or_without_fast_fail(
    fast_fail: bool,
) -> None:
    never = asyncio.Event()

    async def hang(step: WorkflowStep, context: dict[str, Any]) -> None:
        await never.wait()

    ex, _ = make_executor(enable_fast_fail=fast_fail)

    with pytest.raises(TimeoutError) as caught:
        await ex.execute_workflow("wf", [stage("x", 1, [step("h", hang)], timeout_seconds=0.02)])

    assert isinstance(caught.value, StageTimeoutError)
    assert caught.value.stage_id == "x"
    assert caught.value.result is not None and not caught.value.result.success
