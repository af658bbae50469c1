"""The demo trust: logins for every role in a 0600 file, and two factors that need no phone."""

from __future__ import annotations

import io
import re
import stat

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from tutela import audit
from tutela.demo.management.commands.demo_code import current_code
from tutela.demo.management.commands.seed_demo import logins_file, totp_secrets

pytestmark = pytest.mark.django_db

PRIVILEGED = ("trust.admin", "school.admin", "senco", "dsl", "dpo", "it.admin")


@pytest.fixture
def seeded(settings, tmp_path):
    settings.TUTELA_HOME = tmp_path
    call_command("seed_demo", "--pupils-per-form", "1", "--no-photos", stdout=io.StringIO())
    return logins_file().read_text()


def test_the_logins_file_is_private_and_names_every_showcase_role(seeded):
    assert stat.S_IMODE(logins_file().stat().st_mode) == 0o600
    for role in ("Trust administrator", "SENCO", "Form tutor", "Parent", "Pupil", "IT administrator"):
        assert role in seeded


def test_exactly_the_privileged_roles_have_an_authenticator(seeded):
    emails = {email.split("@")[0] for email in totp_secrets(seeded)}
    assert emails == set(PRIVILEGED)
    assert all(re.fullmatch(r"[A-Z2-7]{32}", secret) for secret in totp_secrets(seeded).values())


def test_the_senco_signs_in_with_the_password_and_a_code_from_demo_code(seeded):
    [(email, secret)] = [(e, s) for e, s in totp_secrets(seeded).items() if e.startswith("senco@")]
    password = re.search(rf"{re.escape(email)}\s+(\S+)", seeded).group(1)
    client = Client()
    with audit.context(actor=None, reason="test"):
        signed_in = client.post(reverse("accounts:login"), {"username": email, "password": password})
    assert signed_in.status_code == 302
    assert client.get(reverse("pupils:list")).status_code == 302  # a password alone reaches nothing
    out = io.StringIO()
    call_command("demo_code", email, stdout=out)
    code = out.getvalue().split()[-1]
    assert code == current_code(secret) and re.fullmatch(r"\d{6}", code)
    verified = client.post(reverse("accounts:verify"), {"code": code})
    assert verified.status_code == 302
    assert client.get(reverse("pupils:list")).status_code == 200


def test_demo_code_explains_a_missing_file_or_account(settings, tmp_path, seeded):
    with pytest.raises(CommandError, match="has no authenticator"):
        call_command("demo_code", "form.tutor@northfield.example", stdout=io.StringIO())
    settings.TUTELA_HOME = tmp_path / "elsewhere"
    with pytest.raises(CommandError, match="this is not a demo instance"):
        call_command("demo_code", stdout=io.StringIO())
