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
    School,
    Subject,
    TeachingGroup,
    Term,
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
