"""The per-school timetable: registration sessions with close times, lesson periods, timetable slots."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from tutela.schools import services
from tutela.schools.models import Period

pytestmark = pytest.mark.django_db


def test_a_school_day_has_am_and_pm_registration_closing_30_minutes_after_they_open(cast):
    am, pm = services.registration_day_create(school=cast.school)
    assert (am.session, am.starts_at, am.register_closes_at) == (
        "AM",
        datetime.time(8, 45),
        datetime.time(9, 15),
    )
    assert (pm.session, pm.register_closes_at) == ("PM", datetime.time(13, 45))
    with pytest.raises(ValidationError):
        services.registration_day_create(school=cast.school)  # one registration period per session


def test_a_register_cannot_close_before_its_period_starts(cast):
    with pytest.raises(ValidationError):
        services.period_create(
            school=cast.school,
            name="P1",
            kind=Period.Kind.LESSON,
            session="AM",
            starts_at=datetime.time(9, 30),
            register_closes_at=datetime.time(9, 0),
            ends_at=datetime.time(10, 30),
        )


def test_a_lesson_register_closes_when_the_lesson_starts_unless_told_otherwise(cast):
    lesson = services.period_create(
        school=cast.school,
        name="P2",
        kind=Period.Kind.LESSON,
        session="AM",
        starts_at=datetime.time(10, 30),
        ends_at=datetime.time(11, 30),
    )
    assert lesson.register_closes_at == datetime.time(10, 30)


def test_a_class_is_timetabled_only_in_a_lesson_period_of_its_own_school(cast):
    am, _ = services.registration_day_create(school=cast.school)
    with pytest.raises(ValidationError, match="lesson period"):
        services.timetable_slot_create(teaching_group=cast.maths_7a, period=am, weekday=0)
    other = services.period_create(
        school=cast.other_school,
        name="P1",
        kind=Period.Kind.LESSON,
        session="AM",
        starts_at=datetime.time(9, 0),
        ends_at=datetime.time(10, 0),
    )
    with pytest.raises(ValidationError, match="lesson period"):
        services.timetable_slot_create(teaching_group=cast.maths_7a, period=other, weekday=0)
