"""Password rules (NCSC: length and a deny-list, no composition rules) and reset by a one-time link."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.accounts.test_views import last_seq
from tests.cast import PASSWORD
from tutela.accounts.models import UserSession
from tutela.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "kettle orbit velvet lantern"


def messages_of(raised: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(raised.value.messages)


@pytest.mark.parametrize("password", ["password1234", "qwertyuiop123"])
def test_a_common_password_is_refused_even_when_long_enough(password):
    with pytest.raises(ValidationError) as raised:
        validate_password(password)
    assert "too common" in messages_of(raised)


@pytest.mark.parametrize("password", ["iloveyou1234", "liverpool1234", "arsenal12345"])
def test_a_breached_password_beyond_djangos_list_is_refused(password):
    with pytest.raises(ValidationError) as raised:
        validate_password(password)
    assert "appeared in a data breach" in messages_of(raised)
    assert "too common" not in messages_of(raised)  # caught by the larger offline list, not Django's


def test_a_short_password_is_refused():
    with pytest.raises(ValidationError) as raised:
        validate_password("Sh0rt!pw")
    assert "too short" in messages_of(raised)


def test_no_composition_rules_a_long_lowercase_passphrase_is_fine():
    validate_password("correct horse battery staple")
    validate_password("a" * 3 + " much longer passphrase of many words " * 20)  # ~780 characters


def test_an_absurdly_long_password_is_refused():
    with pytest.raises(ValidationError) as raised:
        validate_password("x" * 1001)
    assert "longer than 1000" in messages_of(raised)


def test_a_password_containing_the_users_name_or_email_is_refused(cast, audited):
    with pytest.raises(ValidationError) as raised:
        validate_password("my name is Form Tutor ok", user=cast.form_tutor)
    assert "your name or email" in messages_of(raised)
    with pytest.raises(ValidationError):
        validate_password("form_tutor-2026-secret", user=cast.form_tutor)
    validate_password("kettle orbit velvet lantern", user=cast.form_tutor)


def request_reset(client: Client, email: str):
    return client.post(reverse("accounts:password_reset"), {"email": email})


def test_the_reset_answer_is_the_same_whether_the_email_has_an_account_or_not(cast, client):
    known = request_reset(client, "dsl@tests.example")
    unknown = request_reset(client, "nobody@tests.example")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dsl@tests.example"]


def reset_link(message) -> str:
    return urlsplit(re.search(r"https?://\S+", message.body).group(0)).path


def test_a_reset_link_sets_a_new_password_once_and_signs_out_every_session(cast, client):
    elsewhere = Client()
    assert (
        elsewhere.post(
            reverse("accounts:login"), {"username": "form_tutor@tests.example", "password": PASSWORD}
        ).status_code
        == 302
    )
    before = last_seq()
    request_reset(client, "form_tutor@tests.example")
    link = reset_link(mail.outbox[0])
    landing = client.get(link)
    assert landing.status_code == 302  # the token leaves the URL
    done = client.post(landing["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("accounts:login")
    assert elsewhere.get(reverse("home")).status_code == 302  # signed out
    assert not UserSession.objects.filter(user=cast.form_tutor).exists()
    again = client.get(link, follow=True)
    assert b"This link no longer works" in again.content
    fresh = Client()
    assert (
        fresh.post(
            reverse("accounts:login"), {"username": "form_tutor@tests.example", "password": NEW_PASSWORD}
        ).status_code
        == 302
    )
    actions = list(AuditEvent.objects.filter(seq__gt=before, kind="auth").values_list("action", flat=True))
    assert actions[:3] == ["auth.password_reset_requested", "auth.password_set", "auth.sessions_revoked"]


def test_a_reset_request_for_an_unknown_email_is_audited_without_a_target(cast, client):
    before = last_seq()
    request_reset(client, "nobody@tests.example")
    events = list(AuditEvent.objects.filter(seq__gt=before, action="auth.password_reset_requested"))
    assert [(e.target_id, e.subjects) for e in events] == [(None, [])]


def test_a_reset_clears_a_lockout(cast, client, settings):
    settings.TUTELA_SIGNIN_MAX_FAILURES_PER_ACCOUNT = 2
    for _ in range(2):
        client.post(
            reverse("accounts:login"), {"username": "form_tutor@tests.example", "password": "nope-1234567"}
        )
    request_reset(client, "form_tutor@tests.example")
    landing = client.get(reset_link(mail.outbox[0]))
    client.post(landing["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = client.post(
        reverse("accounts:login"), {"username": "form_tutor@tests.example", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302


def test_the_sign_in_page_offers_the_reset(cast, client):
    assert reverse("accounts:password_reset").encode() in client.get(reverse("accounts:login")).content
