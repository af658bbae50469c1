"""Reads: the roll-call's sorting of who is on site, the office's lists, rows for the register page."""

from __future__ import annotations

import datetime

import pytest

from tests.attendance.conftest import at
from tests.cast import make_pupil
from tutela import audit
from tutela.attendance import selectors, services
from tutela.attendance.models import Mark
from tutela.attendance.services import MarkInput

pytestmark = pytest.mark.django_db


def test_the_roll_call_sorts_pupils_into_on_site_left_absent_and_unknown(cast, day, audited):
    with audit.context(actor=None, reason="test"):
        zed = make_pupil(cast.school, cast.year7, cast.form_7a, "Zed", "Adams")
        yan = make_pupil(cast.school, cast.year7, cast.form_7a, "Yan", "Bell")
        xia = make_pupil(cast.school, cast.year7, cast.form_7a, "Xia", "Cole")
    services.register_submit(
        actor=cast.form_tutor,
        register=day.am_7a,
        marks=[
            MarkInput(cast.pupil_record.pk, "/"),
            MarkInput(zed.pk, "/"),
            MarkInput(yan.pk, "I"),
            MarkInput(xia.pk, "L", minutes_late=50),  # U: arrived after close, but in the building
        ],
        now=at(8, 50),
    )
    services.mark_early_leave(
        actor=cast.form_tutor,
        mark=Mark.system.get(register=day.am_7a, pupil=cast.pupil_record),
        left_at=datetime.time(11, 0),
        reason="Dentist",
    )
    forms = {
        entry.form.name: entry
        for entry in selectors.roll_call(actor=cast.school_admin, school=cast.school, now=at(11, 30))
    }
    seven = forms["7A"]
    assert sorted(p.first_name for p, _ in seven.on_site) == ["Xia", "Zed"]
    assert [p.first_name for p, _ in seven.left] == ["Amelia"]
    assert [p.first_name for p, _ in seven.absent] == ["Yan"]
    assert seven.unknown == []
    assert sorted(p.first_name for p in forms["8A"].unknown) == ["Bilal", "Dami"]  # 8A's register not taken
    # Before she left, Amelia was on site.
    earlier = {
        e.form.name: e
        for e in selectors.roll_call(actor=cast.school_admin, school=cast.school, now=at(10, 30))
    }
    assert "Amelia" in [p.first_name for p, _ in earlier["7A"].on_site]


def test_the_office_lists_registers_not_taken_once_their_session_has_started(cast, day, audited):
    services.register_submit(
        actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(cast.pupil_record.pk, "N")], now=at(8, 50)
    )
    missing = selectors.missing_registers(school=cast.school, now=at(9, 0))
    assert {(str(r.group), r.period.session) for r in missing} == {("8A", "AM")}
    later = selectors.missing_registers(school=cast.school, now=at(13, 20))
    assert {(str(r.group), r.period.session) for r in later} == {
        ("8A", "AM"),
        ("7A", "PM"),
        ("8A", "PM"),
        ("7A/Ma", "AM"),
    }
    chase = selectors.unexplained_absences(
        actor=cast.school_admin, school=cast.school, start=day.date, end=day.date
    )
    assert [m.pupil_id for m in chase] == [cast.pupil_record.pk]
    assert (
        selectors.unexplained_absences(
            actor=cast.class_teacher, school=cast.school, start=day.date, end=day.date
        )
        == []
    )


def test_the_day_sheet_counts_marks_by_category(cast, day, audited):
    services.register_submit(
        actor=cast.form_tutor, register=day.am_7a, marks=[MarkInput(cast.pupil_record.pk, "I")], now=at(8, 50)
    )
    sheet = {
        (line.register.form_group.name, line.register.period.session): line
        for line in selectors.day_sheet(school=cast.school, date=day.date)
    }
    assert sheet[("7A", "AM")].counts["authorised"] == 1 and sheet[("7A", "AM")].taken
    assert not sheet[("8A", "AM")].taken and sheet[("8A", "AM")].other == 0
