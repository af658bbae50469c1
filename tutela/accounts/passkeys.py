"""WebAuthn passkeys: the two ceremonies, verified by py_webauthn (the browser side is static/js/passkeys.js).

The challenge lives in the session between the two requests of a ceremony and is removed when used, so a
response can be verified once. Passkeys are bound to TUTELA_WEBAUTHN_RP_ID (the host name of TUTELA_URL)
and TUTELA_WEBAUTHN_ORIGIN.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from tutela.accounts import services
from tutela.accounts.models import User, WebAuthnCredential

REGISTER_CHALLENGE = "tutela_webauthn_register"
AUTHENTICATE_CHALLENGE = "tutela_webauthn_authenticate"
RP_NAME = "Tutela"


class CeremonyFailed(Exception):
    """The browser's answer did not verify. The message is safe to show."""


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    found = []
    for credential in WebAuthnCredential.objects.filter(user=user, confirmed=True):
        transports = []
        for name in credential.transports:
            try:
                transports.append(AuthenticatorTransport(name))
            except ValueError:
                continue
        found.append(
            PublicKeyCredentialDescriptor(
                id=base64url_to_bytes(credential.credential_id), transports=transports or None
            )
        )
    return found


def registration_options(*, session: Any, user: User) -> str:
    options = generate_registration_options(
        rp_id=settings.TUTELA_WEBAUTHN_RP_ID,
        rp_name=RP_NAME,
        user_id=user.public_id.bytes,  # an opaque id, never the email
        user_name=user.email,
        user_display_name=user.display_name,
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    session[REGISTER_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def register(*, session: Any, user: User, body: bytes, name: str = "") -> WebAuthnCredential:
    challenge = session.pop(REGISTER_CHALLENGE, None)
    if not challenge:
        raise CeremonyFailed("The passkey request expired: start again.")
    try:
        data = json.loads(body)
        verified = verify_registration_response(
            credential=data,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=settings.TUTELA_WEBAUTHN_RP_ID,
            expected_origin=settings.TUTELA_WEBAUTHN_ORIGIN,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise CeremonyFailed(f"The passkey could not be registered ({type(exc).__name__}).") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if any(c.credential_id == credential_id for c in WebAuthnCredential.objects.filter(user=user)):
        raise CeremonyFailed("This passkey is registered already.")
    transports = data.get("response", {}).get("transports") or []
    try:
        return services.passkey_add(
            user=user,
            name=name or "Passkey",
            credential_id=credential_id,
            public_key=bytes_to_base64url(verified.credential_public_key),
            sign_count=verified.sign_count,
            transports=[str(t) for t in transports][:8],
        )
    except ValidationError as exc:
        raise CeremonyFailed("; ".join(exc.messages)) from None


def authentication_options(*, session: Any, user: User) -> str:
    options = generate_authentication_options(
        rp_id=settings.TUTELA_WEBAUTHN_RP_ID,
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    session[AUTHENTICATE_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def authenticate(*, session: Any, user: User, body: bytes) -> WebAuthnCredential:
    """The user's credential that signed this session's challenge; raises CeremonyFailed otherwise."""
    challenge = session.pop(AUTHENTICATE_CHALLENGE, None)
    if not challenge:
        raise CeremonyFailed("The passkey request expired: try again.")
    try:
        parsed = parse_authentication_credential_json(body.decode())
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise CeremonyFailed("The passkey's answer could not be read.") from None
    raw_id = bytes_to_base64url(parsed.raw_id)
    # Credential ids are encrypted, so the user's few credentials are opened and compared here.
    credential = next(
        (
            c
            for c in WebAuthnCredential.objects.filter(user=user, confirmed=True)
            if c.credential_id == raw_id
        ),
        None,
    )
    if credential is None:
        raise CeremonyFailed("This passkey is not registered to your account.")
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=settings.TUTELA_WEBAUTHN_RP_ID,
            expected_origin=settings.TUTELA_WEBAUTHN_ORIGIN,
            credential_public_key=base64url_to_bytes(credential.public_key),
            credential_current_sign_count=credential.sign_count,
        )
    except InvalidAuthenticationResponse:
        raise CeremonyFailed("The passkey's signature did not verify.") from None
    from tutela.core import clock

    WebAuthnCredential.objects.filter(pk=credential.pk).update(
        sign_count=verified.new_sign_count, last_used_at=clock.now()
    )
    credential.sign_count = verified.new_sign_count
    return credential
