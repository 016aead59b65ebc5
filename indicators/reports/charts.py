"""The indicator history chart, drawn on the server as SVG geometry. Pure: no ORM, no Django.

The page shows it with no JavaScript and no inline style (strict CSP): the
template draws the paths and points computed here and the stylesheet colours
them by class. The same figures are listed in a data table beside it, the
chart's text alternative.
"""

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial

from indicators import formatting, periods, units

WIDTH = 760
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 44


@dataclass(frozen=True)
class ChartPoint:
    period: date
    value: Decimal | None
    target: Decimal | None = None
    threshold: Decimal | None = None
    comparator: Decimal | None = None


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str  # for the tooltip (<title>)
    path: str = ""  # the marker's outline (annual chart), from `marker_path`


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    value_lines: list[str] = field(default_factory=list)  # polyline points, one per unbroken run
    value_markers: list[Marker] = field(default_factory=list)
    target_lines: list[str] = field(default_factory=list)
    band_polygons: list[str] = field(default_factory=list)
    comparator_markers: list[Marker] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def is_empty(self) -> bool:
        return not self.value_markers


def _axes(chart, low: float, high: float, count: int, unit: str, decimals: int):
    """Round the value range out to a nice step and draw the y ticks; return x(index) and y(value) for `count` slots."""
    if high == low:
        high, low = high + 1, low - 1
    step = _nice_step(high - low)
    low = step * (low // step)
    high = step * -(-high // step)
    x0, x1, y0, y1 = chart.plot_left, chart.plot_right, chart.plot_top, chart.plot_bottom

    def x(index: int) -> float:
        return round(x0 + (x1 - x0) * (index + 0.5) / count, 1)

    def y(value: float) -> float:
        return round(y1 - (y1 - y0) * (value - low) / (high - low), 1)

    tick = low
    while tick <= high + step / 1000:
        label = formatting.format_figure(Decimal(str(round(tick, 6))), unit, decimals)
        chart.y_ticks.append(Tick(y(tick), label))
        tick += step
    return x, y


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def _runs(pairs: list[tuple[int, float | None]]) -> list[list[tuple[int, float]]]:
    """Split a series into runs of consecutive present values (a gap breaks the line)."""
    runs, current, last = [], [], None
    for index, y in pairs:
        if y is None:
            continue
        if current and last is not None and index != last + 1:
            runs.append(current)
            current = []
        current.append((index, y))
        last = index
    if current:
        runs.append(current)
    return runs


def history_chart(points: list[ChartPoint], *, unit: str, decimals: int) -> Chart:
    """Geometry of the chart: the values, the target (a step per financial year), the tolerance band, comparators."""
    chart = Chart()
    if not points:
        return chart
    figures = [float(v) for p in points for v in (p.value, p.target, p.threshold, p.comparator) if v is not None]
    if not figures:
        return chart
    low, high = min(figures), max(figures)
    if units.is_percentage(unit):
        low, high = min(low, 0.0), max(high, 0.0)
    count = len(points)
    x, y = _axes(chart, low, high, count, unit, decimals)
    label = partial(formatting.format_figure, unit=unit, decimals=decimals)
    every = max(1, count // 8)
    for index, point in enumerate(points):
        if index % every == 0 or index == count - 1:
            chart.x_ticks.append(Tick(x(index), periods.month_label(point.period)))

    values = [(i, float(p.value) if p.value is not None else None) for i, p in enumerate(points)]
    for run in _runs(values):
        chart.value_lines.append(" ".join(f"{x(i)},{y(v)}" for i, v in run))
    for i, p in enumerate(points):
        if p.value is not None:
            chart.value_markers.append(
                Marker(x(i), y(float(p.value)), f"{periods.month_label(p.period)}: {label(p.value)}")
            )
        if p.comparator is not None:
            chart.comparator_markers.append(
                Marker(
                    x(i), y(float(p.comparator)), f"{periods.month_label(p.period)} comparator: {label(p.comparator)}"
                )
            )

    # Target and band: a horizontal step across each run of months with the same target and threshold.
    half = (chart.plot_right - chart.plot_left) / count / 2
    start = 0
    for i in range(1, count + 1):
        if i < count and (points[i].target, points[i].threshold) == (points[start].target, points[start].threshold):
            continue
        target, threshold = points[start].target, points[start].threshold
        left, right = round(x(start) - half, 1), round(x(i - 1) + half, 1)
        if target is not None:
            ty = y(float(target))
            chart.target_lines.append(f"{left},{ty} {right},{ty}")
            if threshold is not None and threshold != target:
                hy = y(float(threshold))
                chart.band_polygons.append(f"{left},{ty} {right},{ty} {right},{hy} {left},{hy}")
        start = i
    return chart


# --- The authority's annual figure against each comparator (benchmarks) ---------------------------------


@dataclass(frozen=True)
class Series:
    """One line of the annual chart: a name and a value (or None) per year, in the chart's years."""

    name: str
    values: tuple[Decimal | None, ...]


@dataclass(frozen=True)
class SeriesStyle:
    """How a series is told apart without its colour (WCAG 1.4.1): a marker shape and a dash pattern."""

    marker: str  # a shape of `marker_path`
    dash: str  # an SVG stroke-dasharray; "" is a solid line


# One style per series, in order (the authority first: solid, circles); further series reuse them.
# Every shape and every dash pattern differs, so no two of the first eight series look alike in black and white.
SERIES_STYLES = (
    SeriesStyle("circle", ""),
    SeriesStyle("square", "9 4"),
    SeriesStyle("triangle", "2 3"),
    SeriesStyle("diamond", "12 3 3 3"),
    SeriesStyle("triangle-down", "16 4"),
    SeriesStyle("cross", "12 3 3 3 3 3"),
    SeriesStyle("x", "5 2"),
    SeriesStyle("star", "1 5"),
)

MARKER_RADIUS = 4.5
SWATCH_WIDTH, SWATCH_HEIGHT = 36, 14  # the legend's swatch: a short line with the marker in its middle


def _polygon(points: list[tuple[float, float]]) -> str:
    return "M" + " L".join(f"{round(px, 1)},{round(py, 1)}" for px, py in points) + " Z"


def marker_path(shape: str, x: float, y: float, r: float = MARKER_RADIUS) -> str:
    """The SVG path of a marker of `shape` centred on (x, y): the same outline in the chart and the legend."""
    if shape == "circle":
        return f"M{round(x - r, 1)},{y} a{r},{r} 0 1,0 {2 * r},0 a{r},{r} 0 1,0 {-2 * r},0 Z"
    if shape == "square":
        q = r * 0.9
        return _polygon([(x - q, y - q), (x + q, y - q), (x + q, y + q), (x - q, y + q)])
    if shape == "triangle":
        q = r * 1.2
        return _polygon([(x, y - q), (x + q, y + q * 0.75), (x - q, y + q * 0.75)])
    if shape == "triangle-down":
        q = r * 1.2
        return _polygon([(x, y + q), (x + q, y - q * 0.75), (x - q, y - q * 0.75)])
    if shape == "diamond":
        q = r * 1.3
        return _polygon([(x, y - q), (x + q, y), (x, y + q), (x - q, y)])
    if shape in ("cross", "x"):
        q, w = r * 1.2, r * 0.4  # arm length and half its width
        arms = [
            (-w, -q),
            (w, -q),
            (w, -w),
            (q, -w),
            (q, w),
            (w, w),
            (w, q),
            (-w, q),
            (-w, w),
            (-q, w),
            (-q, -w),
            (-w, -w),
        ]
        if shape == "x":  # the cross turned by 45°
            c = math.sqrt(0.5)
            arms = [((dx - dy) * c, (dx + dy) * c) for dx, dy in arms]
        return _polygon([(x + dx, y + dy) for dx, dy in arms])
    if shape == "star":
        outer, inner = r * 1.35, r * 0.55
        points = []
        for k in range(10):
            radius, angle = (outer if k % 2 == 0 else inner), math.pi * k / 5 - math.pi / 2
            points.append((x + radius * math.cos(angle), y + radius * math.sin(angle)))
        return _polygon(points)
    raise ValueError(f"unknown marker shape '{shape}'")


@dataclass
class SeriesGeometry:
    name: str
    css: str  # kpi-chart__series--N: the colour of the series (N from 0, the authority)
    style: SeriesStyle = SERIES_STYLES[0]
    lines: list[str] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)  # each with its `path`, in the series' marker shape

    @property
    def swatch_line(self) -> tuple[int, int, int]:
        """The legend swatch's line: x1, x2 and y."""
        return 1, SWATCH_WIDTH - 1, SWATCH_HEIGHT // 2

    @property
    def swatch_marker(self) -> str:
        return marker_path(self.style.marker, SWATCH_WIDTH / 2, SWATCH_HEIGHT / 2)


@dataclass
class AnnualChart:
    width: int = WIDTH
    height: int = HEIGHT
    series: list[SeriesGeometry] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def is_empty(self) -> bool:
        return not any(s.markers for s in self.series)


def annual_chart(years: list[int], series: list[Series], *, unit: str, decimals: int) -> AnnualChart:
    """Geometry of the annual chart: a line per series (the authority first) over the financial years."""
    chart = AnnualChart()
    figures = [float(v) for s in series for v in s.values if v is not None]
    if not years or not figures:
        return chart
    low, high = min(figures), max(figures)
    if units.is_percentage(unit) or low >= 0:
        low = min(low, 0.0)
    count = len(years)
    x, y = _axes(chart, low, high, count, unit, decimals)
    label = partial(formatting.format_figure, unit=unit, decimals=decimals)
    every = max(1, count // 10)
    for index, year in enumerate(years):
        if index % every == 0 or index == count - 1:
            chart.x_ticks.append(Tick(x(index), periods.financial_year_label(year)))
    for number, line in enumerate(series):
        style = SERIES_STYLES[number % len(SERIES_STYLES)]
        geometry = SeriesGeometry(line.name, f"kpi-chart__series--{number % len(SERIES_STYLES)}", style)
        pairs = [(i, float(v) if v is not None else None) for i, v in enumerate(line.values)]
        for run in _runs(pairs):
            if len(run) > 1:
                geometry.lines.append(" ".join(f"{x(i)},{y(v)}" for i, v in run))
        for i, value in enumerate(line.values):
            if value is not None:
                text = f"{line.name} {periods.financial_year_label(years[i])}: {label(value)}"
                mx, my = x(i), y(float(value))
                geometry.markers.append(Marker(mx, my, text, marker_path(style.marker, mx, my)))
        chart.series.append(geometry)
    return chart
