"""Machine clients (tutela/clients): per-client tokens, hash-only at rest, scoped, expirable, revocable.

Which role reaches which page is in tests/matrix/clients.py; these tests check the token itself.
"""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from tutela.accounts.models import Role
from tutela.audit.models import AuditEvent
from tutela.clients import services
from tutela.clients.models import ApiClient
from tutela.core import clock

pytestmark = pytest.mark.django_db


def issue(cast, *, school=None, access="read", role=Role.SCHOOL_ADMIN, days=30) -> services.Issued:
    return services.client_create(
        actor=cast.school_admin,
        school=school or cast.school,
        name="MIS nightly sync",
        role=role,
        access=access,
        expires_at=clock.now() + datetime.timedelta(days=days),
    )


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def pupil_url(pupil) -> str:
    return reverse("pupils-api:detail", args=[pupil.public_id])


# --- the token ----------------------------------------------------------------------------------------------


def test_a_token_has_its_id_and_a_256_bit_secret(cast, audited):
    token = issue(cast).token
    prefix, key_id, secret = token.split("_", 2)
    assert prefix == "tutela" and len(key_id) == 16
    assert len(secret) == 43  # token_urlsafe(32): 32 random bytes, base64url without padding


def test_two_clients_never_share_a_secret(cast, audited):
    assert issue(cast).token.split("_", 2)[2] != issue(cast).token.split("_", 2)[2]


def test_the_token_is_never_stored_only_its_mac(cast, audited):
    issued = issue(cast)
    secret = issued.token.split("_", 2)[2]
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (catalogue names)
            dump.extend(repr(row) for row in cursor.fetchall())
    everything = "\n".join(dump)
    assert issued.client.key_id in everything  # the dump is real: the public half is there
    assert secret not in everything and issued.token not in everything
    stored = bytes(ApiClient.objects.get(pk=issued.client.pk).secret_mac)
    assert secret.encode() not in stored and len(stored) == 37  # Tink prefix (5) + HMAC-SHA256 tag (32)


# --- authentication -----------------------------------------------------------------------------------------


def test_a_client_reads_a_pupil_of_its_school_and_the_read_is_audited(cast, audited):
    issued = issue(cast)
    response = bearer(issued.token).get(pupil_url(cast.pupil_record), REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 200
    assert response.json()["first_name"] == "Amelia"
    event = AuditEvent.objects.filter(kind="read").latest("seq")
    assert event.actor_id == issued.client.service_user.public_id
    assert event.action == "pupils-api:detail"
    client = ApiClient.objects.get(pk=issued.client.pk)
    assert client.last_used_ip == "192.0.2.7" and client.last_used_at is not None


def test_a_client_says_who_it_is(cast, audited):
    issued = issue(cast, access="write")
    body = bearer(issued.token).get(reverse("clients-api:me")).json()
    assert body["id"] == str(issued.client.public_id)
    assert body["school"] == str(cast.school.public_id)
    assert (body["role"], body["access"]) == ("school_admin", "write")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character of the secret wrong
        lambda t: t.replace("tutela_", "other_", 1),  # wrong prefix
        lambda t: "tutela_0000000000000000_" + t.split("_", 2)[2],  # unknown id, right secret
        lambda t: t.rsplit("_", 1)[0] if t.count("_") > 2 else t.split("_", 2)[0] + "_" + t.split("_", 2)[1],
        lambda t: "",
    ],
    ids=["wrong-secret", "wrong-prefix", "unknown-id", "no-secret", "empty"],
)
def test_a_wrong_token_is_refused_with_401(cast, audited, mangle):
    issued = issue(cast)
    response = bearer(mangle(issued.token)).get(pupil_url(cast.pupil_record))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="tutela"'
    assert b"Amelia" not in response.content
    assert AuditEvent.objects.filter(action="clients.token_refused").exists()


def test_an_expired_token_is_refused_with_401(cast, audited, monkeypatch):
    issued = issue(cast, days=1)
    assert bearer(issued.token).get(pupil_url(cast.pupil_record)).status_code == 200
    later = clock.now() + datetime.timedelta(days=1, minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert bearer(issued.token).get(pupil_url(cast.pupil_record)).status_code == 401


def test_a_revoked_token_is_refused_from_the_next_request(cast, audited):
    issued = issue(cast)
    assert bearer(issued.token).get(pupil_url(cast.pupil_record)).status_code == 200
    services.client_revoke(actor=cast.school_admin, client=issued.client)
    assert bearer(issued.token).get(pupil_url(cast.pupil_record)).status_code == 401
    assert AuditEvent.objects.filter(action="clients.revoke", target_id=issued.client.public_id).exists()
    issued.client.service_user.refresh_from_db()
    assert issued.client.service_user.is_active is False


def test_a_token_whose_service_account_gained_a_role_is_refused(cast, audited):
    from tutela.accounts import services as accounts

    issued = issue(cast, role=Role.IT_ADMIN)
    assert bearer(issued.token).get(reverse("clients-api:me")).status_code == 200
    accounts.membership_grant(user=issued.client.service_user, role=Role.SCHOOL_ADMIN, school=cast.school)
    assert bearer(issued.token).get(pupil_url(cast.pupil_record)).status_code == 401


def test_an_oversized_token_is_refused_without_work(cast, audited):
    issued = issue(cast)
    assert bearer(issued.token + "A" * 300).get(reverse("clients-api:me")).status_code == 401


def test_a_request_without_a_token_keeps_the_session_answer(cast):
    response = Client().get(pupil_url(cast.pupil_record))
    assert response.status_code == 403 and not response.has_header("WWW-Authenticate")


def test_a_token_does_not_open_the_pages(cast, audited):
    issued = issue(cast)
    response = bearer(issued.token).get(reverse("pupils:profile", args=[cast.pupil_record.public_id]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- scope --------------------------------------------------------------------------------------------------


def test_a_client_of_one_school_gets_404_for_another_schools_pupil(cast, audited):
    issued = issue(cast)
    response = bearer(issued.token).get(pupil_url(cast.other_school_pupil))
    assert response.status_code == 404
    listed = bearer(issued.token).get(reverse("pupils-api:list")).json()["results"]
    assert listed and all(row["id"] != str(cast.other_school_pupil.public_id) for row in listed)


def test_a_read_only_client_cannot_write(cast, audited):
    issued = issue(cast, access="read")
    response = bearer(issued.token).patch(
        pupil_url(cast.pupil_record),
        json.dumps({"preferred_first_name": "Mia"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "This API client is read-only."
    cast.pupil_record.refresh_from_db()
    assert cast.pupil_record.preferred_first_name != "Mia"


def test_a_read_write_client_writes_and_the_write_is_audited_as_the_client(cast, audited):
    issued = issue(cast, access="write")
    response = bearer(issued.token).patch(
        pupil_url(cast.pupil_record),
        json.dumps({"preferred_first_name": "Mia"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    event = AuditEvent.objects.filter(kind="update").latest("seq")
    assert event.actor_id == issued.client.service_user.public_id


def test_an_it_admin_client_sees_no_pupil(cast, audited):
    issued = issue(cast, role=Role.IT_ADMIN)
    assert bearer(issued.token).get(pupil_url(cast.pupil_record)).status_code == 404


def test_a_client_cannot_manage_clients(cast, audited):
    from tutela import policy

    issued = issue(cast)
    assert not policy.can(issued.client.service_user, "clients.manage", issued.client)


# --- issuing: limits ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "message"),
    [(0, "must be in the future"), (-3, "must be in the future"), (367, "at most 366 days")],
)
def test_a_client_must_expire_within_a_year(cast, audited, days, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=message):
        issue(cast, days=days)


def test_a_client_cannot_take_a_family_or_trust_role(cast, audited):
    from django.core.exceptions import ValidationError

    for role in (Role.PARENT, Role.TRUST_ADMIN, Role.DSL):
        with pytest.raises(ValidationError, match="may act as"):
            issue(cast, role=role)


# --- pages --------------------------------------------------------------------------------------------------


def test_an_admin_issues_a_client_and_sees_the_token_once(cast, login):
    client = login(cast.school_admin)
    expires = (clock.today() + datetime.timedelta(days=60)).isoformat()
    response = client.post(
        reverse("clients:create"),
        {
            "school": cast.school.public_id,
            "name": "Door entry tablet",
            "role": "school_admin",
            "access": "read",
            "expires_on": expires,
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = response.context["token"]
    assert token.encode() in response.content
    listing = client.get(reverse("clients:list"))
    assert b"Door entry tablet" in listing.content and token.encode() not in listing.content
    assert AuditEvent.objects.filter(action="clients.create").exists()


def test_an_it_admin_cannot_issue_a_client_that_sees_pupils(cast, login):
    client = login(cast.it_admin)
    response = client.post(
        reverse("clients:create"),
        {
            "school": cast.school.public_id,
            "name": "Sneaky",
            "role": "school_admin",
            "access": "read",
            "expires_on": (clock.today() + datetime.timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 200 and "token" not in response.context
    assert not ApiClient.objects.filter(name="Sneaky").exists()


def test_an_admin_cannot_issue_for_another_school(cast, login):
    response = login(cast.school_admin).post(
        reverse("clients:create"),
        {
            "school": cast.other_school.public_id,
            "name": "Elsewhere",
            "role": "school_admin",
            "access": "read",
            "expires_on": (clock.today() + datetime.timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 200 and not ApiClient.objects.filter(name="Elsewhere").exists()


def test_another_schools_admin_cannot_revoke(cast, login, audited):
    issued = issue(cast)
    response = login(cast.other_school_admin).post(reverse("clients:revoke", args=[issued.client.public_id]))
    assert response.status_code == 404
    assert ApiClient.objects.get(pk=issued.client.pk).revoked_at is None


# --- the command --------------------------------------------------------------------------------------------


def test_the_command_issues_lists_and_revokes(cast):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api_client", "create", "--school", cast.school.urn, "--name", "Backup agent",
        "--role", "school_admin", "--access", "read", "--days", "7", "--reason", "monitoring",
        stdout=out, stderr=err,
    )  # fmt: skip
    token = out.getvalue().strip()
    assert token.startswith("tutela_") and "shown once" in err.getvalue()
    key_id = token.split("_")[1]
    listed = io.StringIO()
    call_command("api_client", "list", stdout=listed)
    assert key_id in listed.getvalue() and token not in listed.getvalue()
    assert bearer(token).get(reverse("clients-api:me")).status_code == 200
    call_command("api_client", "revoke", key_id, "--reason", "agent retired", stdout=io.StringIO())
    assert bearer(token).get(reverse("clients-api:me")).status_code == 401


def test_the_command_refuses_a_lifetime_over_a_year_and_unknown_ids(cast):
    with pytest.raises(CommandError, match="at most 366 days"):
        call_command(
            "api_client", "create", "--school", cast.school.urn, "--name", "x", "--days", "400",
            "--role", "it_admin",
            "--reason", "r", stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
    with pytest.raises(CommandError, match="No API client"):
        call_command("api_client", "revoke", "ffffffffffffffff", "--reason", "r", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No school"):
        call_command(
            "api_client", "create", "--school", "999999", "--name", "x", "--role", "it_admin",
            "--reason", "r",
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip


# --- PostgreSQL row-level security --------------------------------------------------------------------------


@pytest.fixture
def row_level_security_enforced():
    """Switches off the suite's cross-school setting (tests/conftest.py): requests see only their schools."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('tutela.all_schools', '', false)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('tutela.all_schools', 'on', false)")


@pytest.mark.postgres
def test_a_client_is_found_and_scoped_under_row_level_security(cast, audited, request):
    issued = issue(cast)  # issued with the suite's cross-school setting, as a command would
    request.getfixturevalue("row_level_security_enforced")
    client = bearer(issued.token)
    assert client.get(pupil_url(cast.pupil_record)).status_code == 200
    assert client.get(pupil_url(cast.other_school_pupil)).status_code == 404
    bad = bearer(issued.token[:-2] + "xx")
    assert bad.get(pupil_url(cast.pupil_record)).status_code == 401
