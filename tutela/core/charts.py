"""Server-side SVG charts for dashboards: line, bar (grouped, stacked, horizontal), heat-map, sparkline.

The functions here take plain Python data and return a chart object holding only geometry (numbers) and
the caller's text; the templates in ``templates/charts/`` draw it, so every label, title and URL goes
through Django's auto-escaping. Nothing here is marked safe. Render a chart with ``{% load charts %}``
and ``{% chart obj %}`` (see docs/charts.md).

Every chart is drawn for people who cannot see it or cannot tell its colours apart: the ``<svg>`` has
``role="img"``, an ``aria-label``, a ``<title>`` and a ``<desc>``; a data table built from the same data
sits next to it; series differ by pattern, dash and marker shape as well as colour, and heat-map cells
carry a symbol. The page's CSP forbids inline ``style`` attributes, so colours are SVG presentation
attributes (``fill``, ``stroke``), which are not styles, and layout lives in ``static/css/charts.css``.

Error messages name positions (series 2, point 5), never the caller's labels: a label may be a pupil's name.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

__all__ = [
    "ATTENDANCE_CATEGORIES",
    "PALETTE",
    "BarChart",
    "Category",
    "Heatmap",
    "LineChart",
    "Series",
    "Sparkline",
    "bar_chart",
    "calendar_heatmap",
    "format_value",
    "line_chart",
    "nice_ticks",
    "sparkline",
]

# Colours readable on white (contrast >= 3:1 for graphics, WCAG 1.4.11) and told apart by more than hue:
# each index also has a dash, a marker shape and a fill pattern.
PALETTE = ("#1d4e89", "#b35c00", "#2e7d4f", "#7b3fa0", "#a3324a", "#3b6e7a", "#5a6470", "#8a5a00")
DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "1 3", "12 4", "6 2 2 2")
MARKERS = ("circle", "square", "triangle", "diamond", "triangle-down", "circle", "square", "diamond")
PATTERNS = ("solid", "diagonal", "dots", "crosshatch", "horizontal", "vertical", "back-diagonal", "grid")

Value = float | int | None
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
# Drill-down links stay on this site: a path, a query or a fragment; never a scheme (javascript:, data:).
_LINK = re.compile(r"^(/(?!/)|\?|#)")
_CHAR_WIDTH = 6.5  # average width of a 12px system-font character, for sizing label margins


@dataclass(frozen=True)
class Series:
    """One named series; ``values`` line up with the chart's labels (``None`` is a gap: no data)."""

    name: str
    values: Sequence[Value]
    links: Sequence[str | None] | None = None


@dataclass(frozen=True)
class Category:
    """A heat-map category: ``key`` as used in the data, ``label`` shown, ``symbol`` drawn in each cell."""

    key: str
    label: str
    symbol: str = ""
    colour: str = ""


# The register's broad groups (DfE school attendance guidance, 2024: present, late, authorised absence,
# unauthorised absence); colour plus a symbol per cell, so no one depends on telling red from green.
ATTENDANCE_CATEGORIES = (
    Category("present", "Present", "/", "#2e7d4f"),
    Category("late", "Late", "L", "#8a5a00"),
    Category("authorised", "Authorised absence", "A", "#1d4e89"),
    Category("unauthorised", "Unauthorised absence", "U", "#b00020"),
)


@dataclass(frozen=True)
class Style:
    index: int
    colour: str
    dash: str
    marker: str
    pattern: str
    pattern_id: str
    legend_marker_d: str = ""


@dataclass(frozen=True)
class Tick:
    value: float
    text: str
    x1: float
    y1: float
    x2: float
    y2: float
    tx: float
    ty: float
    anchor: str
    zero: bool = False


@dataclass(frozen=True)
class AxisLabel:
    x: float
    y: float
    text: str
    full_text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Cell:
    text: str
    link: str | None = None


@dataclass(frozen=True)
class Row:
    header: str
    cells: list[Cell]


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[Row]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    text: str
    link: str | None
    marker_d: str


@dataclass(frozen=True)
class LineGeometry:
    name: str
    style: Style
    path_d: str
    points: list[Point]


@dataclass(frozen=True)
class Threshold:
    value: float
    text: str
    x1: float
    x2: float
    y: float


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float
    text: str
    link: str | None
    style: Style


@dataclass(frozen=True)
class HeatCell:
    day: date
    x: float
    y: float
    tx: float
    ty: float
    text: str
    category: Category | None
    link: str | None


@dataclass(frozen=True)
class LegendEntry:
    label: str
    style: Style | None = None
    category: Category | None = None
    count: int | None = None


@dataclass
class _Chart:
    chart_id: str
    title: str
    description: str
    width: int
    height: int
    table: Table
    table_visible: bool
    empty: bool
    styles: list[Style] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)


@dataclass
class LineChart(_Chart):
    template_name: str = "charts/line.html"
    y_ticks: list[Tick] = field(default_factory=list)
    x_labels: list[AxisLabel] = field(default_factory=list)
    lines: list[LineGeometry] = field(default_factory=list)
    threshold: Threshold | None = None
    plot: tuple[float, float, float, float] = (0, 0, 0, 0)


@dataclass
class BarChart(_Chart):
    template_name: str = "charts/bar.html"
    horizontal: bool = False
    ticks: list[Tick] = field(default_factory=list)
    category_labels: list[AxisLabel] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    zero: tuple[float, float, float, float] = (0, 0, 0, 0)
    threshold: Threshold | None = None
    plot: tuple[float, float, float, float] = (0, 0, 0, 0)


@dataclass
class Heatmap(_Chart):
    template_name: str = "charts/heatmap.html"
    cells: list[HeatCell] = field(default_factory=list)
    cell_size: int = 14
    month_labels: list[AxisLabel] = field(default_factory=list)
    day_labels: list[AxisLabel] = field(default_factory=list)
    days_table: Table | None = None


@dataclass
class Sparkline(_Chart):
    template_name: str = "charts/sparkline.html"
    path_d: str = ""
    last: Point | None = None
    summary: str = ""


# --- Scales ----------------------------------------------------------------------------------------------


def nice_ticks(lo: float, hi: float, max_ticks: int = 6) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 times a power of ten) covering ``lo``..``hi``.

    The first tick is <= lo and the last >= hi; equal bounds are widened so there is always a range."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("nice_ticks needs finite bounds")
    if max_ticks < 2:
        raise ValueError("nice_ticks needs max_ticks >= 2")
    lo, hi = min(lo, hi), max(lo, hi)
    if lo == hi:
        if lo == 0:
            hi = 1.0
        elif lo > 0:
            lo = 0.0
        else:
            hi = 0.0
    # The smallest step of 1, 2 or 5 times a power of ten that needs no more than max_ticks ticks.
    exponent = math.floor(math.log10((hi - lo) / (max_ticks - 1)))
    for step in (m * 10.0**e for e in (exponent, exponent + 1) for m in (1, 2, 5)):
        first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
        if last - first + 1 <= max_ticks:
            break
    return [_clean((first + i) * step) for i in range(last - first + 1)]


def _clean(v: float) -> float:
    v = round(v, 10)
    return 0.0 if v == 0 else v


class _Scale:
    """Maps a value domain onto a pixel range (either direction)."""

    def __init__(self, d0: float, d1: float, r0: float, r1: float) -> None:
        self.d0, self.d1, self.r0, self.r1 = d0, d1, r0, r1

    def __call__(self, v: float) -> float:
        if self.d1 == self.d0:
            return round(self.r0, 2)
        return round(self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0), 2)


def format_value(v: float, *, percent: bool = False, unit: str = "") -> str:
    """12 → "12", 12.5 → "12.5", 12.345 → "12.35"; with ``percent`` "12%", else followed by ``unit``."""
    text = str(round(v)) if abs(v - round(v)) < 1e-9 else f"{v:.2f}".rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return f"{text}%" if percent else f"{text}{unit}"


# --- Shared helpers --------------------------------------------------------------------------------------


def _chart_id(chart_id: str | None) -> str:
    if chart_id is None:
        return f"chart-{secrets.token_hex(4)}"
    if not _ID.match(chart_id):
        raise ValueError(
            "chart_id must start with a letter and hold only letters, digits, '-' and '_' (64 at most)"
        )
    return chart_id


def _styles(chart_id: str, count: int, colours: Sequence[str] | None = None) -> list[Style]:
    styles = []
    for i in range(count):
        k = i % len(PALETTE)
        colour = colours[i] if colours and i < len(colours) and colours[i] else PALETTE[k]
        styles.append(
            Style(
                i,
                _colour(colour),
                DASHES[k],
                MARKERS[k],
                PATTERNS[k],
                f"{chart_id}-p{i}",
                _marker(MARKERS[k], 14, 7, 3.5),
            )
        )
    return styles


_HEX = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")


def _colour(colour: str) -> str:
    if not _HEX.match(colour):
        raise ValueError("colours must be hex, like #1d4e89")
    return colour


def _link(link: str | None, where: str) -> str | None:
    if link is None or link == "":
        return None
    if not isinstance(link, str) or not _LINK.match(link):
        raise ValueError(f"link at {where} must be a path on this site (start with '/', '?' or '#')")
    return link


def _validate(labels: Sequence[str], series: Sequence[Series], *, percent: bool) -> None:
    for s_index, s in enumerate(series):
        if len(s.values) != len(labels):
            raise ValueError(f"series {s_index} has {len(s.values)} values for {len(labels)} labels")
        if s.links is not None and len(s.links) != len(labels):
            raise ValueError(f"series {s_index} has {len(s.links)} links for {len(labels)} labels")
        for p_index, v in enumerate(s.values):
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ValueError(f"series {s_index}, point {p_index}: values must be finite numbers or None")
            if percent and not 0 <= v <= 100:
                raise ValueError(f"series {s_index}, point {p_index}: a percentage must be within 0-100")
        for p_index in range(len(labels)):
            if s.links is not None:
                _link(s.links[p_index], f"series {s_index}, point {p_index}")


def _links(s: Series) -> Sequence[str | None]:
    return s.links if s.links is not None else [None] * len(s.values)


def _data_table(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    percent: bool,
    unit: str,
    label_header: str,
) -> Table:
    rows = [
        Row(
            str(label),
            [
                Cell(
                    "no data" if (v := s.values[i]) is None else format_value(v, percent=percent, unit=unit),
                    link,
                )
                for s in series
                for link in [_links(s)[i]]
            ],
        )
        for i, label in enumerate(labels)
    ]
    return Table(title, [label_header or "Label", *[s.name for s in series]], rows)


def _values(series: Sequence[Series]) -> list[float]:
    return [v for s in series for v in s.values if v is not None]


def _truncate(text: str, max_chars: int) -> str:
    text = str(text)
    return text if len(text) <= max_chars else text[: max(1, max_chars - 1)] + "…"


def _marker(shape: str, x: float, y: float, r: float = 4.0) -> str:
    def p(*coords: float) -> str:
        return " ".join(f"{c:.2f}" for c in coords)

    if shape == "square":
        return f"M{p(x - r, y - r)}h{p(2 * r)}v{p(2 * r)}h{p(-2 * r)}Z"
    if shape == "triangle":
        return f"M{p(x, y - r * 1.2)}L{p(x + r * 1.1, y + r * 0.8)}L{p(x - r * 1.1, y + r * 0.8)}Z"
    if shape == "triangle-down":
        return f"M{p(x, y + r * 1.2)}L{p(x + r * 1.1, y - r * 0.8)}L{p(x - r * 1.1, y - r * 0.8)}Z"
    if shape == "diamond":
        return f"M{p(x, y - r * 1.3)}L{p(x + r * 1.3, y)}L{p(x, y + r * 1.3)}L{p(x - r * 1.3, y)}Z"
    return f"M{p(x - r, y)}a{p(r, r)} 0 1 0 {p(2 * r, 0)}a{p(r, r)} 0 1 0 {p(-2 * r, 0)}Z"


def _value_ticks(
    lo: float, hi: float, y_min: float | None, y_max: float | None, *, percent: bool, include_zero: bool
) -> list[float]:
    if percent:
        lo, hi = (0.0 if y_min is None else y_min), (100.0 if y_max is None else y_max)
    else:
        if include_zero:
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        lo = lo if y_min is None else y_min
        hi = hi if y_max is None else y_max
    ticks = nice_ticks(lo, hi)
    if percent:  # the axis never claims more than 100 % or less than 0 %
        ticks = [t for t in ticks if 0 <= t <= 100] or [0.0, 100.0]
    return ticks


# --- Line chart ------------------------------------------------------------------------------------------


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    description: str = "",
    percent: bool = False,
    unit: str = "",
    y_min: float | None = None,
    y_max: float | None = None,
    threshold: float | None = None,
    threshold_label: str = "",
    label_header: str = "",
    colours: Sequence[str] | None = None,
    width: int = 640,
    height: int = 300,
    table: Literal["details", "visible"] = "details",
    chart_id: str | None = None,
) -> LineChart:
    """Several series over the same labels (e.g. attendance % by week), with an optional threshold line."""
    _validate(labels, series, percent=percent)
    chart_id = _chart_id(chart_id)
    values = _values(series)
    empty = not labels or not values
    bounds = [*values, *([threshold] if threshold is not None else [])] or [0.0]
    ticks = _value_ticks(
        min(bounds), max(bounds), y_min, y_max, percent=percent, include_zero=not percent and y_min is None
    )
    left = 12 + _CHAR_WIDTH * max(len(format_value(t, percent=percent, unit=unit)) for t in ticks)
    top, right, bottom = 16.0, width - 16.0, height - 36.0
    y = _Scale(ticks[0], ticks[-1], bottom, top)
    n = len(labels)
    step = (right - left) / (n - 1) if n > 1 else 0.0

    def x(i: int) -> float:
        return round(left + i * step if n > 1 else (left + right) / 2, 2)

    y_ticks = [
        Tick(
            t, format_value(t, percent=percent, unit=unit), left, y(t), right, y(t), left - 6, y(t) + 4, "end"
        )
        for t in ticks
    ]
    max_chars = max(3, int(step / _CHAR_WIDTH) - 1) if n > 1 else 30
    every = max(1, math.ceil(n / max(1, int((right - left) // 56))))
    x_labels = [
        AxisLabel(x(i), bottom + 18, _truncate(label, max(max_chars, 8)), str(label))
        for i, label in enumerate(labels)
        if i % every == 0
    ]
    styles = _styles(chart_id, len(series), colours)
    lines = []
    for s, style in zip(series, styles, strict=True):
        points, path, pen_down = [], [], False
        for i, (v, link) in enumerate(zip(s.values, _links(s), strict=True)):
            if v is None:
                pen_down = False
                continue
            px, py = x(i), y(v)
            path.append(f"{'L' if pen_down else 'M'}{px:.2f} {py:.2f}")
            pen_down = True
            text = f"{s.name}, {labels[i]}: {format_value(v, percent=percent, unit=unit)}"
            points.append(Point(px, py, v, text, link, _marker(style.marker, px, py)))
        lines.append(LineGeometry(s.name, style, " ".join(path), points))
    line = None
    if threshold is not None and ticks[0] <= threshold <= ticks[-1]:
        text = threshold_label or f"Threshold {format_value(threshold, percent=percent, unit=unit)}"
        line = Threshold(threshold, text, left, right, y(threshold))
    if not description:
        description = _describe("Line chart", labels, series, percent=percent, unit=unit)
        if line:
            description += f" A line marks {line.text}."
    return LineChart(
        chart_id=chart_id,
        title=title,
        description=description,
        width=width,
        height=height,
        table=_data_table(title, labels, series, percent=percent, unit=unit, label_header=label_header),
        table_visible=table == "visible",
        empty=empty,
        styles=styles,
        legend=[LegendEntry(s.name, style) for s, style in zip(series, styles, strict=True)],
        y_ticks=y_ticks,
        x_labels=x_labels,
        lines=lines,
        threshold=line,
        plot=(left, top, right, bottom),
    )


def _describe(kind: str, labels: Sequence[str], series: Sequence[Series], *, percent: bool, unit: str) -> str:
    values = _values(series)
    if not labels or not values:
        return f"{kind} with no data."
    lo = format_value(min(values), percent=percent, unit=unit)
    hi = format_value(max(values), percent=percent, unit=unit)
    names = ", ".join(s.name for s in series)
    return (
        f"{kind} of {len(series)} series ({names}) over {len(labels)} points, from {labels[0]} to "
        f"{labels[-1]}; values range from {lo} to {hi}. The data table below holds every value."
    )


# --- Bar charts ------------------------------------------------------------------------------------------


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    description: str = "",
    stacked: bool = False,
    horizontal: bool = False,
    percent: bool = False,
    unit: str = "",
    value_min: float | None = None,
    value_max: float | None = None,
    threshold: float | None = None,
    threshold_label: str = "",
    label_header: str = "",
    colours: Sequence[str] | None = None,
    width: int = 640,
    height: int | None = None,
    table: Literal["details", "visible"] = "details",
    chart_id: str | None = None,
) -> BarChart:
    """Grouped (default) or ``stacked`` bars per label, vertical or ``horizontal``; negatives go below zero.

    Stacks add positive values upwards from zero and negative values downwards, so a stack's extent is the
    sum of its positive parts and the sum of its negative parts."""
    _validate(labels, series, percent=percent)
    chart_id = _chart_id(chart_id)
    values = _values(series)
    n, m = len(labels), len(series)
    empty = not labels or not values
    if stacked:
        sums = [
            (
                sum(v for s in series if (v := s.values[i]) is not None and v > 0),
                sum(v for s in series if (v := s.values[i]) is not None and v < 0),
            )
            for i in range(n)
        ]
        extent = [b for pair in sums for b in pair]
    else:
        extent = values
    bounds = [*extent, *([threshold] if threshold is not None else [])] or [0.0]
    ticks = _value_ticks(min(bounds), max(bounds), value_min, value_max, percent=percent, include_zero=True)
    if percent and stacked and max(bounds) > 100:
        raise ValueError("stacked percentages add up to more than 100 in a bar; pass percent=False")
    tick_texts = [format_value(t, percent=percent, unit=unit) for t in ticks]
    if horizontal:
        longest = max((len(str(label)) for label in labels), default=4)
        left = min(12 + _CHAR_WIDTH * longest, width * 0.4)
        band = 36.0 if stacked or m == 1 else max(36.0, 16.0 * m + 12)
        height = height or int(24 + 36 + band * max(n, 1)) + 12
        top, right, bottom = 24.0, width - 24.0, height - 36.0
        band = (bottom - top) / max(n, 1)
        v = _Scale(ticks[0], ticks[-1], left, right)
        tick_marks = [
            Tick(t, text, v(t), top, v(t), bottom, v(t), bottom + 18, "middle", t == 0)
            for t, text in zip(ticks, tick_texts, strict=True)
        ]
        max_chars = max(4, int((left - 12) / _CHAR_WIDTH))
        category_labels = [
            AxisLabel(left - 8, top + band * (i + 0.5) + 4, _truncate(label, max_chars), str(label), "end")
            for i, label in enumerate(labels)
        ]
        zero = (v(0), top, v(0), bottom)
    else:
        height = height or 300
        left = 12 + _CHAR_WIDTH * max(len(t) for t in tick_texts)
        top, right, bottom = 16.0, width - 16.0, height - 36.0
        band = (right - left) / max(n, 1)
        v = _Scale(ticks[0], ticks[-1], bottom, top)
        tick_marks = [
            Tick(t, text, left, v(t), right, v(t), left - 6, v(t) + 4, "end", t == 0)
            for t, text in zip(ticks, tick_texts, strict=True)
        ]
        max_chars = max(3, int(band / _CHAR_WIDTH) - 1)
        every = max(1, math.ceil(n / max(1, int((right - left) // 48))))
        category_labels = [
            AxisLabel(left + band * (i + 0.5), bottom + 18, _truncate(label, max(max_chars, 6)), str(label))
            for i, label in enumerate(labels)
            if i % every == 0
        ]
        zero = (left, v(0), right, v(0))
    styles = _styles(chart_id, m, colours)
    bars: list[Bar] = []
    pad = band * 0.15
    inner = band - 2 * pad
    for i in range(n):
        start = (top if horizontal else left) + band * i + pad
        up = down = 0.0
        for j, (s, style) in enumerate(zip(series, styles, strict=True)):
            value = s.values[i]
            if value is None:
                continue
            if stacked:
                base = up if value >= 0 else down
                a, b = v(base), v(base + value)
                if value >= 0:
                    up += value
                else:
                    down += value
                offset, thickness = start, inner
            else:
                a, b = v(0), v(value)
                thickness = inner / m
                offset = start + thickness * j
            lo_px, size = min(a, b), round(abs(b - a), 2)
            text = f"{s.name}, {labels[i]}: {format_value(value, percent=percent, unit=unit)}"
            link = _links(s)[i]
            if horizontal:
                bars.append(Bar(lo_px, round(offset, 2), size, round(thickness, 2), value, text, link, style))
            else:
                bars.append(Bar(round(offset, 2), lo_px, round(thickness, 2), size, value, text, link, style))
    line = None
    if threshold is not None and ticks[0] <= threshold <= ticks[-1]:
        text = threshold_label or f"Threshold {format_value(threshold, percent=percent, unit=unit)}"
        t = v(threshold)
        # Horizontal bars: a vertical line at x=t from top to bottom; vertical bars: across the plot at y=t.
        line = Threshold(threshold, text, t, t, 0.0)
        if not horizontal:
            line = Threshold(threshold, text, left, right, t)
    if not description:
        kind = "Stacked bar chart" if stacked else "Grouped bar chart" if m > 1 else "Bar chart"
        kind += " (horizontal)" if horizontal else ""
        description = _describe(kind, labels, series, percent=percent, unit=unit)
    return BarChart(
        chart_id=chart_id,
        title=title,
        description=description,
        width=width,
        height=height,
        table=_data_table(title, labels, series, percent=percent, unit=unit, label_header=label_header),
        table_visible=table == "visible",
        empty=empty,
        styles=styles,
        legend=[LegendEntry(s.name, style) for s, style in zip(series, styles, strict=True)],
        horizontal=horizontal,
        ticks=tick_marks,
        category_labels=category_labels,
        bars=bars,
        zero=zero,
        threshold=line,
        plot=(left, top, right, bottom),
    )


# --- Calendar heat-map -----------------------------------------------------------------------------------

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def calendar_heatmap(
    *,
    title: str,
    days: Mapping[date, str],
    start: date,
    end: date,
    categories: Sequence[Category] = ATTENDANCE_CATEGORIES,
    links: Mapping[date, str] | None = None,
    description: str = "",
    weekends: bool = False,
    empty_label: str = "No record",
    table: Literal["details", "visible"] = "details",
    chart_id: str | None = None,
) -> Heatmap:
    """One cell per day from ``start`` to ``end`` (weeks as columns, Monday at the top), coloured and
    marked with the symbol of the day's category from ``days`` (a category key per date).

    Days in range without an entry are drawn as empty outlines ("No record": a holiday, an INSET day).
    Weekends are left out unless ``weekends``; an entry on a day that is not drawn is an error, so no
    data is silently dropped."""
    if end < start:
        raise ValueError("the heat-map's end is before its start")
    if (end - start).days > 400:
        raise ValueError("a heat-map covers at most 400 days (one school year and a margin)")
    chart_id = _chart_id(chart_id)
    by_key = {c.key: c for c in categories}
    if len(by_key) != len(categories):
        raise ValueError("heat-map category keys must be unique")
    for c in categories:
        if c.colour:
            _colour(c.colour)
    rows = 7 if weekends else 5
    for day, key in days.items():
        if key not in by_key:
            raise ValueError(f"the entry on {day.isoformat()} has a category key that is not in categories")
        if not start <= day <= end or (day.weekday() >= 5 and not weekends):
            raise ValueError(f"the entry on {day.isoformat()} is outside the days the heat-map draws")
    for day, link in (links or {}).items():
        _link(link, day.isoformat())
    styles = _styles(chart_id, len(categories), [c.colour for c in categories])
    categories = [
        Category(c.key, c.label, c.symbol or c.label[:1], style.colour)
        for c, style in zip(categories, styles, strict=True)
    ]
    by_key = {c.key: c for c in categories}
    size, gap, left, top = 14, 2, 34, 22
    first_monday = start - timedelta(days=start.weekday())
    cells: list[HeatCell] = []
    month_labels: list[AxisLabel] = []
    day = start
    last_month_column = -10
    while day <= end:
        if day.weekday() < rows:
            column = (day - first_monday).days // 7
            cx, cy = left + column * (size + gap), top + day.weekday() * (size + gap)
            category = by_key.get(days[day]) if day in days else None
            what = category.label if category else empty_label
            text = f"{day.strftime('%a')} {day.day} {day.strftime('%b %Y')}: {what}"
            link = (links or {}).get(day) or None
            cells.append(HeatCell(day, cx, cy, cx + size / 2, cy + size - 4, text, category, link))
            if (
                (day.day <= 7 or day == start)
                and column - last_month_column >= 3
                and (not month_labels or month_labels[-1].text != day.strftime("%b"))
            ):
                month = AxisLabel(cx, top - 8, day.strftime("%b"), day.strftime("%B %Y"), "start")
                month_labels.append(month)
                last_month_column = column
        day += timedelta(days=1)
    columns = (end - first_monday).days // 7 + 1
    width = left + columns * (size + gap) + 8
    height = top + rows * (size + gap) + 4
    day_labels = [
        AxisLabel(left - 6, top + r * (size + gap) + size - 3, _WEEKDAYS[r], _WEEKDAYS[r], "end")
        for r in range(0, rows, 2)
    ]
    counts = {c.key: 0 for c in categories}
    for key in days.values():
        counts[key] += 1
    total = sum(counts.values())
    summary = Table(
        f"{title}: days per category",
        ["Category", "Days", "Share"],
        [
            Row(
                c.label,
                [Cell(str(counts[c.key])), Cell(format_value(_share(counts[c.key], total), percent=True))],
            )
            for c in categories
        ],
    )
    days_table = Table(
        f"{title}: every day",
        ["Date", "Category"],
        [
            Row(cell.day.strftime("%a %d %b %Y"), [Cell(cell.category.label, cell.link)])
            for cell in cells
            if cell.category is not None
        ],
    )
    if not description:
        if total:
            parts = "; ".join(f"{c.label} {counts[c.key]}" for c in categories)
            description = (
                f"Calendar from {start.strftime('%d %B %Y')} to {end.strftime('%d %B %Y')}, one square per "
                f"day, {total} days recorded: {parts}. The data tables below list the totals and every day."
            )
        else:
            description = "Calendar with no days recorded."
    return Heatmap(
        chart_id=chart_id,
        title=title,
        description=description,
        width=width,
        height=height,
        table=summary,
        table_visible=table == "visible",
        empty=not total,
        styles=styles,
        legend=[LegendEntry(c.label, category=c, count=counts[c.key]) for c in categories],
        cells=cells,
        cell_size=size,
        month_labels=month_labels,
        day_labels=day_labels,
        days_table=days_table,
    )


def _share(part: int, total: int) -> float:
    return round(100 * part / total, 1) if total else 0.0


# --- Sparkline -------------------------------------------------------------------------------------------


def sparkline(
    *,
    title: str,
    values: Sequence[Value],
    percent: bool = False,
    unit: str = "",
    y_min: float | None = None,
    y_max: float | None = None,
    width: int = 100,
    height: int = 24,
    colour: str = PALETTE[0],
    chart_id: str | None = None,
) -> Sparkline:
    """A word-sized trend line; its label reads the values out (first, last, lowest, highest, all of them)."""
    labels = [str(i + 1) for i in range(len(values))]
    _validate(labels, [Series(title, values)], percent=percent)
    chart_id = _chart_id(chart_id)
    present = [v for v in values if v is not None]
    # A sparkline shows the shape of a trend, so it spans the data, not the whole 0-100 of a percentage.
    lo = y_min if y_min is not None else min(present, default=0.0)
    hi = y_max if y_max is not None else max(present, default=1.0)
    pad = 3.0
    y = _Scale(lo, hi if hi != lo else lo + 1, height - pad, pad)
    n = len(values)

    def x(i: int) -> float:
        return round(pad + i * (width - 2 * pad) / (n - 1), 2) if n > 1 else width / 2

    path, pen_down, last = [], False, None
    for i, v in enumerate(values):
        if v is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{x(i):.2f} {y(v):.2f}")
        pen_down = True
        last = Point(x(i), y(v), v, format_value(v, percent=percent, unit=unit), None, "")

    def fmt(v: float) -> str:
        return format_value(v, percent=percent, unit=unit)

    if present:
        every = ", ".join("no data" if v is None else fmt(v) for v in values)
        summary = (
            f"{title}: from {fmt(present[0])} to {fmt(present[-1])}, lowest {fmt(min(present))}, "
            f"highest {fmt(max(present))}. Values: {every}."
        )
    else:
        summary = f"{title}: no data."
    return Sparkline(
        chart_id=chart_id,
        title=title,
        description=summary,
        width=width,
        height=height,
        table=Table(title, [], []),
        table_visible=False,
        empty=not present,
        styles=_styles(chart_id, 1, [colour]),
        path_d=" ".join(path),
        last=last,
        summary=summary,
    )
