"""Two-factor sign-in: who must use it, enrolment, verification, recovery codes
(tutela/accounts/two_factor.py, middleware.py, views.py). Codes are computed as an authenticator app
would, from the seed the page shows."""

from __future__ import annotations

import base64
import re

import pytest
from django.db import connection
from django.urls import reverse
from django_otp.oath import hotp

from tests.accounts.test_views import last_seq, sign_in
from tests.cast import PASSWORD
from tests.support.two_factor import code_for, enrol_totp
from tutela import audit
from tutela.accounts import services
from tutela.accounts.models import RecoveryCode, TOTPDevice
from tutela.audit.models import AuditEvent
from tutela.core import clock
from tutela.schools.models import School

pytestmark = pytest.mark.django_db

PRIVILEGED = ("senco", "dsl", "dpo", "school_admin", "trust_admin", "it_admin")
OPTIONAL = ("head_of_year", "form_tutor", "class_teacher", "parent", "pupil", "no_role")


def page_secret(response) -> bytes:
    """The seed as the enrolment page shows it for typing in (the QR code holds the same)."""
    match = re.search(rb"data-totp-secret>([A-Z2-7 ]+)<", response.content)
    assert match, "the enrolment page shows no key"
    text = match.group(1).decode().replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def app_code(seed: bytes, steps_ahead: int = 0) -> str:
    step = int(clock.now().timestamp()) // TOTPDevice.STEP + steps_ahead
    return f"{hotp(seed, step, TOTPDevice.DIGITS):06d}"


def auth_actions_after(seq: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(seq__gt=seq, kind="auth").order_by("seq").values_list("action", flat=True)
    )


# --- who must use it ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", PRIVILEGED)
def test_a_privileged_role_with_only_a_password_reaches_nothing_but_enrolment(cast, client, role):
    assert sign_in(client, f"{role}@tests.example", PASSWORD).status_code == 302
    for url in (
        reverse("home"),
        reverse("pupils:list"),
        reverse("pupils:profile", args=[cast.pupil_record.public_id]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:security") + "?next=")
    api = client.get(reverse("pupils-api:detail", args=[cast.pupil_record.public_id]))
    assert api.status_code == 403
    assert b"Amelia" not in api.content
    assert client.get(reverse("accounts:security")).status_code == 200


def test_a_senco_without_a_second_factor_does_not_see_the_pupil_even_by_post(cast, client):
    sign_in(client, "senco@tests.example", PASSWORD)
    response = client.post(reverse("pupils:search"), {"q": "amel"})
    assert response.status_code == 302
    assert b"Amelia" not in response.content


@pytest.mark.parametrize("role", OPTIONAL)
def test_other_roles_may_sign_in_with_a_password_alone(cast, client, role):
    sign_in(client, f"{role}@tests.example", PASSWORD)
    assert client.get(reverse("home")).status_code == 200


def test_a_school_can_require_it_of_all_staff_but_not_of_families(cast, client, audited):
    School.objects.filter(pk=cast.school.pk).update(require_2fa_for_all_staff=True)
    sign_in(client, "form_tutor@tests.example", PASSWORD)
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:security"))
    client.post(reverse("accounts:logout"))
    sign_in(client, "parent@tests.example", PASSWORD)
    assert client.get(reverse("home")).status_code == 200


def test_someone_who_enrolled_optionally_must_use_it(cast, client):
    enrol_totp(cast.form_tutor)
    sign_in(client, "form_tutor@tests.example", PASSWORD)
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:verify") + "?next=")


# --- enrolment ----------------------------------------------------------------------------------------------


def test_a_senco_enrols_an_authenticator_app_and_gets_recovery_codes_once(cast, client):
    sign_in(client, "senco@tests.example", PASSWORD)
    page = client.get(reverse("accounts:totp_setup"))
    assert page.status_code == 200
    assert b'src="data:image/svg+xml;charset=utf-8,' in page.content  # the QR code, drawn on the server
    seed = page_secret(page)
    wrong = client.post(
        reverse("accounts:totp_setup"), {"code": "000000" if app_code(seed) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and b"not accepted" in wrong.content
    TOTPDevice.objects.filter(user=cast.senco).update(
        throttling_failure_timestamp=None
    )  # skip the 1 s back-off
    before = last_seq()
    done = client.post(reverse("accounts:totp_setup"), {"code": app_code(seed)})
    assert done["Location"] == reverse("accounts:recovery_codes")
    shown = client.get(reverse("accounts:recovery_codes"))
    codes = re.findall(rb"<code>([0-9a-z]{5}-[0-9a-z]{5})</code>", shown.content)
    assert len(codes) == 10
    again = client.get(reverse("accounts:recovery_codes"))
    assert re.findall(rb"<code>([0-9a-z]{5}-[0-9a-z]{5})</code>", again.content) == []  # shown once
    assert client.get(reverse("home")).status_code == 200  # this session is verified
    assert auth_actions_after(before) == [
        "auth.2fa_enrolled",
        "auth.2fa_verified",
        "auth.recovery_codes_generated",
    ]


def test_the_seed_is_stored_encrypted(cast, client):
    sign_in(client, "senco@tests.example", PASSWORD)
    seed = page_secret(client.get(reverse("accounts:totp_setup")))
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_totpdevice")
        table = repr(cursor.fetchall()).encode()
    assert seed.hex().encode() not in table
    assert seed.hex().upper().encode() not in table
    assert base64.b32encode(seed).rstrip(b"=") not in table
    assert seed not in table


def test_a_password_alone_cannot_add_a_device_to_an_account_that_has_one(cast, client):
    enrol_totp(cast.senco)
    sign_in(client, "senco@tests.example", PASSWORD)
    for name in ("accounts:totp_setup", "accounts:security", "accounts:recovery_codes"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:verify"))
    assert client.post(reverse("accounts:passkey_register_options")).status_code == 302
    assert TOTPDevice.objects.filter(user=cast.senco).count() == 1


# --- verification -------------------------------------------------------------------------------------------


def test_sign_in_is_password_then_code_then_the_page_asked_for(cast, client):
    device = enrol_totp(cast.dsl)
    profile = reverse("pupils:profile", args=[cast.pupil_record.public_id])
    assert sign_in(client, "dsl@tests.example", PASSWORD, next=profile)["Location"] == profile
    to_verify = client.get(profile)
    assert to_verify["Location"] == f"{reverse('accounts:verify')}?next={profile.replace('/', '%2F')}"
    before = last_seq()
    wrong = client.post(reverse("accounts:verify"), {"code": "12345", "next": profile})
    assert wrong.status_code == 200 and b"not accepted" in wrong.content
    # django-otp's back-off: the next attempt must wait a second after one failure.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=None, throttling_failure_count=0
    )
    right = client.post(reverse("accounts:verify"), {"code": code_for(device), "next": profile})
    assert right["Location"] == profile
    assert b"Amelia" in client.get(profile).content
    assert auth_actions_after(before) == ["auth.2fa_failed", "auth.2fa_verified"]


def test_a_code_works_only_once(cast, client):
    device = enrol_totp(cast.dpo)
    code = code_for(device)
    sign_in(client, "dpo@tests.example", PASSWORD)
    assert client.post(reverse("accounts:verify"), {"code": code})["Location"] == reverse("home")
    client.post(reverse("accounts:logout"))
    sign_in(client, "dpo@tests.example", PASSWORD)
    assert client.post(reverse("accounts:verify"), {"code": code}).status_code == 200  # replayed: refused
    assert client.get(reverse("home")).status_code == 302


def test_repeated_wrong_codes_are_throttled_even_before_a_right_one(cast, client):
    device = enrol_totp(cast.dpo)
    sign_in(client, "dpo@tests.example", PASSWORD)
    client.post(reverse("accounts:verify"), {"code": "000001"})
    client.post(reverse("accounts:verify"), {"code": "000002"})
    # Within the back-off delay even the right code is refused.
    assert client.post(reverse("accounts:verify"), {"code": code_for(device)}).status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_a_recovery_code_signs_in_once(cast, client, audited):
    enrol_totp(cast.it_admin)
    codes = services.recovery_codes_generate(user=cast.it_admin)
    sign_in(client, "it_admin@tests.example", PASSWORD)
    response = client.post(reverse("accounts:verify"), {"recovery_code": codes[0].upper()})
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("accounts:logout"))
    sign_in(client, "it_admin@tests.example", PASSWORD)
    again = client.post(reverse("accounts:verify"), {"recovery_code": codes[0]})
    assert again.status_code == 200 and b"not recognised" in again.content
    assert RecoveryCode.objects.filter(codes__user=cast.it_admin, used_at__isnull=True).count() == 9


def test_recovery_codes_are_kept_only_as_keyed_hashes_and_a_new_set_replaces_the_old(cast, audited):
    enrol_totp(cast.it_admin)
    first = services.recovery_codes_generate(user=cast.it_admin)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_recoverycode")
        table = repr(cursor.fetchall())
    for code in first:
        assert code not in table and code.replace("-", "") not in table
    second = services.recovery_codes_generate(user=cast.it_admin)
    assert set(first).isdisjoint(second)
    device = cast.it_admin and services.RecoveryCodes.objects.get(user=cast.it_admin)
    assert not device.verify_token(first[1])


def test_making_new_recovery_codes_needs_a_verified_session(cast, client, login):
    enrol_totp(cast.dsl)
    sign_in(client, "dsl@tests.example", PASSWORD)
    assert client.post(reverse("accounts:recovery_codes"))["Location"].startswith(reverse("accounts:verify"))
    verified = login(cast.dsl)
    assert verified.post(reverse("accounts:recovery_codes"))["Location"] == reverse("accounts:recovery_codes")
    assert len(re.findall(rb"<code>", verified.get(reverse("accounts:recovery_codes")).content)) == 10


# --- removing a device --------------------------------------------------------------------------------------


def test_a_senco_cannot_remove_their_only_second_factor(cast, login):
    client = login(cast.senco)
    device = TOTPDevice.objects.get(user=cast.senco, confirmed=True)
    response = client.post(reverse("accounts:device_remove", args=["totp", device.public_id]), follow=True)
    assert b"add another authenticator app or passkey" in response.content
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_an_optional_device_can_be_removed_and_its_recovery_codes_go_with_it(cast, login):
    client = login(cast.form_tutor)
    device = enrol_totp(cast.form_tutor)
    with audit.context(actor=None, reason="test"):
        services.recovery_codes_generate(user=cast.form_tutor)
    from tests.support.two_factor import verify_client

    verify_client(client, cast.form_tutor)
    response = client.post(reverse("accounts:device_remove", args=["totp", device.public_id]))
    assert response["Location"] == reverse("accounts:security")
    assert not TOTPDevice.objects.filter(user=cast.form_tutor).exists()
    assert not RecoveryCode.objects.filter(codes__user=cast.form_tutor).exists()
    assert AuditEvent.objects.filter(action="auth.2fa_removed", target_id=cast.form_tutor.public_id).exists()


def test_login_fixture_without_second_factor_stops_at_verification(cast, login):
    client = login(cast.senco, second_factor=False)
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:security"))


def test_verification_gives_the_session_a_new_key_and_keeps_it_listed(cast, client):
    from django.conf import settings

    from tests.accounts.test_sessions import session_key
    from tutela.accounts.middleware import session_key_hash
    from tutela.accounts.models import UserSession

    device = enrol_totp(cast.dsl)
    sign_in(client, "dsl@tests.example", PASSWORD)
    before = session_key(client)
    client.post(reverse("accounts:verify"), {"code": code_for(device)})
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert UserSession.objects.filter(user=cast.dsl, key_hash=session_key_hash(after)).exists()
    assert not UserSession.objects.filter(key_hash=session_key_hash(before)).exists()
    assert client.get(reverse("home")).status_code == 200


def test_after_signing_in_with_a_recovery_code_a_new_set_can_be_made_at_once(cast, client, audited):
    enrol_totp(cast.it_admin)
    codes = services.recovery_codes_generate(user=cast.it_admin)
    sign_in(client, "it_admin@tests.example", PASSWORD)
    client.post(reverse("accounts:verify"), {"recovery_code": codes[0]})
    made = client.post(reverse("accounts:recovery_codes"))
    assert made["Location"] == reverse("accounts:recovery_codes")
    fresh = re.findall(rb"<code>([0-9a-z]{5}-[0-9a-z]{5})</code>", client.get(made["Location"]).content)
    assert len(fresh) == 10 and not {c.encode() for c in codes} & set(fresh)
    assert client.get(reverse("home")).status_code == 200  # still verified
    assert RecoveryCode.objects.filter(codes__user=cast.it_admin).count() == 10
