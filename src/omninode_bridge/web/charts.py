"""Chart geometry for the stats page: horizontal bars and line series, drawn as SVG.

The functions turn numbers into coordinates; the templates draw them, so no
script or external library is needed in the browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omninode_bridge.web.views import StageSeries

__all__ = ["Bar", "BarChart", "LineChart", "LineSeries", "bar_chart", "line_chart"]

BAR_LABEL_WIDTH = 200
BAR_PLOT_WIDTH = 420
BAR_HEIGHT = 22
LINE_WIDTH = 640
LINE_HEIGHT = 220
LINE_MARGIN = 40


@dataclass(frozen=True, slots=True)
class Bar:
    """One labelled bar; ``parts`` are (css class, width) segments stacked left to right."""

    label: str
    text: str
    y: float
    parts: tuple[tuple[str, float, float], ...]


@dataclass(frozen=True, slots=True)
class BarChart:
    """A horizontal bar chart."""

    bars: tuple[Bar, ...]
    width: float
    height: float
    label_width: float = BAR_LABEL_WIDTH
    bar_height: float = BAR_HEIGHT


@dataclass(frozen=True, slots=True)
class LineSeries:
    """One line: its label, colour slot and SVG polyline points."""

    label: str
    slot: int
    points: str


@dataclass(frozen=True, slots=True)
class LineChart:
    """A line chart with a y axis maximum label."""

    series: tuple[LineSeries, ...]
    width: float
    height: float
    margin: float
    y_max_label: str
    runs: int


def bar_chart(
    rows: Sequence[tuple[str, Sequence[tuple[str, float]], str]], *, maximum: float | None = None
) -> BarChart:
    """Bars from ``(label, [(css class, value), ...], text)``; stacked parts share one scale."""
    top = (
        maximum
        if maximum is not None
        else max((sum(v for _, v in p) for _, p, _ in rows), default=0)
    )
    scale = BAR_PLOT_WIDTH / top if top > 0 else 0.0
    bars = []
    for index, (label, parts, text) in enumerate(rows):
        x = float(BAR_LABEL_WIDTH)
        drawn = []
        for css, value in parts:
            width = max(value, 0.0) * scale
            drawn.append((css, x, width))
            x += width
        bars.append(Bar(label, text, index * BAR_HEIGHT, tuple(drawn)))
    width = BAR_LABEL_WIDTH + BAR_PLOT_WIDTH + 120
    return BarChart(tuple(bars), width, len(bars) * BAR_HEIGHT + 4)


def line_chart(series: Sequence[StageSeries]) -> LineChart:
    """One line per stage over runs; a run without the stage breaks the line there."""
    runs = max((len(s.durations_ms) for s in series), default=0)
    top = max((d for s in series for d in s.durations_ms if d is not None), default=0.0)
    plot_w = LINE_WIDTH - 2 * LINE_MARGIN
    plot_h = LINE_HEIGHT - 2 * LINE_MARGIN
    step = plot_w / (runs - 1) if runs > 1 else 0.0
    lines = []
    for slot, item in enumerate(series):
        points = []
        for index, duration in enumerate(item.durations_ms):
            if duration is None:
                continue
            y = LINE_MARGIN + plot_h - (duration / top * plot_h if top else 0.0)
            points.append(f"{LINE_MARGIN + index * step:.1f},{y:.1f}")
        lines.append(LineSeries(item.stage_id, slot % 8, " ".join(points)))
    return LineChart(tuple(lines), LINE_WIDTH, LINE_HEIGHT, LINE_MARGIN, f"{top:.1f} ms", runs)
