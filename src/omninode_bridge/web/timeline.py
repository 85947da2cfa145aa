"""Lay a run's stages and steps out as a Gantt chart (drawn as SVG by a template).

Every stage gets a row with its own bar; below it the stage's steps sit in as
many lanes as ran at once (interval partitioning: a step goes into the first
lane that is free when it starts). The x axis is milliseconds since the run
started, so the chart shows where the time went and what overlapped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from omninode_bridge.persistence import RunDetail, StageRecord, StepRecord

__all__ = [
    "Timeline",
    "TimelineBar",
    "TimelineRow",
    "TimelineTick",
    "build_timeline",
    "peak_parallel",
    "step_parallelism",
]

LABEL_WIDTH = 170
PLOT_WIDTH = 760
ROW_HEIGHT = 22
AXIS_HEIGHT = 28
BAR_PAD = 3


@dataclass(frozen=True, slots=True)
class TimelineBar:
    """One stage or step drawn as a bar; coordinates are SVG user units."""

    label: str
    kind: str
    status: str
    x: float
    width: float
    start_ms: float
    duration_ms: float | None
    attempts: int = 1
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """A horizontal lane: a stage's own bar, or one lane of its parallel steps."""

    label: str
    kind: str
    y: float
    bars: tuple[TimelineBar, ...]


@dataclass(frozen=True, slots=True)
class TimelineTick:
    """An axis tick at ``x`` labelled with milliseconds since the run started."""

    x: float
    label: str


@dataclass(frozen=True, slots=True)
class Timeline:
    """The laid-out chart: rows, axis ticks and the SVG size."""

    rows: tuple[TimelineRow, ...]
    ticks: tuple[TimelineTick, ...]
    width: float
    height: float
    span_ms: float
    label_width: float = LABEL_WIDTH
    row_height: float = ROW_HEIGHT
    axis_height: float = AXIS_HEIGHT
    bar_pad: float = BAR_PAD


def _ms(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() * 1000.0


def _end_of(started: datetime, completed: datetime | None, now: datetime) -> datetime:
    return completed if completed is not None else max(now, started)


def _span_end(detail: RunDetail, now: datetime) -> datetime:
    run = detail.run
    ends = [_end_of(run.started_at, run.completed_at, now)]
    for stage in detail.stages:
        ends.append(_end_of(stage.started_at, stage.completed_at, now))
        ends.extend(_end_of(s.started_at, s.completed_at, now) for s in stage.steps)
    return max(ends)


def assign_lanes(steps: Iterable[StepRecord], now: datetime) -> list[list[StepRecord]]:
    """Steps in start order, each in the first lane free when it starts."""
    lanes: list[list[StepRecord]] = []
    lane_ends: list[datetime] = []
    for step in sorted(steps, key=lambda s: (s.started_at, s.step_id)):
        end = _end_of(step.started_at, step.completed_at, now)
        for index, lane_end in enumerate(lane_ends):
            if lane_end <= step.started_at:
                lanes[index].append(step)
                lane_ends[index] = end
                break
        else:
            lanes.append([step])
            lane_ends.append(end)
    return lanes


def _ticks(span_ms: float, scale: float) -> tuple[TimelineTick, ...]:
    count = 5
    return tuple(
        TimelineTick(
            x=LABEL_WIDTH + span_ms * i / count * scale,
            label=f"{span_ms * i / count:.0f} ms",
        )
        for i in range(count + 1)
    )


def build_timeline(detail: RunDetail, *, now: datetime) -> Timeline:
    """Lay out ``detail``; unfinished stages and steps extend to ``now``."""
    origin = detail.run.started_at
    span_ms = max(_ms(origin, _span_end(detail, now)), 1.0)
    scale = PLOT_WIDTH / span_ms

    def bar(
        label: str, kind: str, record: StageRecord | StepRecord, attempts: int = 1
    ) -> TimelineBar:
        start_ms = max(_ms(origin, record.started_at), 0.0)
        end_ms = _ms(origin, _end_of(record.started_at, record.completed_at, now))
        return TimelineBar(
            label=label,
            kind=kind,
            status=record.status,
            x=LABEL_WIDTH + start_ms * scale,
            width=max((end_ms - start_ms) * scale, 1.5),
            start_ms=start_ms,
            duration_ms=record.duration_ms,
            attempts=attempts,
            error=record.error,
        )

    rows: list[TimelineRow] = []
    y = float(AXIS_HEIGHT)
    for stage in detail.stages:
        rows.append(TimelineRow(stage.stage_id, "stage", y, (bar(stage.stage_id, "stage", stage),)))
        y += ROW_HEIGHT
        for index, lane in enumerate(assign_lanes(stage.steps, now)):
            bars = tuple(bar(s.step_id, "step", s, s.attempts) for s in lane)
            rows.append(TimelineRow(f"lane {index + 1}", "lane", y, bars))
            y += ROW_HEIGHT
    return Timeline(
        rows=tuple(rows),
        ticks=_ticks(span_ms, scale),
        width=LABEL_WIDTH + PLOT_WIDTH + 20,
        height=y + 8,
        span_ms=span_ms,
    )


def peak_parallel(steps: Sequence[StepRecord], now: datetime) -> int:
    """The most steps that were running at the same instant."""
    edges: list[tuple[datetime, int]] = []
    for step in steps:
        edges.append((step.started_at, 1))
        edges.append((_end_of(step.started_at, step.completed_at, now), -1))
    running = peak = 0
    for _, delta in sorted(edges, key=lambda e: (e[0], e[1])):
        running += delta
        peak = max(peak, running)
    return peak


def step_parallelism(detail: RunDetail) -> float | None:
    """Summed step time over the run's wall time: steps in flight on average.

    Not a speedup: steps sharing a core each count the time they waited.

    None until the run has finished and recorded its duration.
    """
    wall = detail.run.duration_ms
    if not wall:
        return None
    total = sum(s.duration_ms or 0.0 for stage in detail.stages for s in stage.steps)
    return total / wall if total else None
