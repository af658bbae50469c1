"""The attendance pages, through the test client."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.attendance.conftest import build_day
from tests.cast import make_pupil
from tutela import audit
from tutela.attendance import services
from tutela.attendance.models import Mark, MarkAmendment
from tutela.attendance.services import MarkInput
from tutela.core import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def today_day(cast):
    return build_day(cast, clock.today())


def _post_register(client, register, data, htmx=True):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("attendance:register", args=[register.public_id]), data, **extra)


def test_a_form_tutor_sees_todays_registers_for_their_form(cast, today_day, login):
    response = login(cast.form_tutor).get(reverse("attendance:today"))
    assert response.status_code == 200
    assert b"7A" in response.content and b"AM registration" in response.content
    assert b"8A" not in response.content


def test_a_form_tutor_takes_the_register_with_one_tap_for_an_absence(cast, today_day, login):
    client = login(cast.form_tutor)
    with audit.context(actor=None, reason="test"):
        bilal = make_pupil(cast.school, cast.year7, cast.form_7a, "Zed", "Adams")
    page = client.get(reverse("attendance:register", args=[today_day.am_7a.public_id]))
    assert b"Amelia Owusu" in page.content and b"Zed Adams" in page.content
    key = cast.pupil_record.public_id.hex
    response = _post_register(client, today_day.am_7a, {f"m-{key}": "N", f"v-{key}": "0"})
    assert response.status_code == 200
    assert b"<html" not in response.content  # the partial, swapped in place by HTMX
    assert b"Saved: 2 marks written" in response.content
    marks = {
        m.pupil_id: m.code
        for m in Mark.system.filter(register=today_day.am_7a).select_related("pupil__data_key")
    }
    assert marks == {cast.pupil_record.pk: "N", bilal.pk: "/"}


def test_without_htmx_the_register_saves_and_redirects(cast, today_day, login):
    response = _post_register(login(cast.form_tutor), today_day.am_7a, {}, htmx=False)
    assert response.status_code == 302


def test_a_changed_mark_after_close_without_a_reason_is_refused_on_the_page(cast, day, login):
    with audit.context(actor=None, reason="test"):
        services.register_submit(
            actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(cast.pupil_record.pk, "N")]
        )
    client = login(cast.school_admin)
    key = cast.pupil_record.public_id.hex
    response = _post_register(client, day.am_7a, {f"m-{key}": "/", f"v-{key}": "1"}, htmx=False)
    assert response.status_code == 400 and b"give a reason" in response.content
    # HTMX swaps only 2xx answers: the partial carries the error with a 200, so the teacher sees it.
    response = _post_register(client, day.am_7a, {f"m-{key}": "/", f"v-{key}": "1"})
    assert response.status_code == 200 and b'role="alert">This register has closed' in response.content
    response = _post_register(
        client, day.am_7a, {f"m-{key}": "/", f"v-{key}": "1", "reason": "Arrived with dad"}
    )
    assert response.status_code == 200
    assert MarkAmendment.system.count() == 1


def test_the_senco_sees_a_register_but_may_not_take_it(cast, today_day, login):
    client = login(cast.senco)
    url = reverse("attendance:register", args=[today_day.am_7a.public_id])
    page = client.get(url)
    assert page.status_code == 200 and b"Save register" not in page.content
    assert client.post(url, {}).status_code == 403


def test_another_teacher_gets_404_for_a_register_not_theirs(cast, today_day, login):
    url = reverse("attendance:register", args=[today_day.am_7a.public_id])
    assert login(cast.other_teacher).get(url).status_code == 404


def test_the_office_sees_missing_registers_and_unexplained_absences(cast, today_day, login):
    with audit.context(actor=None, reason="test"):
        services.register_submit(
            actor=cast.form_tutor, register=today_day.am_7a, marks=[MarkInput(cast.pupil_record.pk, "N")]
        )
    response = login(cast.school_admin).get(reverse("attendance:office"))
    assert response.status_code == 200
    assert b"Amelia Owusu" in response.content  # the N to chase
    assert b"not taken" in response.content  # 8A's registers


def test_an_early_leaver_is_recorded_from_the_register_page(cast, today_day, login):
    with audit.context(actor=None, reason="test"):
        services.register_submit(
            actor=cast.form_tutor, register=today_day.am_7a, marks=[MarkInput(cast.pupil_record.pk, "/")]
        )
    mark = Mark.system.get(register=today_day.am_7a)
    client = login(cast.form_tutor)
    response = client.post(
        reverse("attendance:mark_leave", args=[mark.public_id]),
        {"left_at": "10:30", "reason": "Orthodontist"},
    )
    assert response.status_code == 302
    mark = Mark.system.select_related("pupil__data_key").get(pk=mark.pk)
    assert (mark.left_at, mark.left_reason) == ("10:30", "Orthodontist")


def test_the_roll_call_lists_pupils_on_site_and_visitors(cast, login):
    now = clock.now()
    with audit.context(actor=None, reason="test"):
        day = build_day(cast, clock.today())
        services.register_submit(
            actor=cast.form_tutor,
            register=day.am_7a,
            marks=[MarkInput(cast.pupil_record.pk, "/")],
            now=now,
        )
        services.visitor_sign_in(actor=cast.school_admin, school=cast.school, name="Vera Visitor")
    client = login(cast.school_admin)
    response = client.get(reverse("attendance:roll_call"))
    assert response.status_code == 200
    assert b"Vera Visitor" in response.content
    if services.at(day.date, day.am.starts_at) <= now:
        assert b"Amelia Owusu" in response.content


def test_the_visitor_log_signs_visitors_in_and_out(cast, login):
    client = login(cast.school_admin)
    response = client.post(
        reverse("attendance:visitors"), {"name": "Sam Inspector", "organisation": "Ofsted"}
    )
    assert response.status_code == 302
    page = client.get(reverse("attendance:visitors"))
    assert b"Sam Inspector" in page.content
    from tutela.attendance.models import Visitor

    visitor = Visitor.system.get()
    assert client.post(reverse("attendance:visitor_sign_out", args=[visitor.public_id])).status_code == 302
    assert Visitor.system.get().signed_out_at is not None


def test_the_pupil_summary_shows_the_percentage(cast, day, login):
    with audit.context(actor=None, reason="test"):
        services.register_submit(
            actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(cast.pupil_record.pk, "/")]
        )
        services.register_submit(
            actor=cast.form_tutor, register=day.pm_7a, marks=[MarkInput(cast.pupil_record.pk, "I")]
        )
    url = reverse("attendance:pupil", args=[cast.pupil_record.public_id])
    response = login(cast.form_tutor).get(url, {"start": "2026-09-01", "end": "2026-11-30"})
    assert response.status_code == 200
    assert b"50.0 %" in response.content
    assert b"Severe" in response.content


def test_the_reports_list_a_severely_absent_pupil(cast, day, login):
    with audit.context(actor=None, reason="test"):
        services.register_submit(
            actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(cast.pupil_record.pk, "N")]
        )
    response = login(cast.school_admin).get(
        reverse("attendance:reports"), {"start": "2026-09-01", "end": "2026-11-30"}
    )
    assert response.status_code == 200
    assert b"Amelia Owusu" in response.content
    assert b"0.0 %" in response.content


def test_a_school_sub_code_chosen_on_the_page_records_its_national_code(cast, day, login):
    with audit.context(actor=None, reason="test"):
        services.subcode_create(
            school=cast.school, code="SN", label="Seen by school nurse", statutory_code="B"
        )
    client = login(cast.class_teacher)
    page = client.get(reverse("attendance:register", args=[day.maths.public_id]))
    assert b"SN: Seen by school nurse (B)" in page.content
    key = cast.pupil_record.public_id.hex
    assert _post_register(client, day.maths, {f"s-{key}": "SN", f"v-{key}": "0"}).status_code == 200
    mark = Mark.system.select_related("pupil__data_key").get(register=day.maths)
    assert (mark.code, mark.sub_code, mark.category) == ("B", "SN", "educational_activity")


def test_a_class_teacher_finds_their_lesson_register_from_the_timetable_alone(cast, login):
    import datetime as dt

    from tutela.schools import services as schools
    from tutela.schools.models import Period

    with audit.context(actor=None, reason="test"):
        lesson = schools.period_create(
            school=cast.school,
            name="P3",
            kind=Period.Kind.LESSON,
            session="PM",
            starts_at=dt.time(13, 50),
            ends_at=dt.time(14, 50),
        )
        schools.timetable_slot_create(
            teaching_group=cast.maths_7a, period=lesson, weekday=clock.today().weekday()
        )
    response = login(cast.class_teacher).get(reverse("attendance:today"))
    assert b"7A/Ma \xc2\xb7 P3" in response.content


def test_the_office_adds_a_school_code_and_may_not_reuse_a_national_one(cast, login):
    client = login(cast.school_admin)
    url = reverse("attendance:sub_codes")
    assert client.post(url, {"code": "SN", "label": "School nurse", "statutory_code": "B"}).status_code == 302
    assert b"School nurse" in client.get(url).content
    refused = client.post(url, {"code": "I", "label": "Ill", "statutory_code": "I"})
    assert refused.status_code == 400 and b"is a national code" in refused.content
    again = client.post(url, {"code": "sn", "label": "Again", "statutory_code": "B"})
    assert again.status_code == 400 and b"already has a code SN" in again.content


def test_the_reports_and_the_pupil_page_draw_charts_beside_their_tables(cast, day, login):
    with audit.context(actor=None, reason="test"):
        services.register_submit(
            actor=cast.form_tutor,
            register=day.am_7a,
            marks=[MarkInput(cast.pupil_record.pk, "L", minutes_late=5)],
        )
        services.register_submit(
            actor=cast.form_tutor, register=day.pm_7a, marks=[MarkInput(cast.pupil_record.pk, "/")]
        )
    client = login(cast.school_admin)
    report = client.get(reverse("attendance:reports"), {"start": "2026-09-01", "end": "2026-11-30"}).content
    assert report.count(b'role="img"') == 2  # weekly line and per-form bars, each with its data table
    assert b"Attendance by form" in report and b"Whole-school attendance by week" in report
    assert b"<script" not in report.split(b"</header>")[1]  # no inline script in the page body
    page = client.get(
        reverse("attendance:pupil", args=[cast.pupil_record.public_id]),
        {"start": "2026-11-01", "end": "2026-11-30"},
    ).content
    assert b'role="img"' in page and b"Late (L)" in page  # Monday 23 November: a late morning


def test_a_day_takes_the_worse_of_its_two_sessions_for_the_heat_map(cast, day, audited):
    from tutela.attendance import selectors

    services.register_submit(
        actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(cast.pupil_record.pk, "/")]
    )
    services.register_submit(
        actor=cast.form_tutor, register=day.pm_7a, marks=[MarkInput(cast.pupil_record.pk, "G")]
    )
    marks = list(Mark.system.filter(pupil=cast.pupil_record).select_related("register", "pupil__data_key"))
    assert selectors.pupil_days(marks=marks) == {day.date: "unauthorised"}
