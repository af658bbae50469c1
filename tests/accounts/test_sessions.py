"""The sessions of a user: listed, revocable, ended when idle or too old (tutela/accounts/middleware.py)."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.cast import PASSWORD
from tutela import audit
from tutela.accounts.models import UserSession
from tutela.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605 Version/17.0 Safari/605.1"


def browser(email: str, user_agent: str, ip: str) -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_signing_in_records_the_session_by_a_hash_of_its_key(cast):
    client = browser("form_tutor@tests.example", FIREFOX, "192.0.2.10")
    key = session_key(client)
    row = UserSession.objects.get(user=cast.form_tutor)
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_usersession")
        table = repr(cursor.fetchall())
    assert key not in table
    assert "192.0.2.10" not in table  # the address is encrypted under the user's key
    assert "Firefox" not in table


def test_the_security_page_lists_each_session_with_device_address_and_times(cast):
    laptop = browser("form_tutor@tests.example", FIREFOX, "192.0.2.10")
    browser("form_tutor@tests.example", SAFARI, "198.51.100.20")
    page = laptop.get(reverse("accounts:security"))
    assert page.status_code == 200
    assert b"Firefox on Windows" in page.content and b"(this browser)" in page.content
    assert b"Safari on iPhone" in page.content
    assert b"198.51.100.20" in page.content
    assert page.content.count(b"(this browser)") == 1


def test_revoking_a_session_signs_that_browser_out(cast):
    laptop = browser("form_tutor@tests.example", FIREFOX, "192.0.2.10")
    phone = browser("form_tutor@tests.example", SAFARI, "198.51.100.20")
    phone_row = UserSession.objects.get(key_hash=hashlib.sha256(session_key(phone).encode()).hexdigest())
    assert laptop.post(reverse("accounts:session_revoke", args=[phone_row.public_id])).status_code == 302
    response = phone.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert laptop.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(
        action="auth.session_revoked", target_id=cast.form_tutor.public_id
    ).exists()


def test_another_users_session_cannot_be_revoked(cast):
    tutor = browser("form_tutor@tests.example", FIREFOX, "192.0.2.10")
    teacher = browser("class_teacher@tests.example", FIREFOX, "192.0.2.11")
    target = UserSession.objects.get(user=cast.class_teacher)
    assert tutor.post(reverse("accounts:session_revoke", args=[target.public_id])).status_code == 404
    assert teacher.get(reverse("home")).status_code == 200


def test_sign_out_everywhere_else_keeps_only_this_browser(cast):
    laptop = browser("form_tutor@tests.example", FIREFOX, "192.0.2.10")
    others = [browser("form_tutor@tests.example", SAFARI, f"198.51.100.{n}") for n in (1, 2)]
    response = laptop.post(reverse("accounts:sessions_revoke_others"), follow=True)
    assert b"2 other sessions" in response.content
    assert laptop.get(reverse("home")).status_code == 200
    for other in others:
        assert other.get(reverse("home")).status_code == 302
    assert UserSession.objects.filter(user=cast.form_tutor).count() == 1


def test_a_session_idle_for_longer_than_the_limit_is_signed_out(cast):
    client = browser("form_tutor@tests.example", FIREFOX, "192.0.2.10")
    assert client.get(reverse("home")).status_code == 200
    idle = datetime.timedelta(minutes=settings.TUTELA_SESSION_IDLE_MINUTES, seconds=1)
    row = UserSession.objects.get(user=cast.form_tutor)
    UserSession.objects.filter(pk=row.pk).update(last_seen_at=row.last_seen_at - idle)
    response = client.get(reverse("home"), follow=True)
    assert b"signed out after a period without activity" in response.content
    assert AuditEvent.objects.filter(action="auth.session_idle", target_id=cast.form_tutor.public_id).exists()
    assert not UserSession.objects.filter(pk=row.pk).exists()


def test_activity_keeps_a_session_alive(cast):
    client = browser("form_tutor@tests.example", FIREFOX, "192.0.2.10")
    row = UserSession.objects.get(user=cast.form_tutor)
    almost = datetime.timedelta(minutes=settings.TUTELA_SESSION_IDLE_MINUTES - 1)
    UserSession.objects.filter(pk=row.pk).update(last_seen_at=row.last_seen_at - almost)
    assert client.get(reverse("home")).status_code == 200
    assert UserSession.objects.get(pk=row.pk).last_seen_at > row.last_seen_at - datetime.timedelta(seconds=5)


def test_a_session_older_than_the_absolute_limit_is_signed_out_even_if_active(cast):
    client = browser("form_tutor@tests.example", FIREFOX, "192.0.2.10")
    row = UserSession.objects.get(user=cast.form_tutor)
    too_old = datetime.timedelta(hours=settings.TUTELA_SESSION_MAX_HOURS, seconds=1)
    UserSession.objects.filter(pk=row.pk).update(created_at=row.created_at - too_old)
    response = client.get(reverse("home"), follow=True)
    assert b"reached its time limit" in response.content


def test_the_api_answers_403_for_an_ended_session(cast):
    client = browser("form_tutor@tests.example", FIREFOX, "192.0.2.10")
    with audit.context(actor=None, reason="test"):
        UserSession.objects.filter(user=cast.form_tutor).delete()
    response = client.get(reverse("pupils-api:list"))
    assert response.status_code == 403


def test_signing_out_removes_the_sessions_row(cast):
    client = browser("form_tutor@tests.example", FIREFOX, "192.0.2.10")
    client.post(reverse("accounts:logout"))
    assert not UserSession.objects.filter(user=cast.form_tutor).exists()


def test_session_cookies_are_httponly_and_samesite(cast):
    client = browser("form_tutor@tests.example", FIREFOX, "192.0.2.10")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_AGE == settings.TUTELA_SESSION_MAX_HOURS * 3600
