"""Creating accounts and granting roles. No account ever gets a password chosen by the code."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from tutela import audit
from tutela.accounts import recovery, two_factor
from tutela.accounts.backends import user_by_email
from tutela.accounts.models import (
    TEACHING_ROLES,
    Membership,
    RecoveryCode,
    RecoveryCodes,
    Role,
    TOTPDevice,
    User,
    UserSession,
    WebAuthnCredential,
)
from tutela.core import clock
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


# --- two-factor devices -------------------------------------------------------------------------------------


def _auth_event(action: str, user: User, fields: list[str] | None = None) -> None:
    audit.record(kind="auth", action=action, target=user, subjects=[user.public_id], fields=fields or [])


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for the user to scan; earlier unfinished ones are dropped."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice(user=user, name="Authenticator app", key=secrets.token_hex(20), confirmed=False)
    device.full_clean(exclude=["user"])
    device.save()
    return device


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, code: str) -> bool:
    """Finishes enrolment once the user types a code from the app (proving it holds the seed)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed or not device.verify_token(code):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    two_factor.forget_devices(device.user)
    _auth_event("auth.2fa_enrolled", device.user, ["totp"])
    return True


@transaction.atomic
def passkey_add(
    *, user: User, name: str, credential_id: str, public_key: str, sign_count: int, transports: list[str]
) -> WebAuthnCredential:
    credential = WebAuthnCredential(
        user=user,
        name=(name or "Passkey")[:64],
        credential_id=credential_id,
        public_key=public_key,
        sign_count=sign_count,
        transports=transports,
        confirmed=True,
    )
    credential.full_clean(exclude=["user"])
    credential.save()
    two_factor.forget_devices(user)
    _auth_event("auth.2fa_enrolled", user, ["passkey"])
    return credential


@transaction.atomic
def device_remove(*, user: User, device: TOTPDevice | WebAuthnCredential) -> None:
    """Removes a second factor. Someone who must use two-factor sign-in keeps at least one."""
    if device.user_id != user.pk:
        raise ValidationError("This device belongs to another account.")
    others = [
        other
        for model in two_factor.PRIMARY_DEVICES
        for other in model.objects.filter(user=user, confirmed=True)
        if other != device
    ]
    two_factor.forget_devices(user)
    if not others and device.confirmed and _required_without_devices(user):
        raise ValidationError(
            "Your role needs two-factor sign-in: add another authenticator app or passkey before removing "
            "this one."
        )
    kind = "totp" if isinstance(device, TOTPDevice) else "passkey"
    device.delete()
    two_factor.forget_devices(user)
    if not others:
        RecoveryCodes.objects.filter(user=user).delete()  # codes without a factor would be a factor
    _auth_event("auth.2fa_removed", user, [kind])


def _required_without_devices(user: User) -> bool:
    user._tutela_has_device = False  # type: ignore[attr-defined]
    try:
        return two_factor.must_use_two_factor(user)
    finally:
        two_factor.forget_devices(user)


@transaction.atomic
def recovery_codes_generate(*, user: User) -> list[str]:
    """A new set of one-time codes, returned once to show the user; any earlier set stops working."""
    # The set keeps its device row (a session verified by a recovery code stays verified); only the codes
    # are replaced.
    device = RecoveryCodes.objects.filter(user=user).first() or RecoveryCodes.objects.create(
        user=user, name="Recovery codes", confirmed=True
    )
    RecoveryCode.objects.filter(codes=device).delete()
    codes = [recovery.new_code() for _ in range(recovery.COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(codes=device, digest=recovery.code_digest(user, code)) for code in codes
    )
    _auth_event("auth.recovery_codes_generated", user)
    return codes


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(codes__user=user, used_at__isnull=True).count()


def second_factor_verified(*, request: Any, device: Any, method: str) -> None:
    """Marks the session verified under a new session key (as signing in does): a key seen before the
    second factor, e.g. planted by an attacker, never becomes a verified session."""
    from tutela.accounts.middleware import session_key_hash

    old_key = request.session.session_key or ""
    request.session.cycle_key()
    UserSession.objects.filter(key_hash=session_key_hash(old_key)).update(
        key_hash=session_key_hash(request.session.session_key)
    )
    two_factor.mark_verified(request, device)
    _auth_event("auth.2fa_verified", request.user, [method])


def second_factor_failed(*, user: User, method: str) -> None:
    _auth_event("auth.2fa_failed", user, [method])


# --- sessions -----------------------------------------------------------------------------------------------


def user_agent_summary(user_agent: str) -> str:
    """ "Firefox on Windows": enough to recognise one's own devices; the full header is not kept."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Chromium/", "Chromium"),
                ("Safari/", "Safari"),
            )
            if token in ua
        ),
        "Unknown browser",
    )
    system = next(
        (
            name
            for token, name in (
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Android", "Android"),
                ("CrOS", "ChromeOS"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("Linux", "Linux"),
            )
            if token in ua
        ),
        "an unknown system",
    )
    return f"{browser} on {system}"


@transaction.atomic
def session_start(*, session_key: str, user: User, user_agent: str, ip: str | None) -> UserSession:
    from tutela.accounts.middleware import session_key_hash

    UserSession.objects.filter(key_hash=session_key_hash(session_key)).delete()
    row = UserSession(
        user=user,
        key_hash=session_key_hash(session_key),
        last_seen_at=clock.now(),
        user_agent=user_agent_summary(user_agent),
        ip_address=(ip or "")[:64],
    )
    row.full_clean(exclude=["user"])
    row.save()
    return row


def session_end(*, session_key: str) -> None:
    from tutela.accounts.middleware import session_key_hash

    UserSession.objects.filter(key_hash=session_key_hash(session_key)).delete()


@transaction.atomic
def session_revoke(*, user: User, session: UserSession) -> None:
    """Signs out one of the user's sessions (it is refused at its next request)."""
    if session.user_id != user.pk:
        raise ValidationError("This session belongs to another account.")
    session.delete()
    _auth_event("auth.session_revoked", user)


@transaction.atomic
def sessions_revoke_all(*, user: User, except_key: str = "") -> int:
    """Signs out every session of the user but ``except_key`` ("sign out everywhere else")."""
    from tutela.accounts.middleware import session_key_hash

    sessions = UserSession.objects.filter(user=user)
    if except_key:
        sessions = sessions.exclude(key_hash=session_key_hash(except_key))
    count = sessions.count()
    for session in sessions:
        session.delete()
    _auth_event("auth.sessions_revoked", user, [str(count)])
    return count
