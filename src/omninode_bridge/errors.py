"""One exception tree for the whole package.

Every error this package raises on purpose derives from :class:`OmniNodeError`,
so callers can catch the whole family with one clause. Names documented by the
seed API (``WorkflowException``, ``ValidationException``, ``QuorumException``)
keep their documented spelling and sit inside the tree::

    OmniNodeError
    ├── ConfigError                  bad configuration file or environment value
    ├── WorkflowException            engine errors (seed name)
    │   ├── WorkerPoolError          the worker processes could not start or died
    │   ├── WorkflowDefinitionError  invalid stages/steps (also a ValueError)
    │   ├── CycleError               dependency cycle, names the cycle (also a ValueError)
    │   ├── StageTimeoutError        a stage exceeded its timeout (also a TimeoutError)
    │   ├── StageFailedError         execute_stage: a step failed, carries the StageResult
    │   ├── StepTimeoutError         a step exceeded its timeout (also a TimeoutError)
    │   └── WorkflowFailedError      fast-fail stop, carries the WorkflowResult
    ├── ContractError                a contract or PRD could not be loaded; lists problems
    │   ├── ContractValidationError  carries every problem as file:line: field: message
    │   └── MixinError               unknown mixin, bad mixin config, missing required mixin
    ├── TemplateError                template missing or failed to render
    │   └── TemplateRenderError      a render failed; names the undefined variable
    ├── GenerationError              the generator could not produce or write a package
    ├── ValidationException          validation pipeline errors (seed name)
    ├── QuorumException              AI quorum errors (seed name)
    │   └── InsufficientParticipationError
    ├── PersistenceError             store could not be opened, migrated or written
    ├── EventBusError                event bus publish/consume failures
    └── ObservabilityError           monitoring, alerting or health-check failures

The Python built-ins mixed into some classes (``ValueError``, ``TimeoutError``)
let code written against the seed docstrings ("Raises: ValueError, TimeoutError")
keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "ConfigError",
    "ContractError",
    "ContractProblem",
    "ContractValidationError",
    "CycleError",
    "EventBusError",
    "FailedRun",
    "FailedStage",
    "GenerationError",
    "InsufficientParticipationError",
    "MixinError",
    "MixinProblem",
    "ObservabilityError",
    "OmniNodeError",
    "PersistenceError",
    "QuorumException",
    "StageFailedError",
    "StageTimeoutError",
    "StepTimeoutError",
    "TemplateError",
    "TemplateRenderError",
    "ValidationException",
    "WorkerPoolError",
    "WorkflowDefinitionError",
    "WorkflowException",
    "WorkflowFailedError",
]


class OmniNodeError(Exception):
    """Root of every error raised on purpose by omninode-bridge."""


class ConfigError(OmniNodeError):
    """A configuration file or environment value is invalid."""


class WorkflowException(OmniNodeError):
    """Base exception for workflow errors."""


class WorkerPoolError(WorkflowException):
    """The worker processes could not start or died; every call waiting on them gets this."""


class WorkflowDefinitionError(WorkflowException, ValueError):
    """The stages or steps handed to the executor are invalid."""


class CycleError(WorkflowDefinitionError):
    """The dependency graph has a cycle.

    Attributes:
        cycle: The node ids along the cycle, first id repeated at the end.
    """

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = list(cycle)
        super().__init__(f"Dependency cycle: {' -> '.join(self.cycle)}")


class StageTimeoutError(WorkflowException, TimeoutError):
    """Raised when stage execution exceeds timeout.

    Attributes:
        result: The run's ``WorkflowResult`` when a whole workflow was stopped
            by the timeout, the stage's ``StageResult`` when
            ``execute_stage`` ran it alone (``None`` otherwise).
    """

    def __init__(
        self,
        stage_id: str,
        timeout_seconds: float,
        *,
        result: FailedRun | FailedStage | None = None,
    ) -> None:
        self.stage_id = stage_id
        self.timeout_seconds = timeout_seconds
        self.result = result
        super().__init__(f"Stage '{stage_id}' exceeded timeout of {timeout_seconds}s")


class StepTimeoutError(WorkflowException, TimeoutError):
    """Raised when one step exceeds its own timeout."""

    def __init__(self, step_id: str, timeout_seconds: float) -> None:
        self.step_id = step_id
        self.timeout_seconds = timeout_seconds
        super().__init__(f"Step '{step_id}' exceeded timeout of {timeout_seconds}s")


class FailedRun(Protocol):
    """What :class:`WorkflowFailedError` reads from the failed run.

    :class:`omninode_bridge.engine.models.WorkflowResult` satisfies it; the
    protocol keeps this module at the bottom of the import graph.
    """

    @property
    def workflow_id(self) -> str: ...
    @property
    def failed_stage(self) -> str | None: ...
    @property
    def errors(self) -> Sequence[str]: ...


class FailedStage(Protocol):
    """What :class:`StageFailedError` reads from the failed stage.

    :class:`omninode_bridge.engine.models.StageResult` satisfies it.
    """

    @property
    def stage_id(self) -> str: ...
    @property
    def error(self) -> str | None: ...


class StageFailedError(WorkflowException, RuntimeError):
    """Raised by ``execute_stage`` when a step of the stage failed.

    Attributes:
        result: The failed :class:`~omninode_bridge.engine.models.StageResult`
            (every step's record, the failed ones with their error).
    """

    def __init__(self, result: FailedStage) -> None:
        self.result = result
        super().__init__(f"Stage '{result.stage_id}' failed: {result.error or 'unknown error'}")


class WorkflowFailedError(WorkflowException, RuntimeError):
    """Raised by ``WorkflowResult.raise_for_failure()`` for a failed run.

    Attributes:
        result: The failed :class:`~omninode_bridge.engine.models.WorkflowResult`.
    """

    def __init__(self, result: FailedRun) -> None:
        self.result = result
        detail = "; ".join(result.errors) or "unknown error"
        super().__init__(
            f"Workflow '{result.workflow_id}' failed at stage '{result.failed_stage}': {detail}"
        )


class ContractError(OmniNodeError):
    """A contract or PRD could not be loaded; the message lists every problem."""


@dataclass(frozen=True, slots=True)
class ContractProblem:
    """One thing wrong with one contract.

    Attributes:
        file: The file as the user named it (or ``<string>`` for text input).
        line: 1-based line of the field, ``None`` when unknown.
        field: Dotted field path (``mixins[0].config.check_interval_ms``);
            empty for the whole document.
        message: What is wrong and what was expected.
        warning: ``True`` for input that is kept but not understood (an
            unknown field, say): reported, not refused, unless loading is strict.
    """

    file: str
    line: int | None
    field: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        message = f"warning: {self.message}" if self.warning else self.message
        return f"{where}: {self.field}: {message}" if self.field else f"{where}: {message}"

    def as_error(self) -> ContractProblem:
        """The same problem as an error (``--strict``)."""
        return ContractProblem(self.file, self.line, self.field, self.message)

    def to_json(self) -> dict[str, object]:
        """A JSON-ready mapping (``--json`` output)."""
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}

    def sort_key(self) -> tuple[str, int, str, str]:
        """Order by file, then line, then field."""
        return (self.file, self.line or 0, self.field, self.message)


class ContractValidationError(ContractError):
    """A contract error that carries its problems, one per line in the message.

    Attributes:
        problems: Every problem found (file, line, field, message), ordered by
            file and line.
    """

    def __init__(self, message: str, problems: tuple[ContractProblem, ...]) -> None:
        self.problems = problems
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class MixinProblem:
    """One problem with one mixin declaration.

    Attributes:
        mixin: The mixin name as declared.
        message: What is wrong, in one sentence.
        index: Position of the declaration in the contract's mixin list, when known.
        path: Field path inside the mixin's ``config`` (empty for the declaration itself).
        suggestions: Close matches (known mixin names or config keys).
    """

    mixin: str
    message: str
    index: int | None = None
    path: tuple[str | int, ...] = ()
    suggestions: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"mixins[{self.index}] " if self.index is not None else ""
        field = ".".join(str(part) for part in self.path)
        field = f"config.{field}: " if field else ""
        return f"{where}{self.mixin}: {field}{self.message}"


class MixinError(ContractError):
    """Declared mixins are unknown, misconfigured, or miss mixins they require.

    Attributes:
        problems: Every problem found, in declaration order.
    """

    def __init__(self, problems: list[MixinProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems) or "invalid mixins")


class TemplateError(OmniNodeError):
    """A template is missing or failed to render."""


class TemplateRenderError(TemplateError):
    """A template failed to render; ``variable`` names the undefined variable, if that was it.

    Attributes:
        template_id: The template rendered.
        variable: The context variable the template needed and did not get
            (``None`` when the render failed for another reason).
    """

    def __init__(self, message: str, *, template_id: str, variable: str | None = None) -> None:
        self.template_id = template_id
        self.variable = variable
        super().__init__(message)


class GenerationError(OmniNodeError):
    """The generator could not produce or write a node package."""


class ValidationException(OmniNodeError):
    """Base exception for validation errors."""


class QuorumException(OmniNodeError):
    """Base exception for quorum errors."""


class InsufficientParticipationError(QuorumException):
    """Raised when too many models fail to participate."""

    def __init__(self, participating: float, minimum: float) -> None:
        self.participating = participating
        self.minimum = minimum
        super().__init__(f"Insufficient participation: {participating} < {minimum}")


class PersistenceError(OmniNodeError):
    """The store could not be opened, migrated, read or written."""


class EventBusError(OmniNodeError):
    """Publishing to or consuming from an event bus failed."""


class ObservabilityError(OmniNodeError):
    """Monitoring, alerting or health checking failed."""
