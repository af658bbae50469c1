"""Issuing, checking and revoking machine-client credentials.

The token is ``tutela_<key_id>_<secret>``: a 64-bit random id that finds the row, and a 256-bit secret from
``secrets``. Only ``HMAC-SHA256(system key, key_id, secret)`` is stored. A slow hash (argon2) protects
low-entropy passwords against guessing; a 256-bit random secret cannot be guessed, so a slow hash would only
make each API call cost tens of milliseconds of CPU (a denial-of-service lever). The MAC key is a vault
system key wrapped by the root key, so a copy of the database alone cannot even test a guess offline.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from tutela import audit
from tutela.accounts import services as accounts
from tutela.accounts.models import Membership
from tutela.clients import rules
from tutela.clients.models import CLIENT_ROLES, MAX_LIFETIME_DAYS, Access, ApiClient
from tutela.core import clock
from tutela.vault import keys

PREFIX = "tutela"
MAC_KEY = "clients.token"
SECRET_BYTES = 32  # 256 bits
MAX_TOKEN_LENGTH = 200


@dataclass(frozen=True)
class Issued:
    client: ApiClient
    token: str  # shown once, never stored


class InvalidToken(Exception):
    """Malformed, unknown, wrong, expired or revoked: the caller answers 401 without saying which."""


def _mac(key_id: str, secret: str) -> bytes:
    message = b"tutela/api-client\x00" + key_id.encode() + b"\x00" + secret.encode()
    return keys.system_mac(MAC_KEY).compute_mac(message)


@transaction.atomic
def client_create(
    *,
    actor: Any,
    school: Any,
    name: str,
    role: str,
    access: str,
    expires_at: datetime.datetime,
) -> Issued:
    """A new client and its service account (holding ``role`` at ``school``). The token is returned once."""
    now = clock.now()
    errors: dict[str, str] = {}
    if role not in CLIENT_ROLES:
        errors["role"] = f"A client may act as {' or '.join(str(r.label) for r in CLIENT_ROLES)} only."
    # A person can give a client no more than they hold at that school (commands, run by the operator, can).
    elif getattr(actor, "is_authenticated", False) and role not in rules.grantable_roles(actor, school):
        errors["role"] = "You cannot give a client this role at this school."
    if access not in Access.values:
        errors["access"] = "Choose read only or read and write."
    if expires_at <= now:
        errors["expires_at"] = "The expiry date must be in the future."
    elif expires_at > now + datetime.timedelta(days=MAX_LIFETIME_DAYS):
        errors["expires_at"] = f"A client credential may last at most {MAX_LIFETIME_DAYS} days; renew it."
    if not name.strip():
        errors["name"] = "Name the device or integration (for example: 'MIS nightly sync')."
    if errors:
        raise ValidationError(errors)
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    service_user = accounts.user_create(
        email=f"client-{key_id}@api-clients.invalid", display_name=f"API client: {name.strip()}"
    )
    accounts.membership_grant(user=service_user, role=role, school=school)
    client = ApiClient(
        school=school,
        service_user=service_user,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        name=name.strip(),
        role=role,
        access=access,
        key_id=key_id,
        secret_mac=_mac(key_id, secret),
        expires_at=expires_at,
    )
    client.full_clean(exclude=["service_user", "school", "created_by"])
    client.save()
    audit.record(kind="system", action="clients.create", target=client, fields=[role, access])
    return Issued(client=client, token=f"{PREFIX}_{key_id}_{secret}")


@transaction.atomic
def client_revoke(*, actor: Any, client: ApiClient) -> ApiClient:
    """Refused from the next request on: the row is marked and the service account deactivated."""
    if client.revoked_at is None:
        client.revoked_at = clock.now()
        client.save(update_fields=["revoked_at"])
        service_user = client.service_user
        service_user.is_active = False
        service_user.save(update_fields=["is_active"])
        audit.record(kind="system", action="clients.revoke", target=client)
    return client


def client_authenticate(*, token: str, ip: str | None) -> ApiClient:
    """The live client a token names, or InvalidToken. Records the time and address of use."""
    if len(token) > MAX_TOKEN_LENGTH:  # a real token is 67 characters; do not MAC megabytes
        raise InvalidToken
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or len(key_id) != 16 or not secret:
        raise InvalidToken
    client = ApiClient.objects.select_related("service_user").filter(key_id=key_id).first()
    if client is None:
        _mac(key_id, secret)  # the same work as for a known id: the time does not tell which ids exist
        raise InvalidToken
    if not hmac.compare_digest(_mac(key_id, secret), bytes(client.secret_mac)):
        raise InvalidToken
    now = clock.now()
    if client.revoked_at is not None or client.expires_at <= now or not client.service_user.is_active:
        raise InvalidToken
    # The service account holds exactly the role it was issued with. A role added to it later (through the
    # accounts pages, say) would widen the token behind its issuer's back: refuse rather than honour it.
    held = set(Membership.objects.filter(user_id=client.service_user_id).values_list("role", "school_id"))
    if held != {(client.role, client.school_id)}:
        raise InvalidToken
    if client.last_used_at is None or client.last_used_ip != ip or now - client.last_used_at > _TOUCH_EVERY:
        # update(), not save(): recording use is bookkeeping, not a change an administrator made.
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now, last_used_ip=ip)
        type(client.service_user).objects.filter(pk=client.service_user_id).update(last_login=now)
        client.last_used_at, client.last_used_ip = now, ip
    return client


_TOUCH_EVERY = datetime.timedelta(minutes=1)
