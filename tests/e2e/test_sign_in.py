"""Two-factor sign-in in the browser: a SENCO enrols an authenticator app, then signs in with it.

The code is computed here from the key the enrolment page shows, as an authenticator app would."""

from __future__ import annotations

import base64

from django_otp.oath import hotp
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.cast import PASSWORD, Cast
from tests.support.two_factor import code_for
from tutela.accounts.models import TOTPDevice
from tutela.core import clock


def app_code(key_text: str) -> str:
    key = key_text.replace(" ", "")
    seed = base64.b32decode(key + "=" * (-len(key) % 8))
    return f"{hotp(seed, int(clock.now().timestamp()) // 30, 6):06d}"


def password_step(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def enrol_and_sign_in_again(page: Page, base_url: str, cast: Cast) -> None:
    password_step(page, base_url, cast.senco.email)
    # Nothing but enrolment is reachable: the pupil list sends the SENCO back.
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in and security")
    expect(page.get_by_text("Your role needs two-factor sign-in")).to_be_visible()
    page.goto(f"{base_url}/pupils/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in and security")

    page.get_by_role("link", name="Set up an authenticator app").click()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth") > 0  # the server-drawn SVG renders
    key = page.locator("[data-totp-secret]").inner_text()
    page.get_by_label("Code from the app").fill(app_code(key))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")

    page.get_by_role("button", name="Sign out").click()
    password_step(page, base_url, cast.senco.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("not accepted")
    TOTPDevice.objects.filter(user=cast.senco).update(throttling_failure_timestamp=None)  # skip the back-off
    device = TOTPDevice.objects.get(user=cast.senco, confirmed=True)
    page.get_by_label("Code from your authenticator app").fill(code_for(device))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.goto(f"{base_url}/pupils/")
    expect(page.get_by_text("Owusu, Amelia")).to_be_visible()


def test_a_senco_enrols_an_authenticator_app_and_signs_in_with_it(
    page: Page, live_server: LiveServer, cast: Cast
) -> None:
    enrol_and_sign_in_again(page, live_server.url, cast)


def test_two_factor_enrolment_works_on_a_phone(phone_page: Page, live_server: LiveServer, cast: Cast) -> None:
    enrol_and_sign_in_again(phone_page, live_server.url, cast)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
