"""View records built from the run-history store for the web pages.

Everything here is plain data (frozen dataclasses); the templates draw it and
escape every string that came from the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from omninode_bridge.persistence import RunDetail, RunRecord, ValidationRecord
from omninode_bridge.web.timeline import peak_parallel, step_parallelism

__all__ = [
    "EventRow",
    "FileFindings",
    "RunRow",
    "StageSeries",
    "build_events",
    "findings_by_file",
    "run_row",
    "stage_series",
]


@dataclass(frozen=True, slots=True)
class RunRow:
    """One line of the runs table; None is shown as a dash."""

    run_id: str
    workflow_id: str
    status: str
    started_at: datetime
    duration_ms: float | None
    contracts: int | None
    workers: int | None
    parallelism: float | None
    peak_parallel: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class EventRow:
    """A lifecycle event of a run, rebuilt from the stored stage and step times."""

    at: datetime
    offset_ms: float
    event: str
    stage_id: str | None
    step_id: str | None
    status: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FileFindings:
    """A file the run touched with the validation results recorded against it."""

    path: str
    action: str | None
    size_bytes: int | None
    results: tuple[ValidationRecord, ...]

    @property
    def passed(self) -> bool | None:
        """All results passed; None when nothing was validated."""
        return all(r.passed for r in self.results) if self.results else None


@dataclass(frozen=True, slots=True)
class StageSeries:
    """Durations of one stage over runs (oldest first); None where the run lacks it."""

    stage_id: str
    durations_ms: tuple[float | None, ...]


def _int_field(metadata: Mapping[str, Any], *names: str) -> int | None:
    for name in names:
        value = metadata.get(name)
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            return value
        if isinstance(value, list | tuple):
            return len(value)
    return None


def _float_field(metadata: Mapping[str, Any], name: str) -> float | None:
    value = metadata.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def run_row(run: RunRecord, detail: RunDetail | None, *, now: datetime) -> RunRow:
    """The table row for ``run``; ``detail`` adds the step-derived columns."""
    metadata = run.metadata
    parallelism = _float_field(metadata, "parallelism")
    peak: int | None = None
    if detail is not None:
        steps = [s for stage in detail.stages for s in stage.steps]
        peak = peak_parallel(steps, now) if steps else None
        if parallelism is None:
            parallelism = step_parallelism(detail)
    return RunRow(
        run_id=run.run_id,
        workflow_id=run.workflow_id,
        status=run.status,
        started_at=run.started_at,
        duration_ms=run.duration_ms,
        contracts=_int_field(metadata, "contracts", "contract_count"),
        workers=_int_field(metadata, "workers", "max_workers", "worker_count"),
        parallelism=parallelism,
        peak_parallel=peak,
        error=run.error,
    )


def build_events(detail: RunDetail) -> list[EventRow]:
    """Run, stage and step start/end events in time order."""
    origin = detail.run.started_at

    def event(
        at: datetime,
        name: str,
        status: str,
        stage: str | None = None,
        step: str | None = None,
        error: str | None = None,
    ) -> EventRow:
        offset = (at - origin).total_seconds() * 1000.0
        return EventRow(at, offset, name, stage, step, status, error)

    run = detail.run
    events = [event(run.started_at, "run.started", "running")]
    for stage in detail.stages:
        events.append(event(stage.started_at, "stage.started", "running", stage.stage_id))
        for s in stage.steps:
            events.append(event(s.started_at, "step.started", "running", s.stage_id, s.step_id))
            if s.completed_at is not None:
                events.append(
                    event(s.completed_at, "step.finished", s.status, s.stage_id, s.step_id, s.error)
                )
        if stage.completed_at is not None:
            events.append(
                event(
                    stage.completed_at,
                    "stage.finished",
                    stage.status,
                    stage.stage_id,
                    None,
                    stage.error,
                )
            )
    if run.completed_at is not None:
        events.append(event(run.completed_at, "run.finished", run.status, error=run.error))
    events.sort(key=lambda e: e.at)
    return events


def findings_by_file(detail: RunDetail) -> list[FileFindings]:
    """Every file written or validated, with its validation results."""
    results: dict[str, list[ValidationRecord]] = defaultdict(list)
    for record in detail.validations:
        results[record.target].append(record)
    files = {f.path: f for f in detail.files}
    paths = sorted(set(files) | set(results))
    return [
        FileFindings(
            path=path,
            action=files[path].action if path in files else None,
            size_bytes=files[path].size_bytes if path in files else None,
            results=tuple(results.get(path, ())),
        )
        for path in paths
    ]


def stage_series(details: Sequence[RunDetail]) -> list[StageSeries]:
    """Per stage, its duration in each run (``details`` oldest first)."""
    order: dict[str, None] = {}
    for detail in details:
        for stage in detail.stages:
            order.setdefault(stage.stage_id, None)
    series = []
    for stage_id in order:
        durations = []
        for detail in details:
            match = next((s for s in detail.stages if s.stage_id == stage_id), None)
            durations.append(match.duration_ms if match is not None else None)
        series.append(StageSeries(stage_id, tuple(durations)))
    return series
