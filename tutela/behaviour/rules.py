"""Who may record, see and change behaviour records (docs/behaviour.md explains each choice).

- Record: anyone who teaches or looks after the pupil (class teacher, tutor, head of year) and the
  whole-school pastoral roles (school admin as SLT, DSL, SENCO).
- See whole records (description, location, staff, outcomes): the pupil's tutor, their head of year,
  the whole-school pastoral roles and trust admins for their scope; a class teacher sees the records they
  reported or were named in, and the pupil's totals (not other teachers' write-ups).
- Change (status, outcomes): the reporter and the pastoral line (tutor, head of year, whole-school roles).
- Families: a parent (with portal access) sees their child's achievements and the incidents marked
  shareable, as a summary without description, location, staff or witnesses; a pupil sees their own
  shareable records the same way.
- Witnesses: a witness is named only to someone who may see that witness as a pupil (``pupils.view``).
- DPO and IT admin: no day-to-day access (subject access requests go through the privacy tools).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from tutela import policy
from tutela.accounts.models import Role
from tutela.accounts.selectors import roles_of
from tutela.behaviour.models import (
    Alert,
    Category,
    Incident,
    IncidentStaff,
    IncidentWitness,
    Outcome,
    Threshold,
)
from tutela.pupils.models import ClassMembership, GuardianLink, Pupil
from tutela.schools.models import FormGroup, School, YearGroup

# SLT act through the school admin role; the SENCO needs behaviour to spot unmet needs (SEND Code of
# Practice 6.21), the DSL to spot harm (Keeping Children Safe in Education 2025, part one).
WHOLE_SCHOOL = (Role.SCHOOL_ADMIN, Role.DSL, Role.SENCO)


def _pastoral_pupils(user: Any) -> Q:
    """Pupils whose whole behaviour record the user may see: tutor, head of year, whole school, trust."""
    roles = roles_of(user)
    q = Q(school__in=roles.schools_with(*WHOLE_SCHOOL))
    q |= Q(school__trust__in=roles.trusts_with(Role.TRUST_ADMIN))
    q |= Q(year_group__in=roles.year_groups())
    tutored = FormGroup.objects.filter(tutors=user, school__in=roles.teaching_schools()).values("pk")
    return Q(on_roll=True) & (q | Q(form_group__in=tutored))


def _taught_pupils(user: Any) -> Q:
    roles = roles_of(user)
    taught = ClassMembership.objects.filter(
        teaching_group__teachers=user, teaching_group__school__in=roles.teaching_schools()
    )
    return Q(on_roll=True) & Q(pk__in=taught.values("pupil_id"))


def _staff_pupils(user: Any) -> Q:
    return _pastoral_pupils(user) | _taught_pupils(user)


def _pupils(q: Q) -> Any:
    return Pupil.system.filter(q).values("pk")


def _involved(user: Any) -> Q:
    """Records the user reported or was named in, at a school where they still teach."""
    named = IncidentStaff.objects.filter(user=user).values("incident_id")
    at_school = Q(school__in=roles_of(user).teaching_schools())
    return at_school & (Q(reported_by=user) | Q(pk__in=named)) & Q(pupil__in=_pupils(_staff_pupils(user)))


@policy.register("behaviour.record", model=Pupil, category="behaviour", description="record behaviour")
def pupils_to_record_for(user: Any) -> Q:
    return _staff_pupils(user)


@policy.register("behaviour.view", model=Incident, category="behaviour", description="see this record")
def visible_incidents(user: Any) -> Q:
    return Q(pupil__in=_pupils(_pastoral_pupils(user))) | _involved(user)


@policy.register(
    "behaviour.change", model=Incident, category="behaviour", description="change this behaviour record"
)
def changeable_incidents(user: Any) -> Q:
    reporter = Q(reported_by=user, school__in=roles_of(user).teaching_schools())
    return Q(pupil__in=_pupils(_pastoral_pupils(user))) | (
        reporter & Q(pupil__in=_pupils(_staff_pupils(user)))
    )


@policy.register(
    "behaviour.totals",
    model=Incident,
    category="behaviour",
    description="count this pupil's behaviour points",
)
def countable_incidents(user: Any) -> Q:
    """Points only (no description): every teacher of the pupil sees the running totals."""
    return Q(pupil__in=_pupils(_staff_pupils(user)))


@policy.register(
    "behaviour.view_summary", model=Pupil, category="behaviour", description="see this pupil's behaviour"
)
def pupils_with_visible_behaviour(user: Any) -> Q:
    return _staff_pupils(user)


def _family_pupils(user: Any) -> tuple[Q, Q]:
    children = GuardianLink.system.filter(guardian__user=user, portal_access=True).values("pupil_id")
    return Q(pupil__in=children, pupil__on_roll=True), Q(pupil__user=user, pupil__on_roll=True)


@policy.register(
    "behaviour.view_family",
    model=Incident,
    category="behaviour",
    description="see this pupil's achievements and shared incidents",
)
def family_incidents(user: Any) -> Q:
    as_parent, as_pupil = _family_pupils(user)
    return (as_parent & (Q(kind="achievement") | Q(shareable=True))) | (as_pupil & Q(shareable=True))


@policy.register(
    "behaviour.view_witness", model=IncidentWitness, category="behaviour", description="see this witness"
)
def visible_witnesses(user: Any) -> Q:
    incidents = Incident.system.filter(visible_incidents(user)).values("pk")
    seen = Pupil.system.filter(policy.rule("pupils.view").scope(user)).values("pk")
    return Q(incident__in=incidents) & Q(witness__in=seen)


@policy.register(
    "behaviour.view_outcome", model=Outcome, category="behaviour", description="see this follow-up"
)
def visible_outcomes(user: Any) -> Q:
    return Q(incident__in=Incident.system.filter(visible_incidents(user)).values("pk")) | _supervised(user)


def _supervised(user: Any) -> Q:
    """Detentions the user supervises: they see who is due (not the record behind it) and mark attendance."""
    return Q(kind="detention", staff=user, school__in=roles_of(user).teaching_schools())


@policy.register(
    "behaviour.mark_outcome",
    model=Outcome,
    category="behaviour",
    description="mark this follow-up done, missed or cancelled",
)
def markable_outcomes(user: Any) -> Q:
    return Q(incident__in=Incident.system.filter(changeable_incidents(user)).values("pk")) | _supervised(user)


# Parents must be told of an after-school detention in writing at least 24 hours ahead (Education and
# Inspections Act 2006, s.92), and of a suspension: families see those outcomes of records they may see.
FAMILY_OUTCOMES = ("detention", "suspension", "permanent_exclusion")


@policy.register(
    "behaviour.view_outcome_family",
    model=Outcome,
    category="behaviour",
    description="see this detention or suspension",
)
def family_outcomes(user: Any) -> Q:
    incidents = Incident.system.filter(family_incidents(user)).values("pk")
    return Q(incident__in=incidents, kind__in=FAMILY_OUTCOMES) & ~Q(state="cancelled")


@policy.register("behaviour.view_alert", model=Alert, category="behaviour", description="see this alert")
def own_alerts(user: Any) -> Q:
    # Still within the recipient's scope: a tutor moved off the form stops seeing the form's alerts.
    return Q(recipient=user) & Q(pupil__in=_pupils(_pastoral_pupils(user)))


@policy.register(
    "behaviour.view_form", model=FormGroup, category="behaviour", description="see this form's behaviour"
)
def visible_forms(user: Any) -> Q:
    roles = roles_of(user)
    return (
        Q(tutors=user, school__in=roles.teaching_schools())
        | Q(year_group__in=roles.year_groups())
        | Q(school__in=roles.schools_with(*WHOLE_SCHOOL))
        | Q(school__trust__in=roles.trusts_with(Role.TRUST_ADMIN))
    )


@policy.register(
    "behaviour.view_year", model=YearGroup, category="behaviour", description="see this year's behaviour"
)
def visible_years(user: Any) -> Q:
    roles = roles_of(user)
    return (
        Q(pk__in=roles.year_groups())
        | Q(school__in=roles.schools_with(*WHOLE_SCHOOL))
        | Q(school__trust__in=roles.trusts_with(Role.TRUST_ADMIN))
    )


def _staff_schools(user: Any) -> Q:
    roles = roles_of(user)
    return Q(school__in=roles.teaching_schools() | roles.schools_with(*WHOLE_SCHOOL)) | Q(
        school__trust__in=roles.trusts_with(Role.TRUST_ADMIN)
    )


@policy.register(
    "behaviour.view_category", model=Category, category="school", description="see behaviour categories"
)
def visible_categories(user: Any) -> Q:
    return _staff_schools(user)


@policy.register(
    "behaviour.manage_categories",
    model=Category,
    category="school",
    description="change behaviour categories",
)
def manageable_categories(user: Any) -> Q:
    roles = roles_of(user)
    return Q(school__in=roles.schools_with(Role.SCHOOL_ADMIN)) | Q(
        school__trust__in=roles.trusts_with(Role.TRUST_ADMIN)
    )


@policy.register(
    "behaviour.manage_thresholds",
    model=Threshold,
    category="school",
    description="change behaviour thresholds",
)
def manageable_thresholds(user: Any) -> Q:
    return manageable_categories(user)


@policy.register(
    "behaviour.manage_school",
    model=School,
    category="school",
    description="set up behaviour for this school",
)
def manageable_schools(user: Any) -> Q:
    roles = roles_of(user)
    return Q(pk__in=roles.schools_with(Role.SCHOOL_ADMIN)) | Q(trust__in=roles.trusts_with(Role.TRUST_ADMIN))
