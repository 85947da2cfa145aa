"""Typed records of the run history read back from the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "FileRecord",
    "RunDetail",
    "RunRecord",
    "StageRecord",
    "StepRecord",
    "ValidationRecord",
]


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One workflow run.

    ``status`` is ``running`` until the run's completion or failure is
    recorded; a run whose process died stays ``running`` until
    ``OmniNodePersistence.mark_interrupted_runs`` marks it ``interrupted``.
    """

    run_id: str
    workflow_id: str
    status: str
    started_at: datetime
    completed_at: datetime | None = None
    duration_ms: float | None = None
    correlation_id: str | None = None
    error: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step of a stage."""

    stage_id: str
    step_id: str
    status: str
    started_at: datetime
    completed_at: datetime | None = None
    duration_ms: float | None = None
    attempts: int = 1
    error: str | None = None


@dataclass(frozen=True, slots=True)
class StageRecord:
    """One stage of a run, with its steps in start order."""

    stage_id: str
    stage_number: int | None
    status: str
    started_at: datetime
    completed_at: datetime | None = None
    duration_ms: float | None = None
    error: str | None = None
    steps: tuple[StepRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A file a run wrote (or left unchanged)."""

    path: str
    action: str
    sha256: str | None = None
    size_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class ValidationRecord:
    """One validation result of a run."""

    target: str
    validator: str
    passed: bool
    score: float | None = None
    issues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RunDetail:
    """A run with its stages, files and validation results."""

    run: RunRecord
    stages: tuple[StageRecord, ...] = ()
    files: tuple[FileRecord, ...] = ()
    validations: tuple[ValidationRecord, ...] = ()
