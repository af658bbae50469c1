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


# Apps whose tables a committed (transactional) test may leave rows in: everything but the audit log, whose
# tables refuse TRUNCATE on PostgreSQL, and auth/contenttypes, which a flush without post_migrate would
# leave empty for later tests.
COMMITTED_APPS = [
    app.removesuffix(".apps.CoreConfig")
    for app in __import__("django.conf").conf.settings.INSTALLED_APPS
    if app not in ("tutela.audit", "django.contrib.auth", "django.contrib.contenttypes")
]


@pytest.fixture
def restore_audit_log(django_db_blocker):
    """For tests that commit (real concurrent transactions): puts the audit chain back as it was.

    The append-only triggers are switched off for the clean-up only, by the tables' owner, in the
    test database; production grants never allow it (tests/test_rls.py proves the wall).
    """
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(seq), 0) FROM audit_auditevent")
        (last_event,) = cursor.fetchone()
        cursor.execute("SELECT coalesce(max(seq), 0) FROM audit_auditcheckpoint")
        (last_checkpoint,) = cursor.fetchone()
        cursor.execute("SELECT id, seq, mac FROM audit_audithead")
        heads = cursor.fetchall()
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE audit_auditcheckpoint DISABLE TRIGGER USER")
        try:
            cursor.execute("DELETE FROM audit_auditevent WHERE seq > %s", [last_event])
            cursor.execute("DELETE FROM audit_auditcheckpoint WHERE seq > %s", [last_checkpoint])
            cursor.execute("DELETE FROM audit_audithead")
            for head in heads:
                cursor.execute("INSERT INTO audit_audithead (id, seq, mac) VALUES (%s, %s, %s)", head)
        finally:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_auditcheckpoint ENABLE TRIGGER USER")
        cursor.execute("SELECT coalesce(max(seq), 0) FROM audit_auditevent")
        assert cursor.fetchone() == (last_event,), "the audit log was not put back"
