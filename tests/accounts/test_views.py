"""Signing in and out (tutela/accounts/views.py, backends.py, signals.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from tests.cast import PASSWORD
from tests.pupils.helpers import main_content
from tutela.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

NOT_RECOGNISED = b"Your email or password was not recognised."


def sign_in(client, email: str, password: str, **extra: str):
    return client.post(reverse("accounts:login"), {"username": email, "password": password, **extra})


def last_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").first()
    return last.seq if last else 0


def auth_events_after(seq: int) -> list[tuple[str, object]]:
    return [
        (e.action, e.actor_id) for e in AuditEvent.objects.filter(seq__gt=seq, kind="auth").order_by("seq")
    ]


def audit_table_text() -> str:
    """Every row of the audit table as the database holds it, as text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent")
        return repr(cursor.fetchall())


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(cast, client):
    wrong_password = sign_in(client, "dsl@tests.example", "not-the-password")
    unknown_email = sign_in(client, "nobody@tests.example", "not-the-password")
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert NOT_RECOGNISED in wrong_password.content
    # The pages differ only in the email the form echoes back.
    assert main_content(wrong_password.content).replace("dsl@", "X@") == main_content(
        unknown_email.content
    ).replace("nobody@", "X@")


def test_a_correct_password_signs_in_and_goes_home(cast, client):
    response = sign_in(client, "form_tutor@tests.example", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_the_email_is_matched_whatever_its_case_and_spacing(cast, client):
    response = sign_in(client, "  DSL@Tests.Example ", PASSWORD)
    assert response.status_code == 302


def test_sign_in_returns_to_the_page_asked_for(cast, client):
    profile = reverse("pupils:profile", args=[cast.pupil_record.public_id])
    to_login = client.get(profile)
    assert to_login.status_code == 302
    assert to_login["Location"] == f"{reverse('accounts:login')}?next={profile}"
    response = sign_in(client, "form_tutor@tests.example", PASSWORD, next=profile)
    assert response["Location"] == profile


def test_sign_in_never_redirects_off_site(cast, client):
    response = sign_in(client, "dsl@tests.example", PASSWORD, next="https://evil.example/")
    assert response["Location"] == reverse("home")


def test_an_inactive_account_gets_the_same_answer_as_a_wrong_password(cast, client, audited):
    user = cast.dsl
    user.is_active = False
    user.save()
    response = sign_in(client, "dsl@tests.example", PASSWORD)
    assert response.status_code == 200
    assert NOT_RECOGNISED in response.content


def test_signing_in_writes_an_auth_login_event_for_the_user(cast, client):
    before = last_seq()
    sign_in(client, "senco@tests.example", PASSWORD)
    events = list(AuditEvent.objects.filter(seq__gt=before, kind="auth"))
    assert [(e.action, e.target_id, e.subjects) for e in events] == [
        ("auth.login", cast.senco.public_id, [str(cast.senco.public_id)])
    ]
    assert events[0].request_id != ""


def test_a_failed_sign_in_writes_auth_login_failed_without_the_typed_email(cast, client):
    before = last_seq()
    sign_in(client, "typed.address@tests.example", "a-wrong-password")
    sign_in(client, "dsl@tests.example", "a-wrong-password")
    assert auth_events_after(before) == [("auth.login_failed", None), ("auth.login_failed", None)]
    table = audit_table_text()
    for typed in ("typed.address", "dsl@tests.example", "a-wrong-password"):
        assert typed not in table


def test_signing_out_writes_an_auth_logout_event_and_ends_the_session(cast, login):
    client = login(cast.dpo)
    before = last_seq()
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert auth_events_after(before) == [("auth.logout", cast.dpo.public_id)]
    assert client.get(reverse("pupils:list")).status_code == 302


def test_sign_out_is_post_only(cast, login):
    client = login(cast.dpo)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("pupils:list")).status_code == 200
