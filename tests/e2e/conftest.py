"""Browser tests against pytest-django's live server, in the system Chromium (tests/plugins/browser.py).

Every test here also proves that the server logged no personal data while the browser used it: the
autouse ``server_log`` fixture records everything logged while the test runs (warnings, errors, 404s,
whatever the application logs) and its teardown runs the breach scanner over it.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.cast import PASSWORD, Cast
from tests.support.breach import assert_nothing_readable, needles_for, scan_bytes
from tests.support.images import checkerboard, png_bytes
from tests.support.two_factor import code_for, totp_device
from tutela import audit
from tutela.accounts import two_factor
from tutela.pupils import services
from tutela.vault.scope import vault_scope

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # gitignored

# The cast's personal details (tests/cast.py) and the names the e2e tests type in; none may reach a log.
LOGGED_NEVER = {
    "pupil first name": "Amelia",
    "pupil surname": "Owusu",
    "sibling first name": "Bilal",
    "other school's pupil": "Cerys Jones",
    "pupil address": "1 Test Lane",
    "pupil town": "Testville",
    "guardian first name": "Grace",
    "guardian email": "grace@family.example",
    "guardian phone": "07700 900123",
    "preferred name set in a test": "Marigold",
}


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(autouse=True)
def server_log(request: pytest.FixtureRequest, live_server: LiveServer) -> Iterator[_Recorder]:
    """Everything logged, at every level, while the browser uses the live server; scanned afterwards.

    The live server's request lines are silent (Django's QuietWSGIRequestHandler), so what is recorded is
    what the application logs: warnings, errors, 404s and anything its own code logs."""
    recorder = _Recorder()
    root = logging.getLogger()
    level = root.level
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    try:
        yield recorder
        # A request the server must log, so the check below is known to see the server thread's logs.
        probe = f"/e2e-log-probe-{uuid.uuid4().hex}"
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(live_server.url + probe, timeout=10)  # noqa: S310 (the live server's URL)
    finally:
        root.removeHandler(recorder)
        root.setLevel(level)
    log = "\n".join(recorder.lines)
    assert f"Not Found: {probe}" in log, "the server's log did not reach the recorder: the check is blind"
    needles = [
        needle for label, text in LOGGED_NEVER.items() for needle in needles_for(label, text, min_length=5)
    ]
    assert_nothing_readable(scan_bytes(log.encode(), needles, f"live server log of {request.node.name}"))


@pytest.fixture
def photographed(cast: Cast) -> Cast:
    """The cast, with a photo on the central pupil's record (set by the school admin, as the app would)."""
    with vault_scope(), audit.context(actor=None, reason="e2e photo"):
        services.pupil_set_photo(
            actor=cast.school_admin, pupil=cast.pupil_record, data=png_bytes(checkerboard())
        )
    return cast


def sign_in(page: Page, base_url: str, user: object) -> None:
    """Password, then (for the roles that need it) a code from the user's authenticator, computed here."""
    with vault_scope():
        needs_code = two_factor.must_use_two_factor(user)
    two_factor.forget_devices(user)
    device = totp_device(user) if needs_code else None
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
        page.get_by_label("Code from your authenticator app").fill(code_for(device))
        page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
