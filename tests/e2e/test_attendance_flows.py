"""Taking a register on a phone (390x844) in Chromium: present by default, tap the exceptions, saved in
place by HTMX (no full reload), 35 pupils in under 20 taps."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.attendance.conftest import build_day
from tests.cast import Cast, make_pupil
from tests.e2e.conftest import ARTIFACTS, sign_in
from tutela import audit
from tutela.attendance.models import Mark
from tutela.core import clock
from tutela.vault.scope import vault_scope

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_form_tutor_takes_a_register_of_35_on_a_phone_in_under_20_taps(
    phone_page: Page, live_server: LiveServer, photographed: Cast
) -> None:
    cast = photographed
    with vault_scope(), audit.context(actor=None, reason="e2e form of 35"):
        day = build_day(cast, clock.today())
        others = [
            make_pupil(cast.school, cast.year7, cast.form_7a, f"Pupil{i:02d}", "Testpupil") for i in range(34)
        ]
    page = phone_page
    sign_in(page, live_server.url, cast.form_tutor)
    taps = 0

    def tap(locator) -> None:
        nonlocal taps
        locator.tap()
        taps += 1

    tap(page.get_by_role("link", name="Attendance"))
    tap(page.get_by_role("link", name="7A · AM registration"))
    expect(page.get_by_role("heading", level=1)).to_have_text("7A · AM registration")
    expect(page.locator(".register-list > li")).to_have_count(35)
    amelia = cast.pupil_record.public_id.hex
    expect(page.locator(".register-list img").first).to_be_visible()  # Amelia's photo, as a data: URI
    assert page.locator(".register-list img").first.get_attribute("src").startswith("data:image/jpeg;base64,")
    absent = [amelia, others[3].public_id.hex, others[20].public_id.hex]
    for key in absent:
        tap(page.locator(f"label[for='n-{key}']"))
    tap(page.locator(f"label[for='l-{others[7].public_id.hex}']"))
    red = page.locator(f"label[for='n-{amelia}']").evaluate("el => getComputedStyle(el).backgroundColor")
    assert red == "rgb(253, 232, 232)", "the tapped Absent button must show as selected"

    page.evaluate("window.tutelaNoReload = true")  # survives only if the page is not reloaded
    with page.expect_response(lambda r: r.request.method == "POST" and "/attendance/registers/" in r.url):
        tap(page.get_by_role("button", name="Save register"))
    expect(page.get_by_role("status").first).to_contain_text("Saved: 35 marks written")
    assert page.evaluate("window.tutelaNoReload") is True, "saving must swap the register in place"
    assert taps < 20, f"{taps} taps for a register of 35"

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the register scrolls sideways on a phone: {width}px wide"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = page.screenshot(path=ARTIFACTS / "phone-register.png", full_page=True)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000

    with vault_scope():
        marks = {
            m.pupil_id: m.code
            for m in Mark.system.filter(register=day.am_7a).select_related("pupil__data_key")
        }
    assert len(marks) == 35
    assert sorted(code for code in marks.values() if code != "/") == sorted(
        ["N", "N", "N", marks[others[7].pk]]
    )
    assert marks[others[7].pk] in ("L", "U")  # late: L before 09:15 close, U after (depends on the hour)


def test_the_office_pages_fit_a_phone(phone_page: Page, live_server: LiveServer, cast: Cast) -> None:
    with vault_scope(), audit.context(actor=None, reason="e2e office"):
        build_day(cast, clock.today())
    page = phone_page
    sign_in(page, live_server.url, cast.school_admin)
    for path in (
        "/attendance/",
        "/attendance/office/",
        "/attendance/roll-call/",
        "/attendance/visitors/",
        "/attendance/reports/",
        f"/attendance/pupils/{cast.pupil_record.public_id}/",
    ):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone: {width}px wide"
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/attendance/roll-call/")
    page.screenshot(path=ARTIFACTS / "phone-roll-call.png", full_page=True)
