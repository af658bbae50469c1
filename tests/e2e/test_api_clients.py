"""Issuing and revoking an API client in Chromium, on a phone: the token shown once works, then does not."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.cast import Cast
from tests.e2e.conftest import sign_in
from tutela.core import clock

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_school_admin_on_a_phone_issues_a_client_uses_its_token_once_shown_and_revokes_it(
    phone_page: Page, live_server: LiveServer, cast: Cast
) -> None:
    page = phone_page
    sign_in(page, live_server.url, cast.school_admin)
    page.goto(f"{live_server.url}/clients/")
    page.get_by_role("link", name="Issue a new client").click()
    page.get_by_label("Name").fill("Door entry tablet")
    page.get_by_label("Role").select_option("it_admin")
    page.get_by_label("Expires on").fill((clock.today() + datetime.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Issue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API client issued")
    token = page.get_by_label("Token for Door entry tablet").input_value()
    assert re.fullmatch(r"tutela_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", token)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the token page scrolls sideways"

    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/v1/clients/me/").json()["role"] == "it_admin"

    page.get_by_role("link", name="Back to API clients").click()
    row = page.get_by_role("row", name=re.compile("Door entry tablet"))
    expect(row).to_contain_text("tutela_" + token.split("_")[1])
    assert token not in page.content()  # listed by its id only
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the list scrolls sideways"
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("row", name=re.compile("Door entry tablet"))).to_contain_text("revoked")
    assert api.get("/api/v1/clients/me/").status_code == 401
