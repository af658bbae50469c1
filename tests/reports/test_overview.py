"""The pupil overview ("the whole picture"): staff at the school who may see the pupil; 404 for everyone
else, families included; a date range chosen with a small form, validated with a clear error."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.attendance.conftest import MONDAY
from tests.reports.worked import mark_sessions
from tutela.audit.models import AuditEvent
from tutela.core import clock

pytestmark = pytest.mark.django_db


def overview(client, cast, **params):
    return client.get(reverse("reports:pupil_overview", args=[cast.pupil_record.public_id]), params)


def test_the_head_of_year_sees_attendance_with_a_link_to_the_detail(cast, login, audited):
    mark_sessions(cast, ["/", "\\", "/", "\\", "/", "N", "/", "\\", "/", "\\"])
    week = {"start": MONDAY.isoformat(), "end": (MONDAY + datetime.timedelta(days=6)).isoformat()}
    since = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    response = overview(login(cast.head_of_year), cast, **week)
    page = response.content.decode()
    assert response.status_code == 200
    assert cast.pupil_record.display_name in page
    assert "90.0 %" in page
    attendance = reverse("attendance:pupil", args=[cast.pupil_record.public_id])
    assert f'href="{attendance}?start=2026-11-23&amp;end=2026-11-29"' in page
    reads = AuditEvent.objects.filter(seq__gt=since, kind="read", action="reports:pupil_overview")
    assert {c for event in reads for c in event.categories} >= {"attendance"}


def test_a_class_teacher_sees_the_page_without_the_attendance_they_may_not_see(cast, login, audited):
    mark_sessions(cast, ["/", "N"])
    page = overview(login(cast.class_teacher), cast).content.decode()
    assert cast.pupil_record.display_name in page
    assert "Possible sessions" not in page


@pytest.mark.parametrize("role", ["parent", "pupil", "other_parent", "other_school_admin", "it_admin"])
def test_families_and_outsiders_never_get_the_overview(cast, login, role):
    assert overview(login(getattr(cast, role)), cast).status_code == 404


def test_reversed_dates_are_refused_with_a_clear_error(cast, login):
    response = overview(login(cast.form_tutor), cast, start="2026-12-01", end="2026-11-01")
    assert response.status_code == 400
    assert "is before “From” (01/12/2026): swap them." in response.content.decode()


def test_a_date_that_is_not_one_is_refused(cast, login):
    response = overview(login(cast.form_tutor), cast, start="2026-13-01", end="")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid date." in page and "This field is required." in page


def test_the_profile_links_to_the_overview_for_staff_only(cast, login):
    url = reverse("pupils:profile", args=[cast.pupil_record.public_id])
    link = reverse("reports:pupil_overview", args=[cast.pupil_record.public_id])
    assert link in login(cast.form_tutor).get(url).content.decode()
    family = login(cast.parent).get(url)
    assert family.status_code == 200 and cast.pupil_record.display_name in family.content.decode()
    assert link not in family.content.decode()


def test_a_range_of_more_than_two_years_is_refused(cast, login):
    response = overview(login(cast.form_tutor), cast, start="2023-09-01", end="2026-11-01")
    assert response.status_code == 400
    assert "Choose a range of at most two years." in response.content.decode()


def test_without_dates_the_page_covers_the_academic_year_to_date(cast, login, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2027, 3, 4))
    page = overview(login(cast.form_tutor), cast).content.decode()
    assert "From 1 September 2026 to 4 March 2027." in page
