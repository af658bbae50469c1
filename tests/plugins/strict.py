"""Strict mode: no test may be silently skipped.

With ``TUTELA_TEST_STRICT=1`` (set by scripts/test, hence CI) every skip becomes a failure that says why the
test could not run, so a PostgreSQL or browser test that quietly stops running cannot hide a regression.
Without it (a developer running ``pytest`` by hand) skips stay skips.

Tests marked ``postgres`` need the configured database to be PostgreSQL (scripts/test's second pass, or
``TUTELA_TEST_DATABASE_URL`` from ``scripts/pg-cluster start``). On any other database they are skipped,
which strict mode turns into a failure. Expected failures (``xfail``) are left alone.
"""

from __future__ import annotations

import os

import pytest

STRICT_ENV = "TUTELA_TEST_STRICT"
_HOW_TO_GET_POSTGRES = (
    "run scripts/test, or start a throwaway cluster with "
    '`env="$(scripts/pg-cluster start)" && eval "$env"` and run pytest again'
)


def strict_mode() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _database_vendor() -> str:
    """The default database's vendor ("postgresql", "sqlite", ...), read from Django without connecting."""
    try:
        from django.db import connections

        return connections["default"].vendor
    except Exception as exc:  # settings not configured or backend not importable: report, don't crash
        return f"unknown ({type(exc).__name__}: {exc})"


def pytest_report_header(config: pytest.Config) -> str:
    mode = "on: skips fail" if strict_mode() else f"off: skips allowed (set {STRICT_ENV}=1 to forbid)"
    return f"tutela: strict mode {mode}; database vendor {_database_vendor()}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    postgres_items = [item for item in items if item.get_closest_marker("postgres")]
    if not postgres_items:
        return
    vendor = _database_vendor()
    if vendor == "postgresql":
        return
    reason = f"needs PostgreSQL but the configured database is {vendor}: {_HOW_TO_GET_POSTGRES}"
    for item in postgres_items:
        item.add_marker(pytest.mark.skip(reason=reason))


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, lineno, message = longrepr
        message = message.removeprefix("Skipped: ")
        return f"{message} (skipped at {path}:{lineno})"  # pytest's lineno here is already 1-based
    return str(longrepr)


def _strict_message(what: str, reason: str) -> str:
    return (
        f"{what} was skipped, and {STRICT_ENV}=1 turns skips into failures. Why it could not run: {reason}. "
        "Fix the environment (scripts/test sets everything up) rather than let it skip."
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if strict_mode() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = _strict_message(item.nodeid, _skip_reason(report))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    # A module-level pytest.skip()/importorskip() skips a whole file at collection time.
    report = yield
    if strict_mode() and report.skipped:
        report.outcome = "failed"
        report.longrepr = _strict_message(f"Everything in {collector.nodeid}", _skip_reason(report))
    return report
