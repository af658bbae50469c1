"""Reads of personal data are collected per context and written as one event (tutela/audit/context.py,
chain.record_read/flush_reads, middleware.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from tests.audit.conftest import events_after, last_seq
from tutela import audit
from tutela.audit.middleware import AuditContextMiddleware
from tutela.audit.models import AuditEvent
from tutela.pupils.models import Pupil

pytestmark = pytest.mark.django_db


def test_reads_in_one_context_become_one_event_when_it_ends(cast):
    since = last_seq()
    with audit.context(actor=cast.school_admin, reason="", action="pupils.list") as ctx:
        first = list(Pupil.objects.for_actor(cast.school_admin, "pupils.view").order_by("pk"))
        contacts = list(Pupil.objects.for_actor(cast.school_admin, "pupils.view_contacts").order_by("pk"))
        assert events_after(since) == []  # nothing written yet: reads are collected
        assert ctx.reads is not None
    [event] = events_after(since)
    assert (event.kind, event.action) == ("read", "pupils.list")
    assert event.actor_id == cast.school_admin.public_id
    assert event.subjects == [str(p.public_id) for p in first]
    assert len(first) == 3 and {p.pk for p in contacts} == {p.pk for p in first}
    assert event.categories == ["contact", "identity"]
    assert (event.target_type, event.target_id) == ("pupils.pupil", None)  # a list: no single target
    assert event.fields == []


def test_a_read_of_one_row_names_it_as_the_target(cast):
    since = last_seq()
    with audit.context(actor=cast.form_tutor, reason="", action="pupils.profile"):
        Pupil.objects.for_actor(cast.form_tutor, "pupils.view").get(public_id=cast.pupil_record.public_id)
    [event] = events_after(since)
    assert (event.target_type, event.target_id) == ("pupils.pupil", cast.pupil_record.public_id)
    assert event.subjects == [str(cast.pupil_record.public_id)]
    assert event.categories == ["identity"]


def test_the_same_pupil_read_twice_is_named_once(cast):
    since = last_seq()
    with audit.context(actor=cast.form_tutor, reason=""):
        for _ in range(2):
            list(Pupil.objects.for_actor(cast.form_tutor, "pupils.view"))
    [event] = events_after(since)
    assert event.subjects == [str(cast.pupil_record.public_id)]


def test_a_context_that_read_nothing_records_nothing(cast):
    since = last_seq()
    with audit.context(actor=cast.it_admin, reason=""):
        assert list(Pupil.objects.for_actor(cast.it_admin, "pupils.view")) == []
    assert events_after(since) == []


def test_reading_personal_data_without_a_context_raises(cast):
    with pytest.raises(audit.AuditContextMissing) as raised:
        list(Pupil.objects.for_actor(cast.school_admin, "pupils.view"))
    assert "wrap their work in `with audit.context(actor=..., reason=...)`" in str(raised.value)


def test_recording_without_a_context_raises(db):
    with pytest.raises(audit.AuditContextMissing):
        audit.record(kind="system", action="test.no_context")
    with pytest.raises(audit.AuditContextMissing):
        audit.record_read(target_type="pupils.pupil", subjects=["x"], categories=["identity"])
    assert not AuditEvent.objects.exists()


def test_a_command_context_records_its_reason_and_no_actor(db):
    with audit.context(actor=None, reason="nightly import " + "x" * 300):
        event = audit.record(kind="system", action="test.import")
    assert event.actor_id is None
    assert event.reason == ("nightly import " + "x" * 300)[:200]
    assert (event.request_id, event.ip) == ("", None)


def test_an_anonymous_actor_is_recorded_as_no_one(db):
    with audit.context(actor=AnonymousUser(), reason="test"):
        assert audit.record(kind="auth", action="test.failed_sign_in").actor_id is None


def test_a_page_view_is_one_read_event_with_the_request_details(cast, login):
    client = login(cast.form_tutor)
    since = last_seq()
    response = client.get(
        reverse("pupils:profile", args=[cast.pupil_record.public_id]), REMOTE_ADDR="192.0.2.7"
    )
    assert response.status_code == 200
    reads = [e for e in events_after(since) if e.kind == "read"]
    assert len(reads) == 1
    [event] = reads
    assert event.action == "pupils:profile"
    assert event.actor_id == cast.form_tutor.public_id
    assert event.target_id == cast.pupil_record.public_id
    assert event.request_id == response["X-Request-ID"]
    assert event.ip == "192.0.2.7"
    assert "Amelia" not in repr(AuditEvent.objects.filter(pk=event.pk).values().get())


def test_a_request_outside_the_url_patterns_is_named_by_its_path_and_its_user(cast, rf):
    request = rf.get("/reports/" + "x" * 200)
    request.user = cast.form_tutor

    def view(request: HttpRequest) -> HttpResponse:
        list(Pupil.objects.for_actor(request.user, "pupils.view"))
        return HttpResponse("ok")

    since = last_seq()
    assert AuditContextMiddleware(view)(request).content == b"ok"
    [event] = events_after(since)
    assert event.action == ("/reports/" + "x" * 200)[:120]
    assert event.actor_id == cast.form_tutor.public_id
