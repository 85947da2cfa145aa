"""Timeline layout: lanes for overlapping steps, peak parallelism, step-time ratio."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omninode_bridge.persistence import RunDetail, RunRecord, StageRecord, StepRecord
from omninode_bridge.web.timeline import (
    LABEL_WIDTH,
    PLOT_WIDTH,
    assign_lanes,
    build_timeline,
    peak_parallel,
    step_parallelism,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _at(ms: float) -> datetime:
    return T0 + timedelta(milliseconds=ms)


def _step(name: str, start: float, end: float | None) -> StepRecord:
    done = end is not None
    return StepRecord(
        "s",
        name,
        "completed" if done else "running",
        _at(start),
        _at(end) if end is not None else None,
        (end - start) if end is not None else None,
    )


def _detail(steps: list[StepRecord], *, run_ms: float | None = 100.0) -> RunDetail:
    run = RunRecord(
        "r",
        "w",
        "completed" if run_ms else "running",
        T0,
        _at(run_ms) if run_ms else None,
        run_ms,
    )
    stage = StageRecord("s", 1, "completed", T0, _at(100), 100.0, steps=tuple(steps))
    return RunDetail(run=run, stages=(stage,))


def test_overlapping_steps_get_separate_lanes_and_later_ones_reuse_a_free_lane() -> None:
    steps = [_step("a", 0, 50), _step("b", 10, 30), _step("c", 40, 90), _step("d", 60, 80)]
    lanes = assign_lanes(steps, now=_at(100))
    assert [[s.step_id for s in lane] for lane in lanes] == [["a", "d"], ["b", "c"]]


def test_peak_parallel_counts_steps_running_at_one_instant() -> None:
    steps = [_step("a", 0, 50), _step("b", 10, 30), _step("c", 20, 40), _step("d", 50, 60)]
    assert peak_parallel(steps, now=_at(100)) == 3


def test_steps_that_touch_end_to_start_are_not_parallel() -> None:
    assert peak_parallel([_step("a", 0, 50), _step("b", 50, 60)], now=_at(100)) == 1


def test_bars_are_placed_on_the_run_time_axis() -> None:
    timeline = build_timeline(_detail([_step("a", 0, 50), _step("b", 50, 100)]), now=_at(500))
    stage_row, lane = timeline.rows
    assert stage_row.label == "s"
    assert [b.label for b in lane.bars] == ["a", "b"]
    assert lane.bars[0].x == LABEL_WIDTH
    assert lane.bars[1].x == LABEL_WIDTH + PLOT_WIDTH / 2
    assert timeline.ticks[-1].label == "100 ms"


def test_unfinished_steps_run_to_now() -> None:
    detail = _detail([_step("a", 0, None)], run_ms=None)
    timeline = build_timeline(detail, now=_at(200))
    assert timeline.span_ms == 200
    [bar] = timeline.rows[1].bars
    assert bar.width == PLOT_WIDTH


def test_step_parallelism_is_summed_step_time_over_wall_time() -> None:
    assert step_parallelism(_detail([_step("a", 0, 100), _step("b", 0, 100)])) == 2.0
    assert step_parallelism(_detail([_step("a", 0, None)], run_ms=None)) is None
