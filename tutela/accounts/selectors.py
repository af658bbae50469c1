"""What a user is, per school: read once per request and kept on the user object."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tutela.accounts.models import TEACHING_ROLES, Membership, Role


@dataclass(frozen=True)
class RoleSet:
    by_role: dict[str, list[Membership]] = field(default_factory=dict)
    # What is derived from the roles with a query (the trust's schools), kept as long as the roles are.
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def schools_with(self, *roles: str) -> set[int]:
        return {m.school_id for r in roles for m in self.by_role.get(r, []) if m.school_id}

    def trusts_with(self, *roles: str) -> set[int]:
        return {m.trust_id for r in roles for m in self.by_role.get(r, []) if m.trust_id}

    def year_groups(self) -> set[int]:
        return {m.year_group_id for m in self.by_role.get(Role.HEAD_OF_YEAR, []) if m.year_group_id}

    def has(self, *roles: str) -> bool:
        return any(self.by_role.get(r) for r in roles)

    def all_school_ids(self) -> set[int]:
        return {m.school_id for ms in self.by_role.values() for m in ms if m.school_id}

    def teaching_schools(self) -> set[int]:
        """Schools where the user holds a role under which they may teach or tutor."""
        return self.schools_with(*TEACHING_ROLES)

    def labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.by_role)]


def roles_of(user: Any) -> RoleSet:
    cached = getattr(user, "_tutela_roles", None)
    if cached is not None:
        return cached
    by_role: dict[str, list[Membership]] = {}
    if getattr(user, "is_authenticated", False) and user.is_active:
        for membership in Membership.objects.filter(user=user):
            by_role.setdefault(membership.role, []).append(membership)
    roles = RoleSet(by_role)
    user._tutela_roles = roles
    return roles


def trust_school_ids(user: Any) -> set[int]:
    """Every school of the trusts the user administers (read once per request, like the roles)."""
    from tutela.schools.models import School

    roles = roles_of(user)
    if (known := roles.derived.get("trust_school_ids")) is None:
        known = frozenset()
        if trusts := roles.trusts_with(Role.TRUST_ADMIN):
            known = frozenset(School.objects.filter(trust__in=trusts).values_list("pk", flat=True))
        roles.derived["trust_school_ids"] = known
    return set(known)


def school_ids_of(user: Any) -> set[int]:
    """Every school a user's roles reach: their schools, and every school of a trust they administer."""
    return roles_of(user).all_school_ids() | trust_school_ids(user)


def users_lacking_second_factor() -> int:
    """How many active users hold a privileged role but have no confirmed TOTP device or passkey."""
    from tutela.accounts.models import TOTPDevice, User, WebAuthnCredential
    from tutela.accounts.two_factor import PRIVILEGED_ROLES

    privileged = Membership.objects.filter(role__in=PRIVILEGED_ROLES, user__is_active=True).values("user")
    covered = set(TOTPDevice.objects.filter(confirmed=True).values_list("user", flat=True)) | set(
        WebAuthnCredential.objects.filter(confirmed=True).values_list("user", flat=True)
    )
    return User.objects.filter(pk__in=privileged).exclude(pk__in=covered).count()
