from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from tests.cast import Cast
from tutela import audit
from tutela.attendance import services
from tutela.attendance.models import Register
from tutela.schools import services as schools
from tutela.schools.models import Period

MONDAY = datetime.date(2026, 11, 23)


@dataclass
class Day:
    am: Period
    pm: Period
    lesson: Period
    am_7a: Register
    pm_7a: Register
    maths: Register
    date: datetime.date = MONDAY


def build_day(cast: Cast, date: datetime.date = MONDAY) -> Day:
    with audit.context(actor=None, reason="test timetable"):
        am, pm = schools.registration_day_create(school=cast.school)
        lesson = schools.period_create(
            school=cast.school,
            name="P1",
            kind=Period.Kind.LESSON,
            session="AM",
            starts_at=datetime.time(9, 20),
            register_closes_at=datetime.time(9, 30),
            ends_at=datetime.time(10, 20),
        )
        schools.timetable_slot_create(teaching_group=cast.maths_7a, period=lesson, weekday=date.weekday())
        return Day(
            am=am,
            pm=pm,
            lesson=lesson,
            am_7a=services.register_get_or_create(date=date, period=am, form_group=cast.form_7a),
            pm_7a=services.register_get_or_create(date=date, period=pm, form_group=cast.form_7a),
            maths=services.register_get_or_create(date=date, period=lesson, teaching_group=cast.maths_7a),
            date=date,
        )


@pytest.fixture
def day(cast: Cast) -> Day:
    return build_day(cast)


def at(hour: int, minute: int, date: datetime.date = MONDAY) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour, minute)))
