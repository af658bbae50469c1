"""Who may see which classes and forms."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from tutela import policy
from tutela.accounts.models import Role
from tutela.accounts.selectors import roles_of
from tutela.schools.models import FormGroup, TeachingGroup

WHOLE_SCHOOL_STAFF = (Role.SCHOOL_ADMIN, Role.SENCO, Role.DSL, Role.DPO)


@policy.register(
    "schools.view_class", model=TeachingGroup, category="organisation", description="see this class"
)
def visible_classes(user: Any) -> Q:
    roles = roles_of(user)
    q = Q(teachers=user, school__in=roles.teaching_schools())
    q |= Q(school__in=roles.schools_with(*WHOLE_SCHOOL_STAFF))
    q |= Q(school__trust__in=roles.trusts_with(Role.TRUST_ADMIN))
    q |= Q(year_group__in=roles.year_groups())
    return Q(pk__in=TeachingGroup.objects.filter(q).values("pk"))


@policy.register("schools.view_form", model=FormGroup, category="organisation", description="see this form")
def visible_forms(user: Any) -> Q:
    roles = roles_of(user)
    q = Q(tutors=user, school__in=roles.teaching_schools())
    q |= Q(school__in=roles.schools_with(*WHOLE_SCHOOL_STAFF))
    q |= Q(school__trust__in=roles.trusts_with(Role.TRUST_ADMIN))
    q |= Q(year_group__in=roles.year_groups())
    return Q(pk__in=FormGroup.objects.filter(q).values("pk"))
