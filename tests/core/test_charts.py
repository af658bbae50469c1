"""Charts (tutela/core/charts.py and the {% chart %} tag): geometry, escaping, accessibility, the heat-map."""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET  # parses our own rendered output, never outside input
from datetime import date, timedelta

import pytest
from django.template import Context, Template, TemplateSyntaxError

from tutela.core import charts
from tutela.core.charts import Category, Series

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script>'


def render(chart: object) -> str:
    return Template("{% load charts %}{% chart c %}").render(Context({"c": chart}))


def svg_of(html: str) -> ET.Element:
    """The chart's <svg>, parsed as XML: a parse error means the markup (or its escaping) is broken."""
    match = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert match, "no <svg> in the output"
    return ET.fromstring(match.group(0))  # noqa: S314 (our own output)


def tables_of(html: str) -> list[list[list[str]]]:
    """Every <table> as rows of cell texts (header row included)."""
    found = []
    for match in re.finditer(r"<table\b.*?</table>", html, re.S):
        table = ET.fromstring(match.group(0))  # noqa: S314 (our own output)
        found.append([["".join(cell.itertext()).strip() for cell in row] for row in table.iter("tr")])
    return found


def marks(svg: ET.Element) -> list[ET.Element]:
    return [el for el in svg.iter() if "chart-mark" in el.get("class", "").split()]


# --- Scales ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0, 97, [0, 20, 40, 60, 80, 100]),
        (0, 7, [0, 2, 4, 6, 8]),
        (-3, 12, [-5, 0, 5, 10, 15]),
        (5, 5, [0, 1, 2, 3, 4, 5]),
        (0, 0, [0, 0.2, 0.4, 0.6, 0.8, 1]),
        (-4, -4, [-4, -3, -2, -1, 0]),
        (0.01, 0.07, [0, 0.02, 0.04, 0.06, 0.08]),
        (1200, 3400, [1000, 1500, 2000, 2500, 3000, 3500]),
    ],
)
def test_nice_ticks_are_round_and_cover_the_data(lo, hi, expected):
    assert charts.nice_ticks(lo, hi) == expected


@pytest.mark.parametrize("seed", range(40))
def test_nice_ticks_steps_are_one_two_or_five_times_a_power_of_ten(seed):
    lo = (seed * 37 % 101) - 50 + seed / 7
    hi = lo + (seed * 53 % 997) / 3 + 0.1
    ticks = charts.nice_ticks(lo, hi)
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in {1, 2, 5, 10}
    assert ticks[0] <= lo and ticks[-1] >= hi
    assert 2 <= len(ticks) <= 11


def test_nice_ticks_refuses_infinite_bounds():
    with pytest.raises(ValueError, match="finite"):
        charts.nice_ticks(0, math.inf)


@pytest.mark.parametrize(
    ("value", "kwargs", "text"),
    [
        (12, {}, "12"),
        (12.5, {}, "12.5"),
        (12.345, {}, "12.35"),
        (90, {"percent": True}, "90%"),
        (-0.0, {}, "0"),
    ],
)
def test_format_value(value, kwargs, text):
    assert charts.format_value(value, **kwargs) == text


# --- Line chart ------------------------------------------------------------------------------------------


def weekly_attendance(**kwargs):
    return charts.line_chart(
        title="Attendance by week",
        labels=["W1", "W2", "W3"],
        series=[Series("7A", [100, 50, 0]), Series("7B", [90, None, 80], links=["/a/1/", None, "/a/3/"])],
        percent=True,
        threshold=90,
        threshold_label="90% target",
        chart_id="att",
        **kwargs,
    )


def test_line_points_sit_on_the_scale():
    chart = weekly_attendance()
    left, top, right, bottom = chart.plot
    points = chart.lines[0].points
    assert [p.x for p in points] == [left, round((left + right) / 2, 2), right]
    assert [p.y for p in points] == [top, round((top + bottom) / 2, 2), bottom]
    assert [t.text for t in chart.y_ticks] == ["0%", "20%", "40%", "60%", "80%", "100%"]
    assert chart.threshold.y == round(bottom - 0.9 * (bottom - top), 2)


def test_a_missing_value_breaks_the_line():
    chart = weekly_attendance()
    assert chart.lines[0].path_d.count("M") == 1
    assert chart.lines[1].path_d.count("M") == 2  # 7B has no W2: two pieces, no line drawn through the gap
    assert len(chart.lines[1].points) == 2


def test_line_chart_draws_one_mark_per_value_with_its_text():
    html = render(weekly_attendance())
    svg = svg_of(html)
    titles = [m.find(f"{SVG}title").text for m in marks(svg)]
    assert titles == ["7A, W1: 100%", "7A, W2: 50%", "7A, W3: 0%", "7B, W1: 90%", "7B, W3: 80%"]
    links = [a.get("href") for a in svg.iter(f"{SVG}a")]
    assert links == ["/a/1/", "/a/3/"]
    assert "90% target" in "".join(svg.itertext())


def test_series_differ_by_more_than_colour():
    chart = charts.line_chart(
        title="t", labels=["a", "b"], series=[Series(str(i), [1, 2]) for i in range(4)], chart_id="x"
    )
    styles = chart.styles
    assert len({s.dash for s in styles}) == 4
    assert len({s.marker for s in styles}) == 4
    bars = charts.bar_chart(title="t", labels=["a"], series=[Series(str(i), [1]) for i in range(4)])
    assert len({s.pattern for s in bars.styles}) == 4


def test_a_zoomed_percentage_axis_keeps_within_0_to_100():
    chart = charts.line_chart(
        title="t", labels=["a", "b"], series=[Series("s", [85, 99])], percent=True, y_min=80
    )
    assert chart.y_ticks[0].value == 80
    assert max(t.value for t in chart.y_ticks) == 100


# --- Bars ------------------------------------------------------------------------------------------------


def test_bar_heights_are_proportional_and_share_the_zero_line():
    chart = charts.bar_chart(title="t", labels=["a", "b", "c"], series=[Series("s", [2, 4, 8])])
    heights = [b.height for b in chart.bars]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.02)
    assert heights[2] == pytest.approx(4 * heights[0], abs=0.02)
    zero_y = chart.zero[1]
    assert all(b.y + b.height == pytest.approx(zero_y, abs=0.02) for b in chart.bars)
    assert chart.bars[0].x < chart.bars[1].x < chart.bars[2].x


def test_negative_bars_hang_below_zero():
    chart = charts.bar_chart(
        title="t", labels=["W1", "W2"], series=[Series("points", [6, -3])], chart_id="neg"
    )
    up, down = chart.bars
    zero_y = chart.zero[1]
    assert up.y + up.height == pytest.approx(zero_y, abs=0.02)
    assert down.y == pytest.approx(zero_y, abs=0.02)
    assert down.height == pytest.approx(up.height / 2, abs=0.02)
    assert chart.ticks[0].value < 0 < chart.ticks[-1].value


def test_grouped_bars_sit_side_by_side_within_their_label():
    chart = charts.bar_chart(
        title="t", labels=["Maths", "English"], series=[Series("Actual", [5, 6]), Series("Target", [6, 6])]
    )
    a0, t0, a1, t1 = chart.bars
    assert a0.x + a0.width == pytest.approx(t0.x, abs=0.02)
    assert t0.x + t0.width < a1.x
    assert a1.height == t1.height


def test_stacked_bars_add_up():
    chart = charts.bar_chart(
        title="t",
        labels=["W1"],
        series=[Series("house points", [3]), Series("merits", [5]), Series("sanctions", [-2])],
        stacked=True,
    )
    first, second, negative = chart.bars
    zero_y = chart.zero[1]
    assert first.y + first.height == pytest.approx(zero_y, abs=0.02)
    assert second.y + second.height == pytest.approx(first.y, abs=0.02)  # stacked on top, no gap
    assert second.height == pytest.approx(first.height * 5 / 3, abs=0.02)
    assert negative.y == pytest.approx(zero_y, abs=0.02)
    assert first.x == second.x == negative.x and first.width == second.width


def test_horizontal_bars_grow_rightwards_from_zero():
    chart = charts.bar_chart(
        title="t", labels=["a", "b"], series=[Series("s", [3, 6])], horizontal=True, threshold=4
    )
    a, b = chart.bars
    assert a.x == b.x == chart.zero[0]
    assert b.width == pytest.approx(2 * a.width, abs=0.02)
    assert a.y < b.y and a.height == b.height
    html = render(chart)
    svg_of(html)
    assert "chart-bar-horizontal" in html


def test_stacked_percentages_over_100_are_refused():
    with pytest.raises(ValueError, match="more than 100"):
        charts.bar_chart(
            title="t", labels=["a"], series=[Series("x", [60]), Series("y", [60])], stacked=True, percent=True
        )


# --- Validation ------------------------------------------------------------------------------------------


def test_a_percentage_outside_0_to_100_is_refused_without_naming_the_label():
    with pytest.raises(ValueError, match=r"series 0, point 1: a percentage") as error:
        charts.line_chart(
            title="t", labels=["Amelia", "Bilal"], series=[Series("s", [50, 101])], percent=True
        )
    assert "Bilal" not in str(error.value)


@pytest.mark.parametrize("bad", [[1, 2], [1, "2", 3], [1, math.nan, 3], [True, 1, 2]])
def test_bad_values_are_refused(bad):
    with pytest.raises(ValueError, match="series 0"):
        charts.bar_chart(title="t", labels=["a", "b", "c"], series=[Series("s", bad)])


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "//evil.example/", "https://evil.example/", "data:x"]
)
def test_links_must_stay_on_the_site(link):
    with pytest.raises(ValueError, match="path on this site"):
        charts.bar_chart(title="t", labels=["a"], series=[Series("s", [1], links=[link])])


def test_chart_ids_are_checked_and_unique_by_default():
    with pytest.raises(ValueError, match="chart_id"):
        charts.sparkline(title="t", values=[1], chart_id='x" onload="y')
    ids = {charts.sparkline(title="t", values=[1]).chart_id for _ in range(20)}
    assert len(ids) == 20


# --- Escaping and the page's CSP ---------------------------------------------------------------------------


def test_every_caller_text_is_escaped():
    chart = charts.bar_chart(
        title=EVIL,
        description=EVIL,
        labels=[EVIL, "ok"],
        series=[Series(EVIL, [1, 2], links=['/p/?q="><script>', None])],
        label_header=EVIL,
        threshold=1,
        threshold_label=EVIL,
    )
    html = render(chart)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'href="/p/?q=&quot;&gt;&lt;script&gt;"' in html
    svg = svg_of(html)  # still well-formed XML
    assert svg.find(f"{SVG}title").text == EVIL
    assert tables_of(html)[0][0][0] == EVIL


def test_heatmap_and_sparkline_escape_too():
    html = render(
        charts.calendar_heatmap(
            title=EVIL,
            days={date(2025, 9, 1): "x"},
            start=date(2025, 9, 1),
            end=date(2025, 9, 5),
            categories=[Category("x", EVIL, "<")],
        )
    )
    html += Template("{% load charts %}{% sparkline v t %}").render(Context({"v": [1, 2], "t": EVIL}))
    assert "<script>" not in html and "&lt;script&gt;" in html
    svg_of(html)


def test_charts_need_no_inline_style_or_script():
    """The CSP (config/settings/base.py) allows neither inline styles nor inline scripts."""
    html = "".join(render(c) for c in all_kinds())
    assert not re.search(r"\sstyle\s*=", html)
    assert "<style" not in html and "<script" not in html
    assert not re.search(r"\son[a-z]+\s*=", html)  # no event handler attributes


# --- Accessibility ---------------------------------------------------------------------------------------


def all_kinds() -> list[object]:
    days = {date(2025, 9, 1) + timedelta(days=i): "present" for i in range(5)}
    return [
        weekly_attendance(),
        charts.bar_chart(title="Bars", labels=["a", "b"], series=[Series("s", [1, -1])]),
        charts.bar_chart(title="Across", labels=["a"], series=[Series("s", [1])], horizontal=True),
        charts.calendar_heatmap(title="Year", days=days, start=date(2025, 9, 1), end=date(2025, 9, 30)),
        charts.sparkline(title="Trend", values=[1, 3, 2]),
    ]


@pytest.mark.parametrize("index", range(5))
def test_every_chart_is_an_image_with_a_name_a_title_and_a_description(index):
    chart = all_kinds()[index]
    svg = svg_of(render(chart))
    assert svg.get("role") == "img"
    assert svg.get("aria-label")
    assert svg.find(f"{SVG}title").text == chart.title
    assert svg.find(f"{SVG}desc").text == chart.description and chart.description


def test_the_data_table_holds_every_value_of_the_chart():
    chart = weekly_attendance()
    html = render(chart)
    (table,) = tables_of(html)
    assert table == [
        ["Label", "7A", "7B"],
        ["W1", "100%", "90%"],
        ["W2", "50%", "no data"],
        ["W3", "0%", "80%"],
    ]
    assert 'href="/a/1/"' in html.split("<table", 1)[1]  # drill-down links are in the table too
    assert '<details class="chart-data">' in html


def test_the_table_can_be_shown_instead_of_folded():
    html = render(weekly_attendance(table="visible"))
    assert "<details" not in html and "<table" in html


def test_svg_links_leave_the_tab_order_to_the_tables_links():
    """role="img" hides the SVG's insides from screen readers, so keyboard and screen-reader users follow
    the same links in the data table; the marks' links are for the mouse."""
    html = render(weekly_attendance())
    assert all(a.get("tabindex") == "-1" for a in svg_of(html).iter(f"{SVG}a"))


def test_empty_data_says_so():
    chart = charts.line_chart(title="Nothing yet", labels=[], series=[])
    html = render(chart)
    assert chart.empty and "No data to show" in html
    assert tables_of(html) == [[["Label"], ["No data"]]]
    assert "no data" in chart.description
    bars = charts.bar_chart(title="t", labels=["a"], series=[Series("s", [None])])
    assert bars.empty and bars.bars == []
    assert charts.sparkline(title="t", values=[]).summary == "t: no data."


def test_the_sparkline_reads_out_its_values():
    chart = charts.sparkline(title="Attendance", values=[90, None, 95.5], percent=True)
    assert chart.summary == (
        "Attendance: from 90% to 95.5%, lowest 90%, highest 95.5%. Values: 90%, no data, 95.5%."
    )
    assert svg_of(render(chart)).get("aria-label") == chart.summary


def test_the_chart_tag_refuses_anything_but_a_chart():
    with pytest.raises(TemplateSyntaxError, match="needs a chart"):
        Template("{% load charts %}{% chart c %}").render(Context({"c": "<b>"}))


def test_numbers_are_not_localised_into_the_svg(settings):
    settings.USE_THOUSAND_SEPARATOR = True
    chart = charts.bar_chart(title="t", labels=["a"], series=[Series("s", [1])], width=1640)
    assert 'width="1640"' in render(chart)


# --- Calendar heat-map -----------------------------------------------------------------------------------

TERM = (date(2025, 9, 1), date(2025, 9, 14))  # Monday 1 to Sunday 14 September 2025: ten school days


def test_the_heatmap_has_a_cell_per_school_day_in_its_row():
    days = {date(2025, 9, 1): "present", date(2025, 9, 2): "late", date(2025, 9, 9): "unauthorised"}
    chart = charts.calendar_heatmap(title="Autumn", days=days, start=TERM[0], end=TERM[1])
    assert [c.day.day for c in chart.cells] == [1, 2, 3, 4, 5, 8, 9, 10, 11, 12]
    monday, tuesday = chart.cells[0], chart.cells[1]
    next_tuesday = chart.cells[6]
    assert tuesday.x == monday.x and tuesday.y > monday.y
    assert next_tuesday.y == tuesday.y and next_tuesday.x == tuesday.x + 16
    assert monday.text == "Mon 1 Sep 2025: Present"
    assert chart.cells[2].text == "Wed 3 Sep 2025: No record" and chart.cells[2].category is None


def test_the_heatmap_draws_titles_symbols_and_tables_from_the_same_days():
    days = {date(2025, 9, 1): "present", date(2025, 9, 2): "late", date(2025, 9, 9): "unauthorised"}
    html = render(
        charts.calendar_heatmap(
            title="Autumn", days=days, start=TERM[0], end=TERM[1], links={date(2025, 9, 2): "/att/2/"}
        )
    )
    svg = svg_of(html)
    cells = [g for g in svg.iter(f"{SVG}g") if "chart-cell" in g.get("class", "")]
    assert len(cells) == 10
    titles = {g.get("data-date"): g.find(f"{SVG}title").text for g in cells}
    assert titles["2025-09-09"] == "Tue 9 Sep 2025: Unauthorised absence"
    symbols = ["".join(t.itertext()) for g in cells for t in g.iter(f"{SVG}text")]
    assert symbols == ["/", "L", "U"]
    totals, every_day = tables_of(html)
    assert totals == [
        ["Category", "Days", "Share"],
        ["Present", "1", "33.3%"],
        ["Late", "1", "33.3%"],
        ["Authorised absence", "0", "0%"],
        ["Unauthorised absence", "1", "33.3%"],
    ]
    assert every_day[1:] == [
        ["Mon 01 Sep 2025", "Present"],
        ["Tue 02 Sep 2025", "Late"],
        ["Tue 09 Sep 2025", "Unauthorised absence"],
    ]
    assert 'href="/att/2/"' in html


def test_the_heatmap_covers_a_school_year():
    start, end = date(2025, 9, 1), date(2026, 7, 22)
    days = {start + timedelta(days=i): "present" for i in range((end - start).days + 1)}
    days = {d: k for d, k in days.items() if d.weekday() < 5}
    chart = charts.calendar_heatmap(title="Year", days=days, start=start, end=end)
    assert len(chart.cells) == len(days) == 46 * 5 + 3  # 46 whole weeks, then Mon 20 to Wed 22 July
    assert [m.text for m in chart.month_labels] == [
        "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
    ]  # fmt: skip
    assert chart.width == 34 + 47 * 16 + 8


def test_the_heatmap_can_show_weekends():
    chart = charts.calendar_heatmap(title="t", days={}, start=TERM[0], end=TERM[1], weekends=True)
    assert len(chart.cells) == 14 and chart.empty


@pytest.mark.parametrize(
    ("days", "match"),
    [
        ({date(2025, 9, 6): "present"}, "outside the days"),  # a Saturday
        ({date(2025, 8, 29): "present"}, "outside the days"),
        ({date(2025, 9, 1): "absent"}, "not in categories"),
    ],
)
def test_the_heatmap_drops_no_data_silently(days, match):
    with pytest.raises(ValueError, match=match):
        charts.calendar_heatmap(title="t", days=days, start=TERM[0], end=TERM[1])


def test_every_page_links_the_chart_stylesheet(client, db):
    """Charts sit in any page that extends base.html, so base.html links their stylesheet."""
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'href="/static/css/charts.css"' in response.content.decode()
