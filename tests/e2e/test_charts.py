"""Charts in Chromium: served with the application's real CSP header, on a desktop and a 390x844 phone.

No test-only URL exists in the URLconf, so the page is rendered here with the {% chart %} tag and served to
the browser from an intercepted origin (``page.route``), with the stylesheets read from static/."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from playwright.sync_api import Page, Route, expect

from tutela.core import charts
from tutela.core.charts import Series

from .conftest import ARTIFACTS

ORIGIN = "http://charts.test"
STATIC = Path(__file__).resolve().parents[2] / "static"
PAGE = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Charts</title>
<link rel="stylesheet" href="/static/css/tutela.css"><link rel="stylesheet" href="/static/css/charts.css">
</head><body><main id="main"><h1>Charts</h1>{body}</main></body></html>"""


def csp_header() -> str:
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def dashboard() -> str:
    weeks = [f"Week {i}" for i in range(1, 13)]
    days = {}
    day, kinds = date(2025, 9, 1), ["present"] * 8 + ["late", "authorised", "unauthorised"]
    while day <= date(2026, 7, 17):
        if day.weekday() < 5:
            days[day] = kinds[len(days) % len(kinds)]
        day += timedelta(days=1)
    context = {
        "line": charts.line_chart(
            title="Attendance by week",
            labels=weeks,
            series=[
                Series("7A", [95, 94, 96, 90, 88, 92, 96, 97, 93, 91, 90, 89], links=["/a/1/"] + [None] * 11),
                Series("7B", [85, 84, None, 90, 88, 82, 86, 87, 83, 81, 80, 79]),
            ],
            percent=True,
            threshold=90,
            threshold_label="90% target",
            chart_id="att",
        ),
        "bars": charts.bar_chart(
            title="Behaviour points by week",
            labels=weeks[:6],
            series=[Series("Positive", [5, 7, 3, 6, 4, 8]), Series("Negative", [-2, -4, -1, 0, -3, -2])],
            stacked=True,
            chart_id="beh",
        ),
        "grades": charts.bar_chart(
            title="Grades against target",
            labels=["Maths", "English language and literature", "Science"],
            series=[Series("Working at", [5, 6, 4]), Series("Target", [6, 6, 5])],
            horizontal=True,
            chart_id="gra",
        ),
        "year": charts.calendar_heatmap(
            title="Attendance this year",
            days=days,
            start=date(2025, 9, 1),
            end=date(2026, 7, 17),
            chart_id="yr",
        ),
        "trend": [90, 92, 95, 93],
    }
    template = Template(
        "{% load charts %}{% chart line %}{% chart bars %}{% chart grades %}{% chart year %}"
        "<p>Trend {% sparkline trend 'Attendance trend' percent=True %}</p>"
    )
    return PAGE.format(body=template.render(Context(context)))


def serve(page: Page, body: str) -> list[str]:
    """Serve ``body`` at ORIGIN with the app's CSP; returns the CSP violations Chromium reports."""
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    def handle(route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN)
        if path.startswith("/static/"):
            route.fulfill(body=(STATIC / path.removeprefix("/static/")).read_bytes(), content_type="text/css")
        elif path == "/":
            route.fulfill(
                body=body, content_type="text/html", headers={"Content-Security-Policy": csp_header()}
            )
        else:
            route.fulfill(body=f"<title>Drilled into {path}</title>", content_type="text/html")

    page.route(f"{ORIGIN}/**", handle)
    page.goto(f"{ORIGIN}/")
    return violations


def test_the_csp_check_sees_an_inline_style(page: Page):
    """The check below is not blind: an inline style attribute under the same header is reported."""
    violations = serve(page, PAGE.format(body='<p style="color:red">inline</p>'))
    expect(page.get_by_text("inline")).to_be_visible()
    assert any("style" in v for v in violations), violations


def test_charts_render_under_the_csp_with_names_tables_and_links(page: Page):
    page.set_viewport_size({"width": 1000, "height": 900})
    violations = serve(page, dashboard())
    for name in (
        "Attendance by week",
        "Behaviour points by week",
        "Grades against target",
        "Attendance this year",
    ):
        chart = page.get_by_role("img", name=name, exact=True)
        expect(chart).to_be_visible()
        assert chart.bounding_box()["width"] > 400
    expect(page.locator("#att .chart-mark")).to_have_count(23)
    expect(page.locator("#beh .chart-mark")).to_have_count(12)  # a zero is a mark of no height
    expect(page.locator("#yr .chart-cell")).to_have_count(46 * 5)  # Mon 1 Sep to Fri 17 Jul
    expect(page.get_by_role("img", name="Attendance trend: from 90% to 93%", exact=False)).to_be_visible()
    # The stylesheet applied (no inline style needed): the folded tables open to show the data.
    table = page.get_by_role("table", name="Attendance by week")
    expect(table).to_be_hidden()
    page.locator("#att summary").click()
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(13)
    expect(table.get_by_role("row", name="Week 3")).to_contain_text("no data")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "charts-desktop.png"), full_page=True)
    assert violations == []
    # A mark's drill-down link goes where the caller said.
    page.locator("#att a .chart-mark").first.click()
    page.wait_for_url(f"{ORIGIN}/a/1/")


@pytest.mark.parametrize("chart_id", ["att", "yr"])
def test_on_a_phone_the_charts_scroll_inside_the_page(phone_page: Page, chart_id: str):
    violations = serve(phone_page, dashboard())
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    region = phone_page.locator(f"#{chart_id} .chart-scroll")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    svg = phone_page.locator(f"#{chart_id} svg.chart-svg")
    assert svg.bounding_box()["width"] >= 480  # the text stays readable
    phone_page.screenshot(path=str(ARTIFACTS / f"charts-phone-{chart_id}.png"), full_page=True)
    assert violations == []
