"""Two-factor sign-in for tests: real TOTP devices and real codes, computed as an authenticator app would.

``verify_client(client, user)`` gives a signed-in test client the verified session that
tutela.accounts.middleware.TwoFactorMiddleware expects, for users who must use a second factor: the user gets
a confirmed TOTP device (enrolled through the service with a real code) and the session records it, exactly
as django_otp.login() does after the verify page. tests/accounts proves the block without it.
"""

from __future__ import annotations

from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp

from tutela import audit
from tutela.accounts import services, two_factor
from tutela.accounts.models import TOTPDevice
from tutela.core import clock
from tutela.policy import rls
from tutela.vault.scope import vault_scope


def code_for(device: TOTPDevice, *, key_hex: str | None = None) -> str:
    """The code an app would show now, or in the next 30 s step if this step's code was used already."""
    stored = TOTPDevice.objects.get(pk=device.pk)
    now_t = int(clock.now().timestamp()) // TOTPDevice.STEP
    step = max(now_t, stored.last_t + 1)
    assert step <= now_t + TOTPDevice.TOLERANCE, "this device's codes for now and the next step are used up"
    with vault_scope():
        key = bytes.fromhex(key_hex or stored.key)
    return f"{hotp(key, step, TOTPDevice.DIGITS):06d}"


def enrol_totp(user: Any) -> TOTPDevice:
    with vault_scope(), audit.context(actor=None, reason="test two-factor enrolment"):
        device = services.totp_device_start(user=user)
        assert services.totp_device_confirm(device=device, code=code_for(device))
    two_factor.forget_devices(user)
    return TOTPDevice.objects.get(pk=device.pk)


def totp_device(user: Any) -> TOTPDevice:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol_totp(user)


def verify_client(client: Any, user: Any) -> None:
    """Marks the client's session as having given a second factor, if the user needs one.

    The user's roles are read across all schools (as commands do): a test may have switched row-level
    security on for its own connection, which would hide the memberships that decide the answer."""
    user.__dict__.pop("_tutela_roles", None)
    with vault_scope(), rls.system_scope():
        needed = two_factor.must_use_two_factor(user)
    user.__dict__.pop("_tutela_roles", None)
    two_factor.forget_devices(user)
    if not needed:
        return
    device = totp_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
