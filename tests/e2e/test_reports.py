"""Reports in Chromium: the head of year generates a year's PDFs with the progress bar, a parent downloads."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.cast import Cast, make_pupil
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.reports.helpers import pdf_text, year7_cycle
from tutela import audit
from tutela.reports.models import PupilReport

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_progress_bar_generates_every_report_of_the_year(page: Page, live_server: LiveServer, cast: Cast):
    with audit.context(actor=None, reason="test"):
        for first in ("Bea", "Cal", "Dev", "Eli", "Fay"):  # six in Year 7: two batches of three
            make_pupil(cast.school, cast.year7, cast.form_7a, first, "Test")
    cycle = year7_cycle(cast)
    sign_in(page, live_server.url, cast.head_of_year)
    page.goto(f"{live_server.url}/reports/cycles/{cycle.public_id}/")
    expect(page.get_by_text("Reports generated: 0 of 6")).to_be_visible()
    page.get_by_role("button", name="Generate the missing reports").click()
    expect(page.get_by_role("status")).to_have_text("All 6 reports are ready.", timeout=30_000)
    expect(page.locator("#progress-bar")).to_have_attribute("value", "6")
    page.screenshot(path=str(ARTIFACTS / "reports-generated.png"), full_page=True)
    assert PupilReport.system.filter(cycle=cycle).count() == 6


def test_a_parent_downloads_the_published_report(page: Page, live_server: LiveServer, cast: Cast):
    from tests.reports.helpers import amelias_report

    amelias_report(cast, comment="Reads widely.")
    sign_in(page, live_server.url, cast.parent)
    page.goto(f"{live_server.url}/reports/")
    with page.expect_download() as caught:
        page.get_by_role("link", name="Published report: Amelia Owusu").click()
    data = open(caught.value.path(), "rb").read()  # noqa: SIM115
    assert "Reads widely." in pdf_text(data)
