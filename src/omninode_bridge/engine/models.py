"""Records of the staged parallel executor: stages, steps and their results."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from omninode_bridge.errors import StageTimeoutError, WorkflowFailedError

#: The value of a speedup field nobody measured: NaN, so it formats (``nan``)
#: where the seed examples print it, and never passes for a measurement.
NOT_MEASURED = math.nan


def measured_or_none(value: float) -> float | None:
    """``value``, or None when it is :data:`NOT_MEASURED` (for JSON and tables)."""
    return None if math.isnan(value) else value


__all__ = [
    "NOT_MEASURED",
    "AIQuorumConfig",
    "EnumStageStatus",
    "EnumStepStatus",
    "EnumStepType",
    "ExecutorStatistics",
    "StageResult",
    "StagedExecutorConfig",
    "StepHandler",
    "StepResult",
    "TemplateManagerConfig",
    "ValidationPipelineConfig",
    "WorkflowConfig",
    "WorkflowResult",
    "WorkflowStage",
    "WorkflowStep",
    "measured_or_none",
]


class EnumStageStatus(str, Enum):
    """Status of a stage."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"


class EnumStepStatus(str, Enum):
    """Status of a step."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class EnumStepType(str, Enum):
    """How a step runs relative to the other steps of its stage.

    PARALLEL steps next to each other run concurrently (up to the executor's
    ``max_parallel_tasks``). A SEQUENTIAL step is a barrier: it starts after
    every earlier step of the stage finished, and later steps wait for it.
    """

    SEQUENTIAL = "sequential"
    PARALLEL = "parallel"


StepHandler = Callable[["WorkflowStep", dict[str, Any]], Awaitable[Mapping[str, Any] | None]]


@dataclass(frozen=True, slots=True)
class WorkflowStep:
    """Single step within a workflow stage.

    Attributes:
        step_id: Unique step identifier (unique across the whole workflow).
        step_type: SEQUENTIAL or PARALLEL.
        handler: ``async def handler(step, context) -> dict``.
        context: Step-specific context data; merged into the handler's context
            and also available there as ``context["step_context"]``.
        timeout_seconds: Maximum time for one attempt.
        retry_count: Extra attempts after a failure or timeout.
    """

    step_id: str
    step_type: EnumStepType
    handler: StepHandler
    context: dict[str, Any] = field(default_factory=dict)
    timeout_seconds: float = 60
    retry_count: int = 0


@dataclass(frozen=True, slots=True)
class WorkflowStage:
    """Single stage in the workflow pipeline.

    Attributes:
        stage_id: Unique stage identifier.
        stage_number: Sequence number; stages run in ascending order.
        steps: Steps to execute in this stage.
        dependencies: Stage ids this stage depends on; it is skipped when one
            of them failed or was skipped.
        timeout_seconds: Maximum execution time for this stage (the executor's
            ``stage_timeout_seconds`` caps it).
        allow_partial_failure: The stage completes as long as at least one of
            its steps succeeds; failed steps are still reported in ``errors``.
    """

    stage_id: str
    stage_number: int
    steps: list[WorkflowStep]
    dependencies: list[str] = field(default_factory=list)
    timeout_seconds: float = 300
    allow_partial_failure: bool = False


@dataclass(frozen=True, slots=True)
class StepResult:
    """Outcome of one step."""

    step_id: str
    stage_id: str
    status: EnumStepStatus
    result: Mapping[str, Any] | None = None
    error: str | None = None
    error_type: str | None = None
    attempts: int = 0
    duration_ms: float = 0.0

    @property
    def succeeded(self) -> bool:
        """True when the step completed."""
        return self.status is EnumStepStatus.COMPLETED


@dataclass(frozen=True, slots=True)
class StageResult:
    """Outcome of one stage.

    Attributes:
        stage_id: Stage identifier.
        stage_number: Its sequence number.
        status: COMPLETED, FAILED or SKIPPED.
        step_results: One record per step, in declaration order.
        duration_ms: Wall time of the stage.
        speedup_ratio: Measured speedup against a one-worker baseline; NaN
            (not measured) for a stage: only whole runs get a baseline
            (:attr:`WorkflowResult.overall_speedup`).
        error: Why the stage failed or was skipped.
        timed_out: Whether the stage hit its timeout.
        timeout_seconds: The timeout the stage ran under.
        parallelism: Sum of step durations over stage wall time: how many
            steps were in flight on average, not how much faster it ran.
    """

    stage_id: str
    stage_number: int
    status: EnumStageStatus
    step_results: list[StepResult]
    duration_ms: float
    speedup_ratio: float = NOT_MEASURED
    error: str | None = None
    timed_out: bool = False
    timeout_seconds: float | None = None
    parallelism: float = 1.0

    @property
    def total_steps(self) -> int:
        """Number of steps in the stage."""
        return len(self.step_results)

    @property
    def completed_steps(self) -> int:
        """Steps that completed."""
        return sum(1 for r in self.step_results if r.status is EnumStepStatus.COMPLETED)

    successful_steps = completed_steps

    @property
    def failed_steps(self) -> int:
        """Steps that failed, timed out or were cancelled."""
        return sum(
            1
            for r in self.step_results
            if r.status in (EnumStepStatus.FAILED, EnumStepStatus.CANCELLED)
        )


@dataclass(frozen=True, slots=True)
class WorkflowResult:
    """Result of a workflow execution.

    ``execute_workflow`` returns this record for every run that could start,
    failed or not; call :meth:`raise_for_failure` to turn a failed run into an
    exception (``StageTimeoutError`` for a stage timeout, else
    ``WorkflowFailedError``).

    Attributes:
        workflow_id: Workflow identifier.
        success: Whether every stage completed.
        stage_results: Results from each stage, in execution order.
        total_duration_ms: Wall time of the run.
        overall_speedup: Wall time of a baseline run of the same workflow with
            one worker over this run's wall time, when the caller measured one
            (``execute_workflow(..., baseline_ms=...)`` or
            ``StagedParallelExecutor.measure_speedup``); NaN (formats as
            ``nan``) when no baseline was measured. Never an estimate.
        failed_stage: Id of the first failed stage, if any.
        errors: One line per failed step, failed stage and skipped stage.
        generated_files: Paths collected from step results' ``generated_files``
            (list) and ``generated_file`` (str) keys.
        correlation_id: Correlation id of the run.
        parallelism: Sum of step durations over wall time (average steps in
            flight). With CPU-bound steps sharing one core it can be high while
            the run is no faster; compare ``overall_speedup`` for that.
    """

    workflow_id: str
    success: bool
    stage_results: list[StageResult]
    total_duration_ms: float
    overall_speedup: float = NOT_MEASURED
    failed_stage: str | None = None
    errors: list[str] = field(default_factory=list)
    generated_files: list[str] = field(default_factory=list)
    correlation_id: str | None = None
    parallelism: float = 1.0

    @property
    def speedup_measured(self) -> bool:
        """Whether :attr:`overall_speedup` is a measured ratio (not NaN)."""
        return not math.isnan(self.overall_speedup)

    @property
    def step_results(self) -> dict[str, StepResult]:
        """Every step's record by step id."""
        return {s.step_id: s for stage in self.stage_results for s in stage.step_results}

    def get_stage(self, stage_id: str) -> StageResult | None:
        """The result of ``stage_id``, or None when it did not run."""
        return next((s for s in self.stage_results if s.stage_id == stage_id), None)

    def raise_for_failure(self) -> WorkflowResult:
        """Return self when successful; raise otherwise.

        Raises:
            StageTimeoutError: The failed stage timed out.
            WorkflowFailedError: Any other failure; carries this result.
        """
        if self.success:
            return self
        stage = self.get_stage(self.failed_stage) if self.failed_stage else None
        if stage is not None and stage.timed_out:
            raise StageTimeoutError(stage.stage_id, stage.timeout_seconds or 0, result=self)
        raise WorkflowFailedError(self)


@dataclass(frozen=True, slots=True)
class ExecutorStatistics:
    """Totals over an executor's lifetime (``get_statistics()`` builds its dict from this)."""

    total_workflows: int
    successful_workflows: int
    failed_workflows: int
    total_stages: int
    total_steps: int
    failed_steps: int
    total_retries: int
    avg_workflow_duration_ms: float
    avg_stage_duration_ms: float
    avg_speedup: float
    avg_stage_transition_ms: float
    avg_parallelism: float = 1.0


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StagedExecutorConfig(_Section):
    """``WORKFLOW_CONFIG["staged_executor"]``."""

    max_parallel_tasks: int = Field(default=10, ge=1)
    stage_timeout_seconds: float = Field(default=300, gt=0)
    enable_fast_fail: bool = True


class TemplateManagerConfig(_Section):
    """``WORKFLOW_CONFIG["template_manager"]``."""

    cache_size: int = Field(default=100, ge=1)
    template_dir: str = "./templates"


class ValidationPipelineConfig(_Section):
    """``WORKFLOW_CONFIG["validation_pipeline"]``."""

    enable_fast_fail: bool = False
    quality_threshold: float = Field(default=0.7, ge=0.0, le=1.0)


class AIQuorumConfig(_Section):
    """``WORKFLOW_CONFIG["ai_quorum"]``."""

    enabled: bool = False
    pass_threshold: float = Field(default=0.6, ge=0.0, le=1.0)
    min_participating_weight: float = Field(default=3.0, ge=0.0)


class WorkflowConfig(_Section):
    """Typed form of the integration guide's ``WORKFLOW_CONFIG`` dictionaries.

    Example:
        ```python
        config = WorkflowConfig.model_validate(WORKFLOW_CONFIG)
        executor = StagedParallelExecutor.from_config(WORKFLOW_CONFIG, scheduler=scheduler)
        ```
    """

    staged_executor: StagedExecutorConfig = StagedExecutorConfig()
    template_manager: TemplateManagerConfig = TemplateManagerConfig()
    validation_pipeline: ValidationPipelineConfig = ValidationPipelineConfig()
    ai_quorum: AIQuorumConfig = AIQuorumConfig()
