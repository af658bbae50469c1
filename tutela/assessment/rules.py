"""Who may see and change marks, results and targets.

- A class's markbook: its teachers; the head of department (SubjectLead) for every class of the subject;
  the head of year for the classes of their year; school administrators (senior leaders) and the SENCO
  for the whole school; trust administrators for the trust. Teachers of other classes see nothing (404).
- Changing a markbook: its teachers, the head of department and school (trust) administrators. Heads of
  year and the SENCO read but do not change marks (403).
- Working-at, predicted grades, baselines and targets of a pupil in a subject: whoever teaches the pupil
  that subject, the head of department, the pupil's head of year, administrators and the SENCO. Entering
  them is for those who teach the pupil that subject and the head of department (and administrators);
  overriding a target is for the head of department and administrators.
- Form tutors, the DSL, the DPO, IT administrators, parents and pupils: none of this here (the reports
  app gives families their child's report).
Only staff roles held at the class's own school count (a leaver's class list does not grant access).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from tutela import policy
from tutela.accounts.models import Role
from tutela.accounts.selectors import roles_of
from tutela.assessment.models import (
    Baseline,
    CurriculumObjective,
    Mark,
    MarkColumn,
    ObjectiveMark,
    Result,
    SubjectLead,
    Target,
)
from tutela.pupils.models import ClassMembership
from tutela.schools.models import TeachingGroup

WHOLE_SCHOOL_READERS = (Role.SCHOOL_ADMIN, Role.SENCO)
WHOLE_SCHOOL_EDITORS = (Role.SCHOOL_ADMIN,)


def _led_subjects(user: Any) -> Q:
    teaching = roles_of(user).teaching_schools()
    return Q(subject__in=SubjectLead.objects.filter(user=user, school__in=teaching).values("subject_id"))


def _leaders(user: Any, roles: tuple[str, ...]) -> Q:
    found = roles_of(user)
    return Q(school__in=found.schools_with(*roles)) | Q(school__trust__in=found.trusts_with(Role.TRUST_ADMIN))


def markbook_classes(user: Any, *, edit: bool) -> Q:
    """The classes whose markbook ``user`` may see (or change): a Q on TeachingGroup."""
    roles = roles_of(user)
    q = Q(teachers=user, school__in=roles.teaching_schools()) | _led_subjects(user)
    if edit:
        q |= _leaders(user, WHOLE_SCHOOL_EDITORS)
    else:
        q |= _leaders(user, WHOLE_SCHOOL_READERS) | Q(year_group__in=roles.year_groups())
    return Q(pk__in=TeachingGroup.objects.filter(q).values("pk"))


@policy.register(
    "assessment.view_markbook", model=TeachingGroup, category="organisation", description="see this markbook"
)
def visible_markbooks(user: Any) -> Q:
    return markbook_classes(user, edit=False)


@policy.register(
    "assessment.edit_markbook",
    model=TeachingGroup,
    category="organisation",
    description="change this class's markbook",
)
def editable_markbooks(user: Any) -> Q:
    return markbook_classes(user, edit=True)


@policy.register(
    "assessment.view_column", model=MarkColumn, category="organisation", description="see this column"
)
def visible_columns(user: Any) -> Q:
    return Q(teaching_group__in=TeachingGroup.objects.filter(visible_markbooks(user)).values("pk"))


@policy.register("assessment.view_marks", model=Mark, category="attainment", description="see these marks")
def visible_marks(user: Any) -> Q:
    groups = TeachingGroup.objects.filter(visible_markbooks(user)).values("pk")
    return Q(column__teaching_group__in=groups, pupil__on_roll=True)


def _pupil_subject(user: Any, *, edit: bool, override: bool = False) -> Q:
    """Rows with (pupil, subject) columns that ``user`` may reach; the same shape for results and targets."""
    roles = roles_of(user)
    taught = ClassMembership.objects.filter(
        pupil=OuterRef("pupil"),
        teaching_group__subject=OuterRef("subject"),
        teaching_group__teachers=user,
        teaching_group__school__in=roles.teaching_schools(),
    )
    q = _led_subjects(user)
    if not override:
        q |= Q(Exists(taught))
    if edit:
        q |= _leaders(user, WHOLE_SCHOOL_EDITORS)
    else:
        q |= _leaders(user, WHOLE_SCHOOL_READERS) | Q(pupil__year_group__in=roles.year_groups())
    return Q(pupil__on_roll=True) & q


@policy.register(
    "assessment.view_results", model=Result, category="attainment", description="see these grades"
)
def visible_results(user: Any) -> Q:
    return _pupil_subject(user, edit=False)


@policy.register(
    "assessment.view_targets", model=Target, category="attainment", description="see these targets"
)
def visible_targets(user: Any) -> Q:
    return _pupil_subject(user, edit=False)


@policy.register(
    "assessment.override_target",
    model=Target,
    category="attainment",
    description="override this target",
)
def overridable_targets(user: Any) -> Q:
    return _pupil_subject(user, edit=True, override=True)


@policy.register(
    "assessment.view_baselines", model=Baseline, category="attainment", description="see these baselines"
)
def visible_baselines(user: Any) -> Q:
    roles = roles_of(user)
    taught = ClassMembership.objects.filter(
        teaching_group__teachers=user, teaching_group__school__in=roles.teaching_schools()
    ).values("pupil_id")
    led = ClassMembership.objects.filter(
        teaching_group__subject__in=SubjectLead.objects.filter(
            user=user, school__in=roles.teaching_schools()
        ).values("subject_id")
    ).values("pupil_id")
    q = Q(pupil__in=taught) | Q(pupil__in=led) | Q(pupil__year_group__in=roles.year_groups())
    return Q(pupil__on_roll=True) & (q | _leaders(user, WHOLE_SCHOOL_READERS))


@policy.register(
    "assessment.view_objective_marks",
    model=ObjectiveMark,
    category="attainment",
    description="see these objective marks",
)
def visible_objective_marks(user: Any) -> Q:
    roles = roles_of(user)
    taught = ClassMembership.objects.filter(
        pupil=OuterRef("pupil"),
        teaching_group__subject=OuterRef("objective__subject"),
        teaching_group__teachers=user,
        teaching_group__school__in=roles.teaching_schools(),
    )
    led = SubjectLead.objects.filter(user=user, school__in=roles.teaching_schools()).values("subject_id")
    q = Q(Exists(taught)) | Q(objective__subject__in=led) | Q(pupil__year_group__in=roles.year_groups())
    return Q(pupil__on_roll=True) & (q | _leaders(user, WHOLE_SCHOOL_READERS))


@policy.register(
    "assessment.view_objectives",
    model=CurriculumObjective,
    category="organisation",
    description="see this subject's objectives",
)
def visible_objectives(user: Any) -> Q:
    return Q(school__in=roles_of(user).teaching_schools()) | _leaders(user, WHOLE_SCHOOL_READERS)


def may_enter_results(user: Any, *, pupil: Any, subject: Any) -> bool:
    """May ``user`` enter working-at or predicted grades (or objective marks) for ``pupil`` in ``subject``?

    The same people as the edit side of the rules above, asked of a (pupil, subject) pair whose row may
    not exist yet.
    """
    roles = roles_of(user)
    teaching = roles.teaching_schools()
    if pupil.school_id in roles.schools_with(*WHOLE_SCHOOL_EDITORS):
        return True
    if pupil.school.trust_id in roles.trusts_with(Role.TRUST_ADMIN):
        return True
    if not pupil.on_roll or pupil.school_id not in teaching:
        return False
    if SubjectLead.objects.filter(user=user, subject=subject, school=pupil.school_id).exists():
        return True
    return ClassMembership.objects.filter(
        pupil=pupil, teaching_group__subject=subject, teaching_group__teachers=user
    ).exists()
