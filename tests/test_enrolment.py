"""The first administrator, and password resets by IT: one-time links, never a password set by code."""

from __future__ import annotations

import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from tutela import audit
from tutela.accounts.backends import user_by_email
from tutela.accounts.models import Membership, Role
from tutela.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "correct horse battery staple"


def _link(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return urlsplit(re.search(r"https?://\S+", out.getvalue()).group(0)).path


def _choose_password(client, path: str, password: str = NEW_PASSWORD):
    landing = client.get(path)
    assert landing.status_code == 302  # the token leaves the URL before the form is shown
    return client.post(landing["Location"], {"new_password1": password, "new_password2": password})


def test_create_admin_makes_an_account_that_cannot_sign_in_until_enrolled(cast, client):
    path = _link("create_admin", "--email", "Head@School.example", "--name", "Ms Head", "--school", "100001")
    with audit.context(actor=None, reason="test"):
        user = user_by_email("head@school.example")
    assert user is not None and not user.has_usable_password()
    assert Membership.objects.filter(user=user, role=Role.SCHOOL_ADMIN, school=cast.school).exists()
    response = _choose_password(client, path)
    assert response.status_code == 302 and response["Location"].endswith("/accounts/login/")
    with audit.context(actor=None, reason="test"):
        assert client.login(username="head@school.example", password=NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="auth.password_set", target_id=user.public_id).count() == 1


def test_an_enrolment_link_works_once(cast, client):
    path = _link(
        "create_admin", "--email", "it@school.example", "--name", "IT", "--school", "100001", "--role", "it"
    )
    _choose_password(client, path)
    again = client.get(path, follow=True)
    assert b"This link no longer works" in again.content


def test_an_enrolment_link_expires(cast, client):
    path = _link("enrolment_link", "--email", cast.dpo.email)
    with override_settings(PASSWORD_RESET_TIMEOUT=-1):
        assert b"This link no longer works" in client.get(path, follow=True).content


def test_a_weak_password_is_refused_on_the_field(cast, client):
    path = _link("enrolment_link", "--email", cast.dpo.email)
    response = _choose_password(client, path, "short")
    assert response.status_code == 200
    assert b"too short" in response.content


def test_a_trust_admin_is_created_for_a_trust(cast):
    _link(
        "create_admin",
        "--email",
        "ceo@trust.example",
        "--name",
        "CEO",
        "--role",
        "trust",
        "--trust",
        "Test Trust",
    )
    assert Membership.objects.filter(role=Role.TRUST_ADMIN, trust=cast.trust, school=None).count() == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--email", "x@y.example", "--name", "X", "--school", "999999"], "No school has URN"),
        (
            ["--email", "x@y.example", "--name", "X", "--role", "trust", "--trust", "Nope"],
            "No trust is called",
        ),
        (["--email", "x@y.example", "--name", "X", "--role", "trust", "--school", "100001"], "needs --trust"),
        (["--email", "x@y.example", "--name", "X", "--trust", "Test Trust"], "goes with --role trust"),
        (["--email", "SCHOOL_ADMIN@tests.example", "--name", "X", "--school", "100001"], "exists already"),
    ],
)
def test_create_admin_explains_what_is_wrong(cast, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_admin", *arguments, stdout=StringIO())


def test_enrolment_link_for_an_unknown_email_fails(cast):
    with pytest.raises(CommandError, match="No active account"):
        call_command("enrolment_link", "--email", "nobody@nowhere.example", stdout=StringIO())
