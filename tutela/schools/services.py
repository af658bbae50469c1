"""Setting up a trust and its schools. Each school gets its own keyring (the per-school key)."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction

from tutela import audit
from tutela.accounts.services import require_teaching_staff
from tutela.schools.models import (
    AcademicYear,
    FormGroup,
    Period,
    School,
    Subject,
    TeachingGroup,
    Term,
    TimetableSlot,
    Trust,
    YearGroup,
)
from tutela.vault import keys


def trust_create(*, name: str) -> Trust:
    trust = Trust(name=name)
    trust.full_clean()
    trust.save()
    return trust


@transaction.atomic
def school_create(*, trust: Trust, name: str, urn: str) -> School:
    public_id = uuid.uuid4()
    school = School(public_id=public_id, trust=trust, name=name, urn=urn)
    school.full_clean(exclude=["keyring"])
    school.keyring = keys.keyring_create(name=f"school:{public_id}")
    school.save()
    return school


@transaction.atomic
def academic_year_create(
    *, school: School, name: str, terms: list[tuple[str, datetime.date, datetime.date]]
) -> AcademicYear:
    year = AcademicYear(school=school, name=name, starts_on=terms[0][1], ends_on=terms[-1][2])
    year.full_clean()
    year.save()
    for term_name, starts_on, ends_on in terms:
        term = Term(academic_year=year, name=term_name, starts_on=starts_on, ends_on=ends_on)
        term.full_clean()
        term.save()
    return year


def year_group_create(*, school: School, national_curriculum_year: int) -> YearGroup:
    year_group = YearGroup(
        school=school,
        national_curriculum_year=national_curriculum_year,
        name=f"Year {national_curriculum_year}",
    )
    year_group.full_clean()
    year_group.save()
    return year_group


def _check_same_school(school: School, **parts: YearGroup | Subject) -> None:
    """A form or class is built from its own school's year group and subject.

    The policy rules match a head of year to classes and forms by year group id alone, so a class filed
    under another school's year group would be shown to that school's head of year.
    """
    errors = {
        name: f"This {part._meta.verbose_name} belongs to another school: choose one of {school.name}'s own."
        for name, part in parts.items()
        if part.school_id != school.pk
    }
    if errors:
        raise ValidationError(errors)


def form_group_create(
    *, school: School, year_group: YearGroup, name: str, tutors: list | None = None
) -> FormGroup:
    form = FormGroup(school=school, year_group=year_group, name=name)
    _check_same_school(school, year_group=year_group)
    form.full_clean()
    form.save()
    form_tutors_set(form=form, tutors=tutors or [])
    return form


@transaction.atomic
def form_tutors_set(*, form: FormGroup, tutors: list) -> None:
    """Who tutors the form (and so sees its pupils). Audited: it grants access."""
    require_teaching_staff(users=tutors, school=form.school, field="tutors")
    form.tutors.set(tutors)
    audit.record(
        kind="update",
        action="schools.formgroup.tutors_set",
        target=form,
        subjects=[t.public_id for t in tutors],
        fields=["tutors"],
    )


def subject_create(*, school: School, name: str, code: str) -> Subject:
    subject = Subject(school=school, name=name, code=code)
    subject.full_clean()
    subject.save()
    return subject


def teaching_group_create(
    *, school: School, subject: Subject, year_group: YearGroup, name: str, teachers: list | None = None
) -> TeachingGroup:
    group = TeachingGroup(school=school, subject=subject, year_group=year_group, name=name)
    _check_same_school(school, subject=subject, year_group=year_group)
    group.full_clean()
    group.save()
    class_teachers_set(teaching_group=group, teachers=teachers or [])
    return group


@transaction.atomic
def class_teachers_set(*, teaching_group: TeachingGroup, teachers: list) -> None:
    """Who teaches the class (and so sees its pupils). Audited: it grants access."""
    require_teaching_staff(users=teachers, school=teaching_group.school, field="teachers")
    teaching_group.teachers.set(teachers)
    audit.record(
        kind="update",
        action="schools.teachinggroup.teachers_set",
        target=teaching_group,
        subjects=[t.public_id for t in teachers],
        fields=["teachers"],
    )


def period_create(
    *,
    school: School,
    name: str,
    kind: str,
    session: str,
    starts_at: datetime.time,
    register_closes_at: datetime.time | None = None,
    ends_at: datetime.time,
) -> Period:
    """A period of the school day. A lesson's register closes when it starts unless told otherwise."""
    period = Period(
        school=school,
        name=name,
        kind=kind,
        session=session,
        starts_at=starts_at,
        register_closes_at=register_closes_at or starts_at,
        ends_at=ends_at,
    )
    period.full_clean()
    period.save()
    return period


def registration_day_create(
    *,
    school: School,
    am: tuple[datetime.time, datetime.time, datetime.time] = (
        datetime.time(8, 45),
        datetime.time(9, 15),
        datetime.time(12, 15),
    ),
    pm: tuple[datetime.time, datetime.time, datetime.time] = (
        datetime.time(13, 15),
        datetime.time(13, 45),
        datetime.time(15, 15),
    ),
) -> tuple[Period, Period]:
    """The two statutory registration sessions, as (start, register closes, end) for AM and PM.

    The defaults close each register 30 minutes after it opens, the longest the DfE guidance allows.
    """
    made = []
    for session, (start, close, end) in (("AM", am), ("PM", pm)):
        made.append(
            period_create(
                school=school,
                name=f"{session} registration",
                kind=Period.Kind.REGISTRATION,
                session=session,
                starts_at=start,
                register_closes_at=close,
                ends_at=end,
            )
        )
    return made[0], made[1]


def timetable_slot_create(*, teaching_group: TeachingGroup, period: Period, weekday: int) -> TimetableSlot:
    if period.school_id != teaching_group.school_id or period.kind != Period.Kind.LESSON:
        raise ValidationError({"period": "Choose a lesson period of the class's own school."})
    slot = TimetableSlot(
        school_id=teaching_group.school_id, period=period, teaching_group=teaching_group, weekday=weekday
    )
    slot.full_clean()
    slot.save()
    return slot
