"""WebAuthn passkeys, server side (tutela/accounts/passkeys.py and its views), driven by a software
authenticator with a real ES256 key (tests/accounts/authenticator.py): py_webauthn verifies for real."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from tests.accounts.authenticator import SoftAuthenticator, b64url
from tests.accounts.test_views import sign_in
from tests.cast import PASSWORD
from tutela.accounts.models import WebAuthnCredential

pytestmark = pytest.mark.django_db
ORIGIN = settings.TUTELA_WEBAUTHN_ORIGIN


def register(client, authenticator: SoftAuthenticator, origin: str = ORIGIN):
    options = client.post(reverse("accounts:passkey_register_options"))
    assert options.status_code == 200
    answer = authenticator.create(options.json(), origin)
    return client.post(
        reverse("accounts:passkey_register"), json.dumps(answer), content_type="application/json"
    )


def authenticate(client, authenticator: SoftAuthenticator, origin: str = ORIGIN, **kwargs):
    options = client.post(reverse("accounts:passkey_auth_options"))
    assert options.status_code == 200
    answer = authenticator.get(options.json(), origin, **kwargs)
    return client.post(reverse("accounts:passkey_auth"), json.dumps(answer), content_type="application/json")


@pytest.fixture
def senco_with_passkey(cast, client) -> SoftAuthenticator:
    authenticator = SoftAuthenticator()
    sign_in(client, "senco@tests.example", PASSWORD)
    response = register(client, authenticator)
    assert response.json() == {"ok": True, "next": reverse("accounts:recovery_codes")}
    client.post(reverse("accounts:logout"))
    return authenticator


def test_a_senco_registers_a_passkey_as_their_second_factor(cast, client):
    sign_in(client, "senco@tests.example", PASSWORD)
    assert client.get(reverse("home")).status_code == 302
    response = register(client, SoftAuthenticator())
    assert response.status_code == 200 and response.json()["ok"]
    assert client.get(reverse("home")).status_code == 200  # the registering session is verified
    credential = WebAuthnCredential.objects.get(user=cast.senco)
    assert credential.confirmed and credential.transports == ["internal"]


def test_the_registration_options_name_this_site_and_an_opaque_user_id(cast, client):
    sign_in(client, "senco@tests.example", PASSWORD)
    options = client.post(reverse("accounts:passkey_register_options")).json()
    assert options["rp"]["id"] == settings.TUTELA_WEBAUTHN_RP_ID
    assert options["user"]["id"] == b64url(cast.senco.public_id.bytes)


def test_the_credential_is_stored_encrypted(cast, client, senco_with_passkey):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_webauthncredential")
        table = repr(cursor.fetchall())
    assert b64url(senco_with_passkey.credential_id) not in table
    assert repr(senco_with_passkey.credential_id)[2:-1] not in table
    assert b64url(senco_with_passkey.cose_key()) not in table


def test_signing_in_with_the_passkey_verifies_the_session(cast, client, senco_with_passkey):
    sign_in(client, "senco@tests.example", PASSWORD)
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:verify"))
    verify_page = client.get(reverse("accounts:verify"))
    assert b'data-passkey="authenticate"' in verify_page.content
    response = authenticate(client, senco_with_passkey)
    assert response.json() == {"ok": True, "next": reverse("home")}
    assert client.get(reverse("home")).status_code == 200
    assert WebAuthnCredential.objects.get(user=cast.senco).sign_count == 1


def test_an_assertion_is_refused_a_second_time(cast, client, senco_with_passkey):
    sign_in(client, "senco@tests.example", PASSWORD)
    options = client.post(reverse("accounts:passkey_auth_options")).json()
    answer = json.dumps(senco_with_passkey.get(options, ORIGIN))
    url = reverse("accounts:passkey_auth")
    assert client.post(url, answer, content_type="application/json").status_code == 200
    client.post(reverse("accounts:logout"))
    sign_in(client, "senco@tests.example", PASSWORD)
    replay = client.post(url, answer, content_type="application/json")
    assert replay.status_code == 400 and not replay.json()["ok"]
    assert client.get(reverse("home")).status_code == 302


def test_an_assertion_made_for_another_site_is_refused(cast, client, senco_with_passkey):
    sign_in(client, "senco@tests.example", PASSWORD)
    response = authenticate(client, senco_with_passkey, origin="https://tutela-login.example")
    assert response.status_code == 400
    assert client.get(reverse("home")).status_code == 302


def test_a_cloned_authenticator_whose_counter_goes_back_is_refused(cast, client, senco_with_passkey):
    sign_in(client, "senco@tests.example", PASSWORD)
    assert authenticate(client, senco_with_passkey, count=5).status_code == 200
    client.post(reverse("accounts:logout"))
    sign_in(client, "senco@tests.example", PASSWORD)
    assert authenticate(client, senco_with_passkey, count=3).status_code == 400


def test_a_passkey_of_another_account_or_an_unknown_key_is_refused(cast, client, senco_with_passkey):
    stranger = SoftAuthenticator()
    sign_in(client, "senco@tests.example", PASSWORD)
    response = authenticate(client, stranger)
    assert response.status_code == 400
    assert "not registered" in response.json()["message"]
    client.post(reverse("accounts:logout"))
    sign_in(client, "dsl@tests.example", PASSWORD)
    assert authenticate(client, senco_with_passkey).status_code == 400


def test_a_forged_signature_is_refused(cast, client, senco_with_passkey):
    sign_in(client, "senco@tests.example", PASSWORD)
    options = client.post(reverse("accounts:passkey_auth_options")).json()
    answer = senco_with_passkey.get(options, ORIGIN)
    forger = SoftAuthenticator()
    forger.credential_id = senco_with_passkey.credential_id
    answer["response"]["signature"] = forger.get(options, ORIGIN)["response"]["signature"]
    response = client.post(
        reverse("accounts:passkey_auth"), json.dumps(answer), content_type="application/json"
    )
    assert response.status_code == 400
    assert "signature" in response.json()["message"]


def test_the_same_passkey_cannot_be_registered_twice(cast, client, login, senco_with_passkey):
    verified = login(cast.senco)
    response = register(verified, senco_with_passkey)
    assert response.status_code == 400
    assert WebAuthnCredential.objects.filter(user=cast.senco).count() == 1


def test_a_registration_for_another_origin_is_refused(cast, client):
    sign_in(client, "senco@tests.example", PASSWORD)
    response = register(client, SoftAuthenticator(), origin="https://evil.example")
    assert response.status_code == 400
    assert not WebAuthnCredential.objects.filter(user=cast.senco).exists()
