"""Project-level guards: migrations match the models, and the system checks pass."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:  # --check exits 1 when a migration would be written
        pytest.fail(f"makemigrations --check found model changes without a migration:\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()


def test_the_system_checks_pass():
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)  # raises SystemCheckError on any error
    assert out.getvalue() == "System check identified no issues (0 silenced).\n"
