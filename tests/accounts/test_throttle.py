"""Lockout after repeated failed sign-ins, per account and per address (tutela/accounts/throttle.py)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from tests.accounts.test_views import NOT_RECOGNISED, last_seq, sign_in
from tests.cast import PASSWORD
from tests.pupils.helpers import main_content
from tutela.accounts.models import SignInThrottle
from tutela.audit.models import AuditEvent
from tutela.core import clock

pytestmark = pytest.mark.django_db
LOCKED = b"Too many failed sign-ins"


def fail(client, email: str, times: int, **extra) -> None:
    for _ in range(times):
        response = client.post(
            reverse("accounts:login"), {"username": email, "password": "wrong-guess-123"}, **extra
        )
        assert response.status_code == 200


@override_settings(TUTELA_SIGNIN_MAX_FAILURES_PER_ACCOUNT=3)
def test_an_account_is_locked_after_repeated_failures_even_for_the_right_password(cast, client):
    fail(client, "dsl@tests.example", 2)
    before = last_seq()
    fail(client, "dsl@tests.example", 1)
    response = sign_in(client, "dsl@tests.example", PASSWORD)
    assert response.status_code == 200
    assert LOCKED in response.content
    lockouts = AuditEvent.objects.filter(seq__gt=before, action="auth.lockout")
    assert [(e.target_id, e.fields) for e in lockouts] == [(cast.dsl.public_id, ["account"])]


@override_settings(TUTELA_SIGNIN_MAX_FAILURES_PER_ACCOUNT=3)
def test_a_locked_unknown_email_gets_the_same_answer_as_a_locked_account(cast, client):
    fail(client, "dsl@tests.example", 3)
    fail(client, "nobody@tests.example", 3)
    known = sign_in(client, "dsl@tests.example", PASSWORD)
    unknown = sign_in(client, "nobody@tests.example", PASSWORD)
    assert LOCKED in known.content and LOCKED in unknown.content
    assert main_content(known.content).replace("dsl@", "X@") == main_content(unknown.content).replace(
        "nobody@", "X@"
    )


@override_settings(TUTELA_SIGNIN_MAX_FAILURES_PER_ACCOUNT=3)
def test_the_lock_ends_after_the_window(cast, client):
    fail(client, "dsl@tests.example", 3)
    assert LOCKED in sign_in(client, "dsl@tests.example", PASSWORD).content
    past = SignInThrottle.objects.get(kind="account")
    past.locked_until -= datetime.timedelta(minutes=16)
    past.save()
    assert sign_in(client, "dsl@tests.example", PASSWORD).status_code == 302


@override_settings(TUTELA_SIGNIN_MAX_FAILURES_PER_ACCOUNT=5)
def test_a_correct_password_clears_the_accounts_count(cast, client):
    fail(client, "form_tutor@tests.example", 4)
    assert sign_in(client, "form_tutor@tests.example", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    fail(client, "form_tutor@tests.example", 4)
    assert sign_in(client, "form_tutor@tests.example", PASSWORD).status_code == 302


@override_settings(TUTELA_SIGNIN_MAX_FAILURES_PER_ADDRESS=4)
def test_an_address_spraying_many_accounts_is_locked(cast, client):
    for role in ("dsl", "dpo", "senco", "it_admin"):
        fail(client, f"{role}@tests.example", 1, REMOTE_ADDR="203.0.113.9")
    blocked = client.post(
        reverse("accounts:login"),
        {"username": "form_tutor@tests.example", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )
    assert LOCKED in blocked.content
    elsewhere = client.post(
        reverse("accounts:login"),
        {"username": "form_tutor@tests.example", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )
    assert elsewhere.status_code == 302


def test_a_failure_below_the_limit_gives_the_usual_answer(cast, client):
    response = client.post(
        reverse("accounts:login"), {"username": "dsl@tests.example", "password": "nope-nope-1"}
    )
    assert NOT_RECOGNISED in response.content
    assert LOCKED not in response.content


def test_the_throttle_table_holds_no_email_and_no_address(cast, client):
    fail(client, "typed.address@tests.example", 2, REMOTE_ADDR="203.0.113.77")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_signinthrottle")
        rows = cursor.fetchall()
    assert len(rows) == 2
    table = repr(rows)
    for text in ("typed.address", "tests.example", "203.0.113.77"):
        assert text not in table


def test_old_rows_are_purged_when_a_new_failure_is_counted(cast, client):
    fail(client, "dsl@tests.example", 1, REMOTE_ADDR="203.0.113.1")
    old = datetime.timedelta(minutes=16)
    for row in SignInThrottle.objects.all():
        row.window_started_at -= old
        row.save()
    fail(client, "dpo@tests.example", 1, REMOTE_ADDR="203.0.113.2")
    assert SignInThrottle.objects.count() == 2  # only the new account and address
    assert SignInThrottle.objects.filter(window_started_at__lt=clock.now() - old).count() == 0
