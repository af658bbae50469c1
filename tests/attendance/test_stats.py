"""Attendance percentages against the DfE definitions (guidance August 2024; statistics methodology).

Worked examples: possible sessions exclude X, Z, #, D, Q and Y1-Y7; approved educational activity counts
as attendance; missing 10 % or more of possible sessions is persistent absence (so exactly 90 %
attendance is persistent), 50 % or more severe.
"""

from __future__ import annotations

import datetime

import pytest

from tests.attendance.conftest import MONDAY, at
from tutela.attendance import services, stats
from tutela.attendance.services import MarkInput

pytestmark = pytest.mark.django_db


def test_rate_arithmetic_follows_the_dfe_definitions():
    assert stats.Rate(380, 342).persistent  # 38 of 380 sessions missed: exactly 10 %
    assert not stats.Rate(380, 343).persistent  # 37 missed: 9.7 %
    assert stats.Rate(380, 190).severe and not stats.Rate(380, 191).severe
    assert stats.Rate(380, 342).below(90) and not stats.Rate(380, 343).below(90)
    assert stats.Rate(0, 0).percentage is None and not stats.Rate(0, 0).persistent
    assert stats.Rate(3, 2).display == "66.7 %"
    assert stats.Rate(0, 0).display == "n/a"


def _week_of_marks(cast, day, codes_by_session):
    """Marks Amelia's AM/PM registers on consecutive weekdays from MONDAY with the given codes."""
    date, sessions = MONDAY, list(codes_by_session)
    while sessions:
        if date.weekday() < 5:
            for period in (day.am, day.pm):
                if not sessions:
                    break
                register = services.register_get_or_create(date=date, period=period, form_group=cast.form_7a)
                services.register_submit(
                    actor=cast.form_tutor,
                    register=register,
                    marks=[MarkInput(cast.pupil_record.pk, sessions.pop(0), minutes_late=5)],
                    now=at(8, 46, date),
                )
        date += datetime.timedelta(days=1)


def test_a_worked_example_of_ten_sessions(cast, day, audited):
    # Present 5 (/ \ L), educational visit 1 (V: attended), illness 1 (I), unauthorised 1 (N),
    # school closed 1 (Y4: not possible), not required 1 (X: not possible) => 6 attended of 8 possible.
    _week_of_marks(cast, day, ["/", "/", "/", "L", "/", "V", "I", "N", "Y4", "X"])
    rate = stats.rate_of(
        pupil_id=cast.pupil_record.pk,
        school=cast.school,
        start=MONDAY,
        end=MONDAY + datetime.timedelta(days=14),
    )
    assert (rate.possible, rate.attended, rate.absent) == (8, 6, 2)
    assert rate.display == "75.0 %" and rate.persistent and not rate.severe
    assert (
        stats.school_rate(school=cast.school, start=MONDAY, end=MONDAY + datetime.timedelta(days=14)) == rate
    )
    assert stats.form_rates(school=cast.school, start=MONDAY, end=MONDAY + datetime.timedelta(days=14)) == {
        cast.form_7a.pk: rate
    }


def test_lesson_registers_do_not_count_towards_attendance(cast, day, audited):
    services.register_submit(
        actor=cast.class_teacher,
        register=day.maths,
        marks=[MarkInput(cast.pupil_record.pk, "N")],
        now=at(9, 21),
    )
    assert (
        stats.rate_of(pupil_id=cast.pupil_record.pk, school=cast.school, start=MONDAY, end=MONDAY).possible
        == 0
    )


def test_a_late_after_close_is_an_absence_for_the_statistics(cast, day, audited):
    services.register_submit(
        actor=cast.form_tutor,
        register=day.am_7a,
        marks=[MarkInput(cast.pupil_record.pk, "L", minutes_late=45)],
        now=at(9, 30),
    )
    rate = stats.rate_of(pupil_id=cast.pupil_record.pk, school=cast.school, start=MONDAY, end=MONDAY)
    assert (rate.possible, rate.attended) == (1, 0)


def test_alerts_are_raised_once_per_threshold(cast, day, audited):
    _week_of_marks(cast, day, ["/", "N", "N", "N"])  # 25 %: below 90 and below 50
    end = MONDAY + datetime.timedelta(days=7)
    raised = services.alerts_raise(school=cast.school, start=MONDAY, end=end, today=end)
    assert sorted(a.threshold for a in raised) == [50, 90]
    assert raised[0].percentage == "25.0"
    assert services.alerts_raise(school=cast.school, start=MONDAY, end=end, today=end) == []
