"""School weeks and terms: the periods that totals, trends and thresholds count in (school-local dates)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tutela.schools.models import Term


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def week_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = week_start(day)
    return start, start + datetime.timedelta(days=6)


def term_bounds(*, school_id: int, day: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    """The school's term containing ``day``, or None if no term set up in the schools app contains it."""
    term = (
        Term.objects.filter(academic_year__school=school_id, starts_on__lte=day, ends_on__gte=day)
        .order_by("starts_on")
        .first()
    )
    return (term.starts_on, term.ends_on) if term else None


def bounds(period: str, *, school_id: int, day: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    if period == "week":
        return week_bounds(day)
    if period == "term":
        return term_bounds(school_id=school_id, day=day)
    raise ValueError(f"Unknown period {period!r}: use 'week' or 'term'.")


def datetime_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, the day after end 00:00) in the school's time zone, for SQL on occurred_at."""
    zone = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return since, until


def localdate(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)
