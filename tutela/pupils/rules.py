"""Who may see and change which pupils, and which categories of their data.

- identity (names, UPN, date of birth, photo): everyone who teaches or looks after the pupil.
- contact (guardians, address): the pastoral line (tutor, head of year), admin, SENCO and DSL, not
  every class teacher.
- changes to the record: school and trust administrators (the data managers).
IT administrators see no pupil data: running the system does not require it.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.db.models import Q

from tutela import policy
from tutela.accounts.models import Role
from tutela.accounts.selectors import roles_of, school_ids_of
from tutela.policy import NOTHING
from tutela.pupils.models import ClassMembership, Guardian, GuardianLink, Pupil, PupilGroups, PupilSend
from tutela.schools.models import FormGroup, YearGroup

WHOLE_SCHOOL_IDENTITY = (Role.SCHOOL_ADMIN, Role.SENCO, Role.DSL, Role.DPO)
WHOLE_SCHOOL_CONTACT = (Role.SCHOOL_ADMIN, Role.SENCO, Role.DSL)
EDITORS = (Role.SCHOOL_ADMIN,)


def staff_schools(user: Any) -> set[int]:
    """Every school where a staff branch below can reach a pupil: the schools of the user's roles, of the
    trusts they administer and of the year groups they lead. A superset of what the branches allow."""
    roles = roles_of(user)
    schools = school_ids_of(user)
    if year_groups := roles.year_groups():
        schools |= set(YearGroup.objects.filter(pk__in=year_groups).values_list("school_id", flat=True))
    return schools


def _staff_pupils(user: Any, whole_school_roles: tuple[str, ...], *, class_teachers: bool) -> Q:
    """The staff branches. A branch whose role the user does not hold is left out rather than added as a
    condition that matches nothing: the same rows, a smaller query to build and to plan."""
    roles = roles_of(user)
    branches = []
    if schools := roles.schools_with(*whole_school_roles):
        branches.append(Q(school__in=schools))
    if trusts := roles.trusts_with(Role.TRUST_ADMIN):
        branches.append(Q(school__trust__in=trusts))
    if year_groups := roles.year_groups():
        branches.append(Q(year_group__in=year_groups))
    if teaching := roles.teaching_schools():
        tutored = FormGroup.objects.filter(tutors=user, school__in=teaching).values("pk")
        branches.append(Q(form_group__in=tutored))
        if class_teachers:
            taught = ClassMembership.objects.filter(
                teaching_group__teachers=user, teaching_group__school__in=teaching
            )
            branches.append(Q(pk__in=taught.values("pupil_id")))
    return reduce(operator.or_, branches) if branches else NOTHING


def _family_pupils(user: Any, on_roll: Q) -> Q:
    """Pupils linked to the user as a guardian with portal access, and the user's own record: each branch
    starts from an index (the pupil's id, the user's id), as the staff branches start from the school."""
    linked = GuardianLink.system.filter(guardian__user=user, portal_access=True).values("pupil_id")
    return (on_roll & Q(pk__in=linked)) | (on_roll & Q(user=user))


# Leavers' records must be kept (and corrected, and found for subject access requests): administrators
# and the DPO still reach them; everyone else sees pupils on roll only.
LEAVER_ROLES = (Role.SCHOOL_ADMIN, Role.DPO)


def _leavers(user: Any) -> Q:
    roles = roles_of(user)
    return Q(school__in=roles.schools_with(*LEAVER_ROLES)) | Q(
        school__trust__in=roles.trusts_with(Role.TRUST_ADMIN)
    )


@policy.register("pupils.view", model=Pupil, category="identity", description="see this pupil")
def visible_pupils(user: Any) -> Q:
    on_roll = Q(on_roll=True)
    staff = (on_roll & _staff_pupils(user, WHOLE_SCHOOL_IDENTITY, class_teachers=True)) | (
        Q(on_roll=False) & _leavers(user)
    )
    # ``school IN (the user's schools)`` around the staff branches changes nobody's view (every branch is
    # within those schools) but lets the database start from the school_id index instead of testing the
    # OR'ed branches on every pupil of the instance (SQLite, 100,000 pupils: 53 ms a list, not 10 ms).
    return (Q(school__in=staff_schools(user)) & staff) | _family_pupils(user, on_roll)


@policy.register(
    "pupils.view_contacts",
    model=Pupil,
    category="contact",
    description="see this pupil's contacts and address",
)
def pupils_with_visible_contacts(user: Any) -> Q:
    staff = _staff_pupils(user, WHOLE_SCHOOL_CONTACT, class_teachers=False)
    return Q(school__in=staff_schools(user), on_roll=True) & staff


@policy.register("pupils.edit", model=Pupil, category="identity", description="change this pupil's record")
def editable_pupils(user: Any) -> Q:
    roles = roles_of(user)
    return Q(school__in=roles.schools_with(*EDITORS)) | Q(
        school__trust__in=roles.trusts_with(Role.TRUST_ADMIN)
    )


@policy.register("guardians.view", model=GuardianLink, category="contact", description="see these contacts")
def visible_guardian_links(user: Any) -> Q:
    pupils = Pupil.system.filter(pupils_with_visible_contacts(user)).values("pk")
    return Q(pupil__in=pupils)


@policy.register(
    "guardians.view_self", model=Guardian, category="contact", description="see your own details"
)
def own_guardian_record(user: Any) -> Q:
    return Q(user=user)


# Pupil premium and EAL: those who teach or lead the pupil plan for them (seating plans, interventions).
GROUP_ROLES = (Role.SCHOOL_ADMIN, Role.SENCO)


@policy.register(
    "pupils.view_groups",
    model=PupilGroups,
    category="groups",
    description="see this pupil's pupil premium and EAL flags",
)
def visible_group_flags(user: Any) -> Q:
    pupils = Pupil.system.filter(
        Q(on_roll=True) & _staff_pupils(user, GROUP_ROLES, class_teachers=True)
    ).values("pk")
    return Q(pupil__in=pupils)


@policy.register(
    "pupils.view_send",
    model=PupilSend,
    category="send",
    description="see this pupil's SEND status",
)
def visible_send_status(user: Any) -> Q:
    # Special-category data (UK GDPR art. 9: health): the SENCO, not everyone who teaches the pupil. What
    # a teacher needs to adapt their teaching is shared through the SEND app's pupil passport instead.
    roles = roles_of(user)
    return Q(school__in=roles.schools_with(Role.SENCO))
