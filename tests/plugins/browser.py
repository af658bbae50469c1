"""Browser tests: pytest-playwright driving the system Chromium (Debian's ``chromium`` package).

Playwright's own browser download is never used (the machines reach only package registries), so the
launch points at /usr/bin/chromium. Any test that uses ``page`` (or another browser fixture) is marked
``e2e`` automatically, so ``-m "not e2e"`` leaves every browser test out. When Chromium is missing the
browser tests are skipped, which strict mode (tests/plugins/strict.py) turns into a failure naming the fix.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would then refuse ORM calls from the
# test body (SynchronousOnlyOperation) although nothing is actually asynchronous there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("TUTELA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # No traffic to Google's services: the machines have no network beyond package registries.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# Requesting any of these means the test drives a browser.
_BROWSER_FIXTURES = {"page", "phone_page", "context", "new_context", "browser"}


def _chromium_missing_reason() -> str | None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return (
        f"Chromium is not installed at {CHROMIUM}: install it with `apt-get install -y chromium` "
        "(scripts/test does this itself)"
    )


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m selection, so `-m "not e2e"` sees the marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = _chromium_missing_reason()
    for item in items:
        if _BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())) and not item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.e2e)
        if missing and item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.skip(reason=missing))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options (--headed, --slowmo, ...) plus the system Chromium."""
    missing = _chromium_missing_reason()
    if missing:
        pytest.skip(missing)
    headless = browser_type_launch_args.get("headless", True)  # False only with --headed
    args = [arg for arg in CHROMIUM_ARGS if headless or arg != "--headless"]
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": args}


def pytest_configure(config: pytest.Config) -> None:
    # Without pytest-base-url installed, pytest-playwright provides `base_url` as a method on a plugin
    # object, which pytest 9 flags in every browser test (an error under filterwarnings=error). Not ours to
    # fix, so silence exactly that warning and nothing else.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:(?s)Session-scoped fixtures defined as instance methods.*'base_url' fixture"
        ":pytest.PytestRemovedIn10Warning",
    )


@pytest.fixture
def phone_page(new_context):
    """A page in a phone-sized touch context (390x844, like a current iPhone), for the mobile layouts."""
    context = new_context(**PHONE)
    return context.new_page()
