"""Lockout after repeated failed sign-ins, per account and per address (docs/sign-in.md).

No email and no IP address is stored: an account is keyed by the blind index of the email as typed (the same
keyed hash that finds the user), so an email with no account is counted and locked exactly like one with an
account, and the answer never tells them apart; an address is keyed by a MAC of the IP under an instance key.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from tutela import audit
from tutela.accounts.models import SignInThrottle
from tutela.core import clock
from tutela.vault import keys
from tutela.vault.fields import blind_index

ADDRESS_MAC = "accounts.signin_address"


@dataclass(frozen=True)
class Keys:
    account: bytes | None
    address: bytes | None


def keys_for(*, email: str, ip: str | None) -> Keys:
    account = blind_index(keys.instance_keyring(), "user.email", email) if email.strip() else None
    address = keys.system_mac(ADDRESS_MAC).compute_mac(ip.encode()) if ip else None
    return Keys(account, address)


def _window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.TUTELA_SIGNIN_LOCKOUT_MINUTES)


def _pairs(found: Keys) -> list[tuple[str, bytes, int]]:
    pairs = []
    if found.account is not None:
        pairs.append(
            (SignInThrottle.Kind.ACCOUNT, found.account, settings.TUTELA_SIGNIN_MAX_FAILURES_PER_ACCOUNT)
        )
    if found.address is not None:
        pairs.append(
            (SignInThrottle.Kind.ADDRESS, found.address, settings.TUTELA_SIGNIN_MAX_FAILURES_PER_ADDRESS)
        )
    return pairs


def is_locked(found: Keys) -> bool:
    now = clock.now()
    return any(
        SignInThrottle.objects.filter(kind=kind, digest=digest, locked_until__gt=now).exists()
        for kind, digest, _ in _pairs(found)
    )


@transaction.atomic
def record_failure(found: Keys, *, user: Any = None) -> list[str]:
    """Counts a failed sign-in; returns the kinds ("account", "address") that this failure locked."""
    now = clock.now()
    purge_expired()
    locked = []
    for kind, digest, limit in _pairs(found):
        row, _ = SignInThrottle.objects.select_for_update().get_or_create(
            kind=kind, digest=digest, defaults={"window_started_at": now}
        )
        if now - row.window_started_at > _window():
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        if row.failures >= limit and not (row.locked_until and row.locked_until > now):
            row.locked_until = now + _window()
            locked.append(kind)
        row.save()
    for kind in locked:
        # The account is named when it exists (the audit log is for investigators; the page never says).
        audit.record(
            kind="auth",
            action="auth.lockout",
            target=user,
            subjects=[user.public_id] if user is not None else [],
            fields=[kind],
        )
    return locked


def record_success(found: Keys) -> None:
    """A correct password clears the account's count (not the address's: one good account must not
    launder a spray of guesses from the same address)."""
    if found.account is not None:
        SignInThrottle.objects.filter(kind=SignInThrottle.Kind.ACCOUNT, digest=found.account).delete()


def clear_account(email: str) -> None:
    """After a password reset the account may sign in again at once."""
    record_success(keys_for(email=email, ip=None))


def purge_expired() -> int:
    """Rows whose window and lock are over hold nothing useful: deleted whenever a failure is counted, so
    the table holds only the last window's attempts."""
    cutoff = clock.now() - _window()
    deleted, _ = SignInThrottle.objects.filter(
        window_started_at__lt=cutoff, locked_until__isnull=True
    ).delete()
    deleted += SignInThrottle.objects.filter(locked_until__lt=cutoff).delete()[0]
    return deleted
