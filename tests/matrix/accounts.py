"""Policy matrix rows for the sign-in and security pages (tutela/accounts/urls.py).

Every member of the cast signs in with a verified session (privileged roles with a real TOTP device,
tests/support/two_factor.py). Pages about one's own account answer everyone signed in, about their own account
only: another person's device or session is 404, as if it did not exist. The blocking of unverified
sessions is proven in tests/accounts/test_two_factor.py.
"""

from __future__ import annotations

import secrets
from typing import Any

from tests.cast import Cast
from tests.matrix import HIDE, HOME, LOGIN, OK, Call, Expect, row
from tests.support.two_factor import totp_device
from tutela import audit
from tutela.accounts import services
from tutela.vault.scope import vault_scope

SECURITY = Expect(302, redirect_to="/accounts/security/")
SENT = Expect(302, redirect_to="/accounts/password-reset/sent/")
REFUSED = Expect(400)  # a passkey answer that does not verify (here: none at all)


def everyone(signed_in: Expect, anonymous: Expect = LOGIN) -> dict[str, Expect]:
    # fmt: off
    return row(
        trust_admin=signed_in, school_admin=signed_in, head_of_year=signed_in, form_tutor=signed_in,
        class_teacher=signed_in, other_teacher=signed_in, senco=signed_in, dsl=signed_in, dpo=signed_in,
        it_admin=signed_in, parent=signed_in, other_parent=signed_in, pupil=signed_in,
        other_school_admin=signed_in, no_role=signed_in, anonymous=anonymous,
    )
    # fmt: on


def only_the_senco(owner: Expect) -> dict[str, Expect]:
    # fmt: off
    return row(
        trust_admin=HIDE, school_admin=HIDE, head_of_year=HIDE, form_tutor=HIDE, class_teacher=HIDE,
        other_teacher=HIDE, senco=owner, dsl=HIDE, dpo=HIDE, it_admin=HIDE, parent=HIDE, other_parent=HIDE,
        pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    )
    # fmt: on


EXPECTATIONS = {
    # Anyone may ask for a reset link (signed in or not); the answer never says whether the email exists.
    "accounts:password_reset": everyone(OK, anonymous=OK),
    "accounts:password_reset_done": everyone(OK, anonymous=OK),
    # A verified session (or one that needs no second factor) is sent on.
    "accounts:verify": everyone(HOME),
    "accounts:passkey_auth_options": everyone(OK),
    "accounts:passkey_auth": everyone(REFUSED),
    "accounts:security": everyone(OK),
    "accounts:totp_setup": everyone(OK),
    "accounts:recovery_codes": everyone(OK),
    "accounts:passkey_register_options": everyone(OK),
    "accounts:passkey_register": everyone(REFUSED),
    "accounts:sessions_revoke_others": everyone(SECURITY),
    # The SENCO's own authenticator and one of their sessions: theirs to manage, nobody else's to see. (Their
    # only authenticator stays: the role needs one; the page says so.)
    "accounts:device_remove": only_the_senco(SECURITY),
    "accounts:session_revoke": only_the_senco(SECURITY),
}

CALLS = {
    "accounts:passkey_auth_options": Call(method="post"),
    "accounts:passkey_auth": Call(method="post"),
    "accounts:passkey_register_options": Call(method="post"),
    "accounts:passkey_register": Call(method="post"),
    "accounts:sessions_revoke_others": Call(method="post"),
    "accounts:device_remove": Call(method="post", target="senco_device"),
    "accounts:session_revoke": Call(method="post", target="senco_session"),
}


def _senco_device(cast: Cast) -> dict[str, Any]:
    return {"kind": "totp", "public_id": totp_device(cast.senco).public_id}


def _senco_session(cast: Cast) -> dict[str, Any]:
    with vault_scope(), audit.context(actor=None, reason="test session"):
        session = services.session_start(
            session_key=secrets.token_urlsafe(24), user=cast.senco, user_agent="Firefox/1", ip="192.0.2.1"
        )
    return {"public_id": session.public_id}


TARGETS = {"senco_device": _senco_device, "senco_session": _senco_session}
