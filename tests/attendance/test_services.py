"""Taking registers: idempotent, never losing a mark, lates, early leavers, changes after close."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from tests.attendance.conftest import COMMITTED_APPS, MONDAY, at, build_day
from tests.cast import build_cast, make_pupil
from tutela import audit
from tutela.attendance import services
from tutela.attendance.models import Mark, MarkAmendment, Visitor
from tutela.attendance.services import MarkInput
from tutela.audit.models import AuditEvent
from tutela.vault.scope import vault_scope

pytestmark = pytest.mark.django_db


def _mark(register, pupil):
    return Mark.system.get(register=register, pupil=pupil)


def test_a_register_submitted_twice_changes_nothing_the_second_time(cast, day, audited):
    amelia = cast.pupil_record
    first = services.register_submit(
        actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(amelia.pk, "N")], now=at(8, 50)
    )
    again = services.register_submit(
        actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(amelia.pk, "N")], now=at(8, 51)
    )
    assert first.written == [amelia.pk] and again.unchanged == [amelia.pk] and not again.written
    mark = _mark(day.am_7a, amelia)
    assert (mark.code, mark.version, mark.category, mark.unexplained) == ("N", 1, "unauthorised", True)


def test_a_stale_default_never_overwrites_a_colleagues_mark(cast, day, audited):
    amelia = cast.pupil_record
    services.register_submit(
        actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(amelia.pk, "I")], now=at(8, 50)
    )
    # The head of year's screen was loaded before: Amelia shown unmarked (version 0), default present.
    result = services.register_submit(
        actor=cast.head_of_year, register=day.am_7a, marks=[MarkInput(amelia.pk, "/")], now=at(8, 52)
    )
    assert result.conflicts == [amelia.pk]
    assert _mark(day.am_7a, amelia).code == "I"


def test_a_change_made_on_the_current_version_is_written(cast, day, audited):
    amelia = cast.pupil_record
    services.register_submit(
        actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(amelia.pk, "N")], now=at(8, 50)
    )
    services.register_submit(
        actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(amelia.pk, "/", 1)], now=at(8, 55)
    )
    mark = _mark(day.am_7a, amelia)
    assert (mark.code, mark.version, mark.category, mark.unexplained) == ("/", 2, "present", False)


def test_a_pm_present_mark_is_a_backslash(cast, day, audited):
    services.register_submit(
        actor=cast.form_tutor,
        register=day.pm_7a,
        marks=[MarkInput(cast.pupil_record.pk, "/")],
        now=at(13, 20),
    )
    assert _mark(day.pm_7a, cast.pupil_record).code == "\\"


@pytest.mark.parametrize(
    ("minutes", "code"),
    [(5, "L"), (30, "L"), (31, "U"), (90, "U")],  # AM starts 08:45, register closes 09:15
)
def test_a_late_arrival_is_l_before_the_register_closes_and_u_after(cast, day, audited, minutes, code):
    services.register_submit(
        actor=cast.form_tutor,
        register=day.am_7a,
        marks=[MarkInput(cast.pupil_record.pk, "L", minutes_late=minutes)],
        now=at(8, 50),
    )
    mark = _mark(day.am_7a, cast.pupil_record)
    assert (mark.code, mark.minutes_late) == (code, minutes)
    assert mark.category == ("present" if code == "L" else "unauthorised")


def test_a_late_mark_without_minutes_counts_them_from_the_session_start(cast, day, audited):
    services.register_submit(
        actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(cast.pupil_record.pk, "L")], now=at(9, 40)
    )
    mark = _mark(day.am_7a, cast.pupil_record)
    assert (mark.code, mark.minutes_late) == ("U", 55)


def test_changing_a_mark_after_close_needs_a_reason_and_is_kept_as_an_amendment(cast, day, audited):
    amelia = cast.pupil_record
    services.register_submit(
        actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(amelia.pk, "N")], now=at(8, 50)
    )
    with pytest.raises(ValidationError, match="give a reason"):
        services.register_submit(
            actor=cast.school_admin, register=day.am_7a, marks=[MarkInput(amelia.pk, "I", 1)], now=at(10, 0)
        )
    services.register_submit(
        actor=cast.school_admin,
        register=day.am_7a,
        marks=[MarkInput(amelia.pk, "I", 1)],
        reason="Mother phoned: tonsillitis",
        now=at(10, 0),
    )
    amendment = MarkAmendment.system.get(mark=_mark(day.am_7a, amelia))
    assert (amendment.old_code, amendment.new_code, amendment.reason) == (
        "N",
        "I",
        "Mother phoned: tonsillitis",
    )
    events = AuditEvent.objects.filter(action="attendance.markamendment.create")
    assert events.count() == 1


def test_a_pupil_not_on_the_register_is_refused(cast, day, audited):
    with pytest.raises(ValidationError, match="not on this register"):
        services.register_submit(
            actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(cast.sibling_record.pk, "/")]
        )


def test_a_pupil_marked_twice_in_one_submission_is_refused(cast, day, audited):
    amelia = cast.pupil_record.pk
    with pytest.raises(ValidationError, match="marked twice"):
        services.register_submit(
            actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(amelia, "/"), MarkInput(amelia, "N")]
        )


def test_a_school_sub_code_records_its_national_code(cast, day, audited):
    services.subcode_create(school=cast.school, code="ls", label="Late to lesson", statutory_code="L")
    services.register_submit(
        actor=cast.class_teacher,
        register=day.maths,
        marks=[MarkInput(cast.pupil_record.pk, "", minutes_late=3, sub_code="LS")],
        now=at(9, 23),
    )
    mark = _mark(day.maths, cast.pupil_record)
    assert (mark.code, mark.sub_code, mark.minutes_late) == ("L", "LS", 3)


def test_an_early_leaver_is_recorded_with_time_and_reason(cast, day, audited):
    services.register_submit(
        actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(cast.pupil_record.pk, "/")], now=at(8, 50)
    )
    mark = services.mark_early_leave(
        actor=cast.school_admin,
        mark=_mark(day.am_7a, cast.pupil_record),
        left_at=datetime.time(11, 5),
        reason="Collected by grandmother for dentist",
    )
    assert (mark.left_at, mark.left_reason, mark.version) == (
        "11:05",
        "Collected by grandmother for dentist",
        2,
    )
    with pytest.raises(ValidationError, match="Say why"):
        services.mark_early_leave(
            actor=cast.school_admin, mark=mark, left_at=datetime.time(11, 5), reason=" "
        )


def test_an_absent_pupil_cannot_leave_early(cast, day, audited):
    services.register_submit(
        actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(cast.pupil_record.pk, "I")], now=at(8, 50)
    )
    with pytest.raises(ValidationError, match="marked present"):
        services.mark_early_leave(
            actor=cast.school_admin,
            mark=_mark(day.am_7a, cast.pupil_record),
            left_at=datetime.time(11),
            reason="x",
        )


def test_registers_for_the_day_cover_every_form_twice_and_each_timetabled_lesson(cast, day, audited):
    made = services.registers_for_day(school=cast.school, date=MONDAY)
    assert len(made) == 2 * 2 + 1  # 7A and 8A, AM and PM; maths 7A in P1
    assert services.registers_for_day(school=cast.school, date=MONDAY) == made  # idempotent
    assert day.am_7a in made


def test_a_visitor_gets_a_key_of_their_own_and_signs_out_once(cast, audited):
    visitor = services.visitor_sign_in(actor=cast.school_admin, school=cast.school, name="Dana Visitor")
    assert visitor.data_key.keyring_id == cast.school.keyring_id
    out = services.visitor_sign_out(actor=cast.school_admin, visitor=visitor)
    again = services.visitor_sign_out(actor=cast.school_admin, visitor=visitor)
    assert out.signed_out_at == again.signed_out_at is not None
    assert Visitor.system.get(pk=visitor.pk).name == "Dana Visitor"
    with pytest.raises(ValidationError, match="visitor's name"):
        services.visitor_sign_in(actor=cast.school_admin, school=cast.school, name="  ")


# --- real concurrent transactions ------------------------------------------------------------------------


def _submit_in_thread(actor, register, marks, now, started=None, hold=None, errors=None):
    try:
        with vault_scope(), audit.context(actor=actor, reason="test thread"), transaction.atomic():
            services.register_submit(actor=actor, register=register, marks=marks, now=now)
            if started:
                started.set()
            if hold:
                hold.wait(5)
    except Exception as exc:  # reported to the main thread
        if errors is not None:
            errors.append(exc)
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, available_apps=COMMITTED_APPS)
def test_two_teachers_submitting_one_register_at_once_lose_no_mark(restore_audit_log):
    cast = build_cast()
    with audit.context(actor=None, reason="test"), vault_scope():
        day = build_day(cast)
        others = [make_pupil(cast.school, cast.year7, cast.form_7a, f"Pupil{i}", "Test") for i in range(4)]
    amelia = cast.pupil_record
    everyone = [amelia, *others]
    # The tutor marks Amelia absent; the head of year, on a screen loaded at the same moment, marks
    # Pupil0 late and leaves everyone else (Amelia included) on the "present" default.
    tutor_marks = [MarkInput(p.pk, "N" if p == amelia else "/") for p in everyone]
    hoy_marks = [MarkInput(p.pk, "L" if p == others[0] else "/", minutes_late=10) for p in everyone]
    started, hold, errors = threading.Event(), threading.Event(), []
    first = threading.Thread(
        target=_submit_in_thread,
        args=(cast.form_tutor, day.am_7a, tutor_marks, at(8, 50), started, hold, errors),
    )
    first.start()
    assert started.wait(5)
    second = threading.Thread(
        target=_submit_in_thread,
        args=(cast.head_of_year, day.am_7a, hoy_marks, at(8, 51), None, None, errors),
    )
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second submission must wait for the first's lock on the register"
    hold.set()
    first.join(5)
    second.join(5)
    assert errors == []
    with vault_scope():
        stored = {
            m.pupil_id: m.code
            for m in Mark.system.filter(register=day.am_7a).select_related("pupil__data_key")
        }
    assert stored[amelia.pk] == "N"  # the tutor's absence survives the head of year's default
    assert stored[others[0].pk] == "/"  # the head of year's late conflicted with the tutor's present: kept
    assert len(stored) == len(everyone)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, available_apps=COMMITTED_APPS)
def test_simultaneous_first_submissions_both_succeed_without_an_integrity_error(restore_audit_log):
    cast = build_cast()
    with audit.context(actor=None, reason="test"), vault_scope():
        day = build_day(cast)
        others = [make_pupil(cast.school, cast.year7, cast.form_7a, f"Pupil{i}", "Test") for i in range(6)]
    everyone = [cast.pupil_record, *others]
    errors: list[Exception] = []
    barrier = threading.Barrier(2)

    def go(actor, marks):
        barrier.wait(5)
        _submit_in_thread(actor, day.am_7a, marks, at(8, 50), errors=errors)

    threads = [
        threading.Thread(target=go, args=(cast.form_tutor, [MarkInput(p.pk, "/") for p in everyone])),
        threading.Thread(target=go, args=(cast.school_admin, [MarkInput(p.pk, "/") for p in everyone])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert Mark.system.filter(register=day.am_7a).count() == len(everyone)
    assert set(Mark.system.filter(register=day.am_7a).values_list("version", flat=True)) == {1}


def test_a_registers_new_marks_are_one_audit_event_naming_every_pupil(cast, day, audited):
    with audit.context(actor=None, reason="test"):
        other = make_pupil(cast.school, cast.year7, cast.form_7a, "Zed", "Adams")
    services.register_submit(
        actor=cast.form_tutor,
        register=day.am_7a,
        marks=[MarkInput(cast.pupil_record.pk, "N"), MarkInput(other.pk, "/")],
        now=at(8, 50),
    )
    event = AuditEvent.objects.get(action="attendance.mark.create")
    assert sorted(event.subjects) == sorted([str(cast.pupil_record.public_id), str(other.public_id)])
    assert event.target_id == day.am_7a.public_id and "code" in event.fields
    assert _mark(day.am_7a, cast.pupil_record).code == "N"  # encrypted on the way in, opens on the way out
