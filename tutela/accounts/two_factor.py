"""Who must use a second factor, and whether a session has given one.

Two-factor sign-in is mandatory for every role that can see special-category data (SEND, safeguarding,
medical) or administer those who can: SENCO, DSL, DPO, school, trust and IT administrators. A school may
require it of all its staff (School.require_2fa_for_all_staff). Anyone who has enrolled a device uses it,
required or not: an optional second factor an attacker could skip would protect nothing.
"""

from __future__ import annotations

from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login

from tutela.accounts.models import Role, TOTPDevice, WebAuthnCredential
from tutela.accounts.selectors import roles_of

PRIVILEGED_ROLES = (
    Role.SENCO,
    Role.DSL,
    Role.DPO,
    Role.SCHOOL_ADMIN,
    Role.TRUST_ADMIN,
    Role.IT_ADMIN,
)
FAMILY_ROLES = (Role.PARENT, Role.PUPIL)
STAFF_ROLES = tuple(role for role in Role if role not in FAMILY_ROLES)
# Devices that count as a second factor on their own. Recovery codes are a way back in, not a factor to
# enrol with: a user whose only "device" is a sheet of codes has not set up two-factor sign-in.
PRIMARY_DEVICES = (TOTPDevice, WebAuthnCredential)


def must_use_two_factor(user: Any) -> bool:
    roles = roles_of(user)
    if roles.has(*PRIVILEGED_ROLES):
        return True
    staff_schools = roles.schools_with(*STAFF_ROLES)
    if staff_schools:
        from tutela.schools.models import School

        if School.objects.filter(pk__in=staff_schools, require_2fa_for_all_staff=True).exists():
            return True
    return has_confirmed_device(user)


def has_confirmed_device(user: Any) -> bool:
    cached = getattr(user, "_tutela_has_device", None)
    if cached is None:
        cached = any(model.objects.filter(user=user, confirmed=True).exists() for model in PRIMARY_DEVICES)
        user._tutela_has_device = cached
    return cached


def forget_devices(user: Any) -> None:
    user.__dict__.pop("_tutela_has_device", None)


def is_verified(request: Any) -> bool:
    user = request.user
    return bool(getattr(user, "is_verified", lambda: False)())


def mark_verified(request: Any, device: Any) -> None:
    """The session has given a second factor (django-otp keeps the device's id in the session)."""
    otp_login(request, device)
    assert request.session.get(DEVICE_ID_SESSION_KEY) == device.persistent_id
