"""Recording behaviour in Chromium on a phone: pick a class, tick a pupil, choose what happened, save."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.cast import Cast
from tests.e2e.conftest import ARTIFACTS, sign_in
from tutela import audit
from tutela.behaviour import services
from tutela.behaviour.models import Incident
from tutela.vault.scope import vault_scope

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(cast: Cast) -> Cast:
    with vault_scope(), audit.context(actor=None, reason="e2e behaviour defaults"):
        services.defaults_seed(school=cast.school)
    return cast


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways on a phone: {width}px wide"


def test_a_class_teacher_records_an_incident_on_a_phone(
    phone_page: Page, live_server: LiveServer, seeded: Cast
) -> None:
    page = phone_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server.url, seeded.class_teacher)
    page.goto(f"{live_server.url}/behaviour/record/")
    _no_sideways_scroll(page)
    with page.expect_response(lambda r: "/behaviour/record/pupils/" in r.url):
        page.get_by_label("Class or form").select_option(label=seeded.maths_7a.name)
    page.get_by_role("checkbox", name="Owusu, Amelia").first.check()  # the pupil, not the witness list
    page.get_by_label("What happened").select_option(label="Low-level disruption (-1)")
    page.get_by_label("Where").select_option(label="Classroom")
    page.get_by_label("Notes").fill("Kept tapping a pen during the test after two reminders")
    _no_sideways_scroll(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "phone-behaviour-record.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Recorded: incident for 1 pupil.")

    assert not [url for url in requested if "tapping" in url.lower() or "owusu" in url.lower()]
    (saved,) = Incident.system.filter(pupil=seeded.pupil_record)
    assert (saved.points, saved.location, saved.reported_by_id) == (-1, "classroom", seeded.class_teacher.pk)
    with vault_scope():
        assert saved.description == "Kept tapping a pen during the test after two reminders"

    page.goto(f"{live_server.url}/behaviour/pupils/{seeded.pupil_record.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Amelia Owusu")
    expect(page.get_by_role("link", name="Low-level disruption")).to_be_visible()
    _no_sideways_scroll(page)
    page.screenshot(path=ARTIFACTS / "phone-behaviour-timeline.png", full_page=True)
    page.get_by_role("link", name="Low-level disruption").click()
    expect(page).to_have_url(re.compile(r"/behaviour/incidents/[0-9a-f-]{36}/$"))
    expect(page.get_by_text("Kept tapping a pen during the test after two reminders")).to_be_visible()
    _no_sideways_scroll(page)
    page.screenshot(path=ARTIFACTS / "phone-behaviour-incident.png", full_page=True)


def test_a_form_tutor_resolves_an_incident_with_htmx(
    page: Page, live_server: LiveServer, seeded: Cast
) -> None:
    from tests.behaviour.conftest import record

    with vault_scope(), audit.context(actor=None, reason="e2e record"):
        (incident,) = record(seeded, by=seeded.form_tutor)
    sign_in(page, live_server.url, seeded.form_tutor)
    page.goto(f"{live_server.url}/behaviour/incidents/{incident.public_id}/")
    expect(page.get_by_role("heading", name=re.compile("Status"))).to_contain_text("Open")
    with page.expect_response(lambda r: r.url.endswith("/status/")):
        page.get_by_role("button", name="Mark resolved").click()
    expect(page.get_by_role("heading", name=re.compile("Status"))).to_contain_text("Resolved")
    assert Incident.system.get(pk=incident.pk).status == "resolved"
