"""Worked examples for the report sections, built through each app's services (as a school would)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.attendance.conftest import MONDAY, at, build_day
from tutela.assessment.models import AssessmentPoint
from tutela.attendance import services as attendance
from tutela.attendance.services import MarkInput
from tutela.behaviour import services as behaviour
from tutela.behaviour.models import Category, OutcomeKind, OutcomeState
from tutela.core import clock


def freeze_after_term(monkeypatch: pytest.MonkeyPatch) -> None:
    """Today is 20 January 2027: the autumn term's records are in the past, whatever the machine's date."""
    later = timezone.make_aware(datetime.datetime(2027, 1, 20, 12, 0))
    monkeypatch.setattr(clock, "now", lambda: later)
    monkeypatch.setattr(clock, "today", lambda: later.date())


def mark_sessions(cast, codes: list[str]) -> None:
    """Amelia's AM and PM registers from MONDAY (23 November 2026), weekdays, one code per session."""
    day = build_day(cast)
    date, sessions = MONDAY, list(codes)
    while sessions:
        if date.weekday() < 5:
            for period in (day.am, day.pm):
                if sessions:
                    register = attendance.register_get_or_create(
                        date=date, period=period, form_group=cast.form_7a
                    )
                    attendance.register_submit(
                        actor=cast.form_tutor,
                        register=register,
                        marks=[_mark(cast, sessions.pop(0))],
                        now=at(8, 46, date),
                    )
        date += datetime.timedelta(days=1)


def _mark(cast, code: str) -> MarkInput:
    # A late arrival is L or U by when the pupil arrived: 5 minutes is before the register closes, 90 after.
    return MarkInput(cast.pupil_record.pk, code, minutes_late=90 if code == "U" else 5)


def set_due(setup, index: int, on: datetime.date) -> None:
    # Setting a point's due date is organisation data (no personal data): a school's calendar.
    AssessmentPoint.objects.filter(pk=setup.points7[index].pk).update(due_on=on)


def record(cast, name: str, on: datetime.date, *, shareable: bool | None = None):
    moment = timezone.make_aware(datetime.datetime.combine(on, datetime.time(11, 0)))
    category = Category.objects.get(school=cast.school, name=name)
    [incident] = behaviour.incident_record(
        actor=cast.form_tutor,
        pupils=[cast.pupil_record],
        category=category,
        occurred_at=moment,
        description="Private notes about what happened",
        shareable=shareable,
    )
    return incident


def autumn_behaviour(cast):
    behaviour.defaults_seed(school=cast.school)
    record(cast, "Excellent work", datetime.date(2026, 10, 1))  # +2, shared by default
    record(cast, "Effort", datetime.date(2026, 10, 2))  # +1
    shared = record(cast, "Defiance", datetime.date(2026, 10, 5), shareable=True)  # -3
    hidden = record(cast, "Bullying", datetime.date(2026, 10, 6))  # -5, not shared
    record(cast, "Effort", datetime.date(2027, 1, 10))  # after the term
    at_four = timezone.make_aware(datetime.datetime(2026, 10, 6, 15, 30))
    served = behaviour.outcome_add(
        actor=cast.form_tutor, incident=shared, kind=OutcomeKind.DETENTION, happens_at=at_four
    )
    behaviour.outcome_set_state(actor=cast.form_tutor, outcome=served, state=OutcomeState.DONE)
    behaviour.outcome_add(
        actor=cast.form_tutor, incident=hidden, kind=OutcomeKind.DETENTION, happens_at=at_four
    )
    cancelled = behaviour.outcome_add(
        actor=cast.form_tutor, incident=shared, kind=OutcomeKind.DETENTION, happens_at=at_four
    )
    behaviour.outcome_set_state(actor=cast.form_tutor, outcome=cancelled, state=OutcomeState.CANCELLED)
