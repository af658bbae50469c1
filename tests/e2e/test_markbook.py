"""The markbook in Chromium: keyboard entry cell by cell, an error in the cell, paste a column, undo, and a
phone (390x844) without sideways scrolling of the page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.assessment.helpers import build_assessment
from tests.cast import Cast, make_pupil
from tests.e2e.conftest import ARTIFACTS, sign_in
from tutela import audit
from tutela.assessment.models import Mark
from tutela.pupils import services as pupil_services
from tutela.vault.scope import vault_scope

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def markbook(cast: Cast):
    """7A/Ma with Amelia Owusu and a second pupil (Zara Adams sorts first), and two columns."""
    setup = build_assessment(cast)
    with vault_scope(), audit.context(actor=None, reason="e2e"):
        zara = make_pupil(cast.school, cast.year7, cast.form_7a, "Zara", "Adams")
        pupil_services.class_add_pupils(teaching_group=cast.maths_7a, pupils=[zara])
    return setup, zara


def _values(setup, column=None) -> dict[int, Decimal | None]:
    return {m.pupil_id: m.points for m in Mark.system.filter(column=column or setup.test_column)}


def _cell(page: Page, column: str, first: str, last: str):
    return page.get_by_label(f"{column}, {first} {last}")


def _open(page: Page, base: str, cast: Cast) -> None:
    page.goto(f"{base}/assessment/markbooks/{cast.maths_7a.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Markbook: 7A/Ma")


def test_a_teacher_enters_marks_with_the_keyboard_and_sees_an_error_in_the_cell(
    page: Page, live_server: LiveServer, cast: Cast, markbook
) -> None:
    setup, zara = markbook
    sign_in(page, live_server.url, cast.class_teacher)
    _open(page, live_server.url, cast)

    first = _cell(page, "Algebra test", "Zara", "Adams")
    first.click()
    with page.expect_response(lambda r: "/assessment/columns/" in r.url and r.request.method == "POST"):
        first.fill("31")
        page.keyboard.press("Enter")
    # Enter saved the cell and moved down to the next pupil in the same column.
    expect(_cell(page, "Algebra test", "Amelia", "Owusu")).to_be_focused()
    with page.expect_response(lambda r: "/assessment/columns/" in r.url and r.request.method == "POST"):
        page.keyboard.type("45")
        page.keyboard.press("Enter")
    bad = _cell(page, "Algebra test", "Amelia", "Owusu")
    expect(bad).to_have_attribute("aria-invalid", "true")
    expect(bad).to_have_accessible_description("45 is out of range: enter a number from 0 to 40.")
    expect(bad).to_be_focused()  # the error keeps the focus, so it is corrected at once
    assert _values(setup) == {zara.pk: Decimal(31)}

    with page.expect_response(lambda r: "/assessment/columns/" in r.url and r.request.method == "POST"):
        bad.fill("38")
        page.keyboard.press("ArrowRight")  # the whole value is selected after fill: moves right, saves
    expect(_cell(page, "Autumn 1 grade", "Amelia", "Owusu")).to_be_focused()
    assert _values(setup) == {zara.pk: Decimal(31), cast.pupil_record.pk: Decimal(38)}

    with page.expect_response(lambda r: "/assessment/columns/" in r.url and r.request.method == "POST"):
        page.keyboard.type("3")
        page.keyboard.press("ArrowUp")
    grade = page.locator("td.track-above").filter(has=_cell(page, "Autumn 1 grade", "Amelia", "Owusu"))
    expect(grade).to_contain_text("Above track (+1.00 vs expected)")  # colour and words

    page.reload()
    page.get_by_role("button", name="Undo my last change").click()
    expect(page.get_by_role("status")).to_contain_text("Undone")
    assert _values(setup, setup.grade_column) == {cast.pupil_record.pk: None}


def test_pasting_a_column_from_a_spreadsheet_fills_the_cells_below(
    page: Page, live_server: LiveServer, cast: Cast, markbook
) -> None:
    setup, zara = markbook
    sign_in(page, live_server.url, cast.class_teacher)
    _open(page, live_server.url, cast)
    target = _cell(page, "Algebra test", "Zara", "Adams")
    target.focus()
    with page.expect_navigation():
        target.evaluate(
            """(input) => {
                const data = new DataTransfer();
                data.setData('text/plain', '12\\t\\r\\n40\\r\\n');
                input.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));
            }"""
        )
    expect(page.get_by_role("status")).to_have_text("Pasted 2 values into Algebra test.")
    assert _values(setup) == {zara.pk: Decimal(12), cast.pupil_record.pk: Decimal(40)}
    expect(_cell(page, "Algebra test", "Amelia", "Owusu")).to_have_value("40")


def test_a_paste_with_a_bad_row_saves_nothing_and_names_the_row(
    page: Page, live_server: LiveServer, cast: Cast, markbook
) -> None:
    setup, _ = markbook
    sign_in(page, live_server.url, cast.class_teacher)
    _open(page, live_server.url, cast)
    page.get_by_label("Paste a column into “Algebra test”").fill("12\nabsent\n")
    page.get_by_role("button", name="Paste into Algebra test").click()
    expect(page.get_by_text("Row 2: “absent” is not a mark")).to_be_visible()
    assert _values(setup) == {}


def test_a_teacher_on_a_phone_enters_a_mark_without_sideways_scrolling(
    phone_page: Page, live_server: LiveServer, cast: Cast, markbook
) -> None:
    page = phone_page
    setup, _ = markbook
    sign_in(page, live_server.url, cast.class_teacher)
    _open(page, live_server.url, cast)
    assert page.viewport_size == {"width": 390, "height": 844}
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the markbook scrolls the page sideways on a phone: {width}px wide"
    cell = _cell(page, "Algebra test", "Amelia", "Owusu")
    cell.tap()
    with page.expect_response(lambda r: "/assessment/columns/" in r.url and r.request.method == "POST"):
        cell.fill("27")
        cell.blur()
    box = cell.bounding_box()
    assert box and box["height"] >= 44  # a comfortable touch target
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "phone-markbook.png", full_page=True)
    assert _values(setup) == {cast.pupil_record.pk: Decimal(27)}
