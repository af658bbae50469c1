"""Reports in Chromium: the head of year generates a year's PDFs with the progress bar, a parent downloads."""

from __future__ import annotations

import datetime
import re

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


def test_the_head_of_year_opens_a_pupils_whole_picture_on_a_phone(
    phone_page: Page, live_server: LiveServer, cast: Cast, monkeypatch: pytest.MonkeyPatch
):
    from tests.assessment.helpers import ensure_assessment, record_result
    from tests.reports import worked
    from tutela.vault.scope import vault_scope

    worked.freeze_after_term(monkeypatch)
    with vault_scope(), audit.context(actor=None, reason="test"):
        worked.mark_sessions(cast, ["/", "\\", "/", "\\", "/", "N", "/", "\\", "/", "\\"])
        setup = ensure_assessment(cast)
        worked.set_due(setup, 0, datetime.date(2026, 10, 20))
        record_result(cast, setup, "2", point=0)
        worked.autumn_behaviour(cast)
    monkeypatch.undo()  # signing in (the second factor's code) runs on the real clock
    page = phone_page
    sign_in(page, live_server.url, cast.head_of_year)
    page.goto(f"{live_server.url}/pupils/{cast.pupil_record.public_id}/")
    page.get_by_role("link", name="Overview: attendance, progress, behaviour").click()
    page.get_by_label("From").fill("2026-09-02")
    page.get_by_label("To").fill("2026-12-18")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("90.0 %")).to_be_visible()
    expect(page.get_by_role("cell", name="On track")).to_be_visible()
    expect(page.get_by_role("link", name="Behaviour timeline")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "reports-overview-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the overview scrolls sideways on a phone: {width}px wide"
    page.get_by_role("link", name="Attendance in detail").click()
    expect(page).to_have_url(re.compile(r"/attendance/pupils/.*start=2026-09-02&end=2026-12-18"))
