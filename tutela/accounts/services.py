"""Creating accounts and granting roles. No account ever gets a password chosen by the code."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from tutela import audit
from tutela.accounts.backends import user_by_email
from tutela.accounts.models import TEACHING_ROLES, Membership, Role, User
from tutela.vault import keys


@transaction.atomic
def user_create(*, email: str, display_name: str, password: str | None = None) -> User:
    """A new account; without ``password`` it cannot sign in until one is set through enrolment."""
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": "Enter a valid email address, such as name@school.example."}
        ) from None
    if user_by_email(email) is not None:
        raise ValidationError({"email": "An account with this email address exists already."})
    user = User(
        data_key=keys.data_key_create(keyring=keys.instance_keyring()), email=email, display_name=display_name
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["data_key", "email_index", "password"], validate_unique=False)
    user.save()
    return user


def generate_password() -> str:
    """A random password for a new instance's demo accounts: 20 URL-safe characters (~120 bits)."""
    return secrets.token_urlsafe(15)


@transaction.atomic
def membership_grant(
    *, user: User, role: str, school: Any = None, trust: Any = None, year_group: Any = None
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    _check_grant(role=role, school=school, trust=trust, year_group=year_group)
    membership = Membership(user=user, role=role, school=school, trust=trust, year_group=year_group)
    membership.full_clean()
    membership.save()
    user.__dict__.pop("_tutela_roles", None)
    audit.record(
        kind="update",
        action="accounts.membership.grant",
        target=user,
        subjects=[user.public_id],
        fields=[role],
    )
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership) -> None:
    """Ends a role. Class and form lists no longer give access once no teaching role is left."""
    user = membership.user
    audit.record(
        kind="update",
        action="accounts.membership.revoke",
        target=user,
        subjects=[user.public_id],
        fields=[membership.role],
    )
    membership.delete()
    user.__dict__.pop("_tutela_roles", None)


def require_teaching_staff(*, users: list[User], school: Any, field: str) -> None:
    """Only people with a teaching role at the school can be put on its class or form lists."""
    allowed = set(
        Membership.objects.filter(user__in=users, school=school, role__in=TEACHING_ROLES).values_list(
            "user", flat=True
        )
    )
    outsiders = [u for u in users if u.pk not in allowed]
    if outsiders:
        raise ValidationError({field: f"{len(outsiders)} of them hold no teaching role at this school."})


def _check_grant(*, role: str, school: Any, trust: Any, year_group: Any) -> None:
    """Where a role applies must match the role: the policy rules read these ids without re-checking them.

    A head of year's year group is matched to pupils by id alone, so a year group of another school would
    show that school's pupils: it must belong to the membership's school.
    """
    label = Role(role).label
    errors: dict[str, str] = {}
    if role == Role.TRUST_ADMIN:
        if trust is None:
            errors["trust"] = "A trust administrator needs a trust."
        if school is not None:
            errors["school"] = (
                "A trust administrator's role covers the whole trust: give the trust, not a school."
            )
    else:
        if school is None:
            errors["school"] = f"“{label}” is a role in one school: give the school."
        if trust is not None:
            errors["trust"] = "Only a trust administrator holds a role across a trust: give a school instead."
    if role == Role.HEAD_OF_YEAR:
        if year_group is None:
            errors["year_group"] = "A head of year needs a year group."
        elif school is not None and year_group.school_id != school.pk:
            errors["year_group"] = (
                "This year group belongs to another school: choose one of the school's own."
            )
    elif year_group is not None:
        errors["year_group"] = f"Only a head of year has a year group (this role is “{label}”)."
    if errors:
        raise ValidationError(errors)
