"""Creating accounts and granting roles. No account ever gets a password chosen by the code."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from tutela.accounts.backends import user_by_email
from tutela.accounts.models import Membership, Role, User
from tutela.vault import keys


@transaction.atomic
def user_create(*, email: str, display_name: str, password: str | None = None) -> User:
    """A new account; without ``password`` it cannot sign in until one is set through enrolment."""
    email = email.strip()
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
    membership = Membership(user=user, role=role, school=school, trust=trust, year_group=year_group)
    membership.full_clean()
    membership.save()
    user.__dict__.pop("_tutela_roles", None)
    return membership
