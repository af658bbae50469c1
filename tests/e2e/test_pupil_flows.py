"""The main pupil flows in Chromium: find a pupil, see their profile and photo, edit, sign out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.cast import Cast
from tests.e2e.conftest import ARTIFACTS, sign_in
from tutela.pupils.validators import UPN_LETTERS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def find_and_open_pupil(page: Page, base_url: str, typed: str, link_name: str) -> None:
    """Types part of a name into the live search on the pupil list and opens the matching result."""
    page.goto(f"{base_url}/pupils/")
    with page.expect_response(lambda r: r.url.endswith("/pupils/search/") and r.request.method == "POST"):
        page.get_by_label("Find a pupil by name").press_sequentially(typed, delay=20)
    results = page.locator("[aria-live=polite]").first
    results.get_by_role("link", name=link_name).click()
    expect(page).to_have_url(re.compile(r"/pupils/[0-9a-f-]{36}/$"))


def expect_photo_shown(page: Page) -> None:
    photo = page.get_by_role("img", name=re.compile(r"^Photo of "))
    expect(photo).to_be_visible()
    assert photo.get_attribute("src").startswith("data:image/jpeg;base64,")
    assert photo.evaluate("img => img.complete && img.naturalWidth") > 0


def test_a_form_tutor_finds_their_pupil_by_name_and_sees_the_photo(
    page: Page, live_server: LiveServer, photographed: Cast
) -> None:
    sign_in(page, live_server.url, photographed.form_tutor)
    find_and_open_pupil(page, live_server.url, "Ame", "Owusu, Amelia")
    expect(page.get_by_role("heading", level=1)).to_have_text("Amelia Owusu")
    expect_photo_shown(page)


def test_the_live_search_posts_the_name_and_never_puts_it_in_a_url(
    page: Page, live_server: LiveServer, cast: Cast
) -> None:
    requests: list[tuple[str, str]] = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    sign_in(page, live_server.url, cast.form_tutor)
    find_and_open_pupil(page, live_server.url, "Owu", "Owusu, Amelia")
    assert ("POST", f"{live_server.url}/pupils/search/") in requests
    assert not [url for _, url in requests if "owu" in url.lower()]


def test_the_search_shows_only_pupils_the_form_tutor_may_see(
    page: Page, live_server: LiveServer, cast: Cast
) -> None:
    sign_in(page, live_server.url, cast.form_tutor)
    page.goto(f"{live_server.url}/pupils/")
    with page.expect_response(lambda r: r.url.endswith("/pupils/search/")):
        page.get_by_label("Find a pupil by name").fill("Owusu")
    results = page.locator("[aria-live=polite]").first
    expect(results.get_by_role("link", name="Owusu, Amelia")).to_be_visible()
    expect(results.get_by_role("link", name="Owusu, Bilal")).to_have_count(0)  # 8A: not their form


def test_a_form_tutor_on_a_phone_finds_the_pupil_without_sideways_scrolling(
    phone_page: Page, live_server: LiveServer, photographed: Cast
) -> None:
    page = phone_page
    sign_in(page, live_server.url, photographed.form_tutor)
    find_and_open_pupil(page, live_server.url, "Ame", "Owusu, Amelia")
    expect_photo_shown(page)
    assert page.viewport_size == {"width": 390, "height": 844}
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "phone-pupil-profile.png", full_page=True)
    for path in ("/pupils/", page.url):
        page.goto(path if path.startswith("http") else live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone: {width}px wide"


def test_a_school_admin_sees_a_bad_upn_next_to_the_field_then_saves_a_preferred_name(
    page: Page, live_server: LiveServer, cast: Cast
) -> None:
    sign_in(page, live_server.url, cast.school_admin)
    page.goto(f"{live_server.url}/pupils/{cast.pupil_record.public_id}/")
    page.get_by_role("link", name="Edit record").click()
    upn = page.get_by_label("UPN")
    original = upn.input_value()
    wrong = next(letter for letter in UPN_LETTERS if letter != original[0]) + original[1:]

    upn.fill(wrong)
    page.get_by_label("Preferred first name").fill("Marigold")
    page.get_by_role("button", name="Save").click()
    message = "This UPN's check letter is wrong: check it was copied correctly."
    upn = page.get_by_label("UPN")
    # Tied to the field for screen readers, and shown straight after it on the page.
    expect(upn).to_have_attribute("aria-invalid", "true")
    expect(upn).to_have_accessible_description(message)
    expect(page.locator("#id_upn + .error")).to_have_text(message)
    expect(page.locator(".field.has-error")).to_have_count(1)  # only the UPN is wrong
    expect(page.get_by_label("Preferred first name")).to_have_value("Marigold")  # nothing typed is lost

    page.get_by_label("UPN").fill(original)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server.url}/pupils/{cast.pupil_record.public_id}/")
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Marigold Owusu")


def test_signing_out_ends_the_session(page: Page, live_server: LiveServer, cast: Cast) -> None:
    sign_in(page, live_server.url, cast.form_tutor)
    profile = f"{live_server.url}/pupils/{cast.pupil_record.public_id}/"
    page.goto(profile)
    expect(page.get_by_role("heading", level=1)).to_have_text("Amelia Owusu")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    assert not [c for c in page.context.cookies() if c["name"] == "sessionid"]
    page.goto(profile)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("Amelia")).to_have_count(0)
