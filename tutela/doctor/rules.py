"""Who may see the deployment's self-assessment: IT administrators (and school or trust administrators)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from tutela import policy
from tutela.accounts.models import Role, User
from tutela.accounts.selectors import roles_of


@policy.register(
    "doctor.view", model=User, category="system", description="see the deployment's health checks"
)
def may_see_doctor(user: Any) -> Q:
    # Instance-wide facts (keys, database role, audit totals): for IT and the trust, not each school.
    if roles_of(user).has(Role.IT_ADMIN, Role.TRUST_ADMIN):
        return Q(pk=user.pk)
    return policy.NOTHING
