"""Who may issue, list and revoke machine clients: a school's administrators and IT administrators, and the
trust's administrators for its schools. A client's own service account may never manage clients (a leaked
token must not be able to mint or keep alive further tokens).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from tutela import policy
from tutela.accounts.models import Role
from tutela.accounts.selectors import roles_of
from tutela.clients.models import ApiClient
from tutela.schools.models import School

MANAGERS = (Role.SCHOOL_ADMIN, Role.IT_ADMIN)


def is_service_account(user: Any) -> bool:
    return ApiClient.objects.filter(service_user_id=user.pk).exists()


def _managed_schools(user: Any) -> Q | None:
    if is_service_account(user):
        return None
    roles = roles_of(user)
    schools = roles.schools_with(*MANAGERS)
    trusts = roles.trusts_with(Role.TRUST_ADMIN)
    if not schools and not trusts:
        return None
    return Q(school__in=schools) | Q(school__trust__in=trusts)


@policy.register(
    "clients.manage", model=ApiClient, category="system", description="see and revoke this API client"
)
def may_manage_client(user: Any) -> Q:
    return _managed_schools(user) or policy.NOTHING


@policy.register(
    "clients.issue", model=School, category="system", description="issue API clients for this school"
)
def may_issue_for_school(user: Any) -> Q:
    if _managed_schools(user) is None:
        return policy.NOTHING
    roles = roles_of(user)
    return Q(pk__in=roles.schools_with(*MANAGERS)) | Q(trust__in=roles.trusts_with(Role.TRUST_ADMIN))


def grantable_roles(user: Any, school: School) -> list[str]:
    """The roles ``user`` may give a client at ``school``: never more than they hold there themselves.

    An IT administrator sees no pupil data, so may issue only IT-administrator clients; a school
    administrator may issue either; a trust administrator acts as a school administrator of the
    trust's schools.
    """
    roles = roles_of(user)
    if school.trust_id in roles.trusts_with(Role.TRUST_ADMIN) or school.pk in roles.schools_with(
        Role.SCHOOL_ADMIN
    ):
        return [Role.SCHOOL_ADMIN, Role.IT_ADMIN]
    if school.pk in roles.schools_with(Role.IT_ADMIN):
        return [Role.IT_ADMIN]
    return []
