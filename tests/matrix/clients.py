"""Policy-matrix rows for the API-client pages and API (tutela/clients).

Issuing and revoking credentials is for a school's administrators and IT administrators, and the trust's
administrators; everyone else gets 404 (the pages do not exist for them). The API route answers only a
request authenticated by a client token (tests/clients), so every signed-in person gets 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from tests.cast import Cast
from tests.matrix import HIDE, LOGIN, OK, Call, Expect, row
from tutela import audit
from tutela.clients import services
from tutela.core import clock
from tutela.policy import rls
from tutela.vault.scope import vault_scope

REVOKED = Expect(302, redirect_to="/clients/")
DENY = Expect(403)


def _a_client_of_the_cast_school(cast: Cast) -> dict[str, Any]:
    # Issued as the api_client command issues, across schools (the RLS pass runs requests without that).
    with vault_scope(), audit.context(actor=None, reason="policy matrix"), rls.system_scope():
        issued = services.client_create(
            actor=cast.school_admin,
            school=cast.school,
            name="matrix device",
            role="it_admin",
            access="read",
            expires_at=clock.now() + datetime.timedelta(days=30),
        )
    return {"public_id": issued.client.public_id}


# fmt: off
EXPECTATIONS = {
    "clients:list": row(
        trust_admin=OK, school_admin=OK, head_of_year=HIDE, form_tutor=HIDE, class_teacher=HIDE,
        other_teacher=HIDE, senco=HIDE, dsl=HIDE, dpo=HIDE, it_admin=OK,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=OK, no_role=HIDE, anonymous=LOGIN,
    ),
    "clients:create": row(
        trust_admin=OK, school_admin=OK, head_of_year=HIDE, form_tutor=HIDE, class_teacher=HIDE,
        other_teacher=HIDE, senco=HIDE, dsl=HIDE, dpo=HIDE, it_admin=OK,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=OK, no_role=HIDE, anonymous=LOGIN,
    ),
    # Another school's administrator gets 404 for this school's client, as for anything of another school.
    "clients:revoke": row(
        trust_admin=REVOKED, school_admin=REVOKED, head_of_year=HIDE, form_tutor=HIDE, class_teacher=HIDE,
        other_teacher=HIDE, senco=HIDE, dsl=HIDE, dpo=HIDE, it_admin=REVOKED,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "clients-api:me": row(
        trust_admin=HIDE, school_admin=HIDE, head_of_year=HIDE, form_tutor=HIDE, class_teacher=HIDE,
        other_teacher=HIDE, senco=HIDE, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=DENY,
    ),
}
# fmt: on

CALLS = {"clients:revoke": Call(method="post", target="api_client")}
TARGETS = {"api_client": _a_client_of_the_cast_school}
