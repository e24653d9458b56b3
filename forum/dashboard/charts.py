"""Chart geometry for server-rendered SVG: a line chart of daily volume, a bar chart of buckets.

Only coordinates are worked out here; templates/dashboard/_charts.html draws them. Every chart
is shown beside a table of the same numbers, so the SVG itself is one labelled image.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 640, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 12, 14, 36
# colour-blind-safe hues that meet 3:1 against white (Okabe-Ito, darkened)
COLOURS = ("#1f6f5c", "#b35c00", "#2f5fa8")


@dataclass(frozen=True)
class Tick:
    """A labelled position on an axis."""

    position: float
    label: str


@dataclass(frozen=True)
class Series:
    """One line: its name, colour, polyline points and dots."""

    name: str
    colour: str
    points: str
    dots: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class LineChart:
    """Daily figures as lines sharing one y axis from zero."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    series: tuple[Series, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    summary: str


@dataclass(frozen=True)
class Bar:
    """One bar with its label and value."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class BarChart:
    """Counts per bucket, as vertical bars from zero."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bars: tuple[Bar, ...]
    y_ticks: tuple[Tick, ...]
    summary: str


def nice_ceiling(value: int) -> int:
    """The axis top: 1, 2, 5 or 10 times a power of ten, at least `value` (and at least 1)."""
    if value <= 1:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return factor * step
        step *= 10


def _y_ticks(top_value: int, top: int, bottom: int) -> tuple[Tick, ...]:
    values = sorted({0, top_value // 2, top_value}) if top_value % 2 == 0 else [0, top_value]
    return tuple(Tick(bottom - value / top_value * (bottom - top), str(value)) for value in values)


def line_chart(days: list[date], named_values: list[tuple[str, list[int]]], title: str) -> LineChart:
    """Lines of daily values (one per name) over the days, with the first, middle and last dates."""
    left, right, top, bottom = PAD_LEFT, WIDTH - PAD_RIGHT, PAD_TOP, HEIGHT - PAD_BOTTOM
    highest = max((value for _, values in named_values for value in values), default=0)
    top_value = nice_ceiling(highest)
    count = len(days)

    def x(index: int) -> float:
        return (left + right) / 2 if count == 1 else left + index * (right - left) / (count - 1)

    def y(value: int) -> float:
        return bottom - value / top_value * (bottom - top)

    series = []
    for (name, values), colour in zip(named_values, COLOURS, strict=False):
        coordinates = tuple((round(x(index), 1), round(y(value), 1)) for index, value in enumerate(values))
        points = " ".join(f"{px},{py}" for px, py in coordinates)
        series.append(Series(name, colour, points, coordinates if count <= 62 else ()))
    x_indexes = sorted({0, (count - 1) // 2, count - 1}) if count else []
    x_ticks = tuple(Tick(round(x(index), 1), days[index].strftime("%-d %b")) for index in x_indexes)
    totals = ", ".join(
        f"{name}: {sum(values)} in all, at most {max(values, default=0)} a day"
        for name, values in named_values
    )
    summary = f"{title}, {count} day{'s' if count != 1 else ''}. {totals}." if named_values else title
    return LineChart(
        WIDTH,
        HEIGHT,
        left,
        right,
        top,
        bottom,
        tuple(series),
        _y_ticks(top_value, top, bottom),
        x_ticks,
        summary,
    )


def bar_chart(labelled_values: list[tuple[str, int]], title: str) -> BarChart:
    """One bar per (label, value), in order."""
    left, right, top, bottom = PAD_LEFT, WIDTH - PAD_RIGHT, PAD_TOP + 6, HEIGHT - PAD_BOTTOM
    top_value = nice_ceiling(max((value for _, value in labelled_values), default=0))
    slot = (right - left) / max(len(labelled_values), 1)
    bars = []
    for index, (label, value) in enumerate(labelled_values):
        height = value / top_value * (bottom - top)
        bars.append(
            Bar(
                x=round(left + index * slot + slot * 0.15, 1),
                y=round(bottom - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label=label,
                value=value,
            )
        )
    parts = "; ".join(f"{label}: {value}" for label, value in labelled_values)
    return BarChart(
        WIDTH,
        HEIGHT,
        left,
        right,
        top,
        bottom,
        tuple(bars),
        _y_ticks(top_value, top, bottom),
        f"{title}. {parts}.",
    )
