"""``manage.py vault_rotate`` (vault_init is tested with the root key, in test_root.py)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tutela.audit.models import AuditEvent
from tutela.pupils.models import Pupil
from tutela.vault.models import Keyring
from tutela.vault.scope import vault_scope

pytestmark = pytest.mark.django_db


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("vault_rotate", *args, stdout=out)
    return out.getvalue()


def wrapped(keyring_id: int) -> bytes:
    return bytes(Keyring.objects.get(pk=keyring_id).wrapped_keyset)


def test_rotating_one_school_rewraps_its_keys_and_is_audited(two_schools, amelia, bilal):
    school, other = two_schools.school, two_schools.other_school
    before, other_before = wrapped(school.keyring_id), wrapped(other.keyring_id)
    output = rotate("--school", school.urn)
    # Two pupils' data keys, and the pupil name search and UPN blind-index keys.
    assert output == f"{school.keyring.name}: rotated; 4 keys re-wrapped.\n"
    assert wrapped(school.keyring_id) != before
    assert wrapped(other.keyring_id) == other_before
    event = AuditEvent.objects.get(action="vault.keyring_rotated")
    assert (event.kind, event.target_type, event.target_id) == (
        "system",
        "vault.keyring",
        school.keyring.public_id,
    )
    assert event.reason == "key rotation"
    with vault_scope():
        assert Pupil.system.get(pk=amelia.pk).legal_first_name == "Amelia"


def test_rotating_all_schools_rewraps_every_school_keyring(two_schools, amelia):
    before = {s.keyring_id: wrapped(s.keyring_id) for s in (two_schools.school, two_schools.other_school)}
    output = rotate("--all-schools")
    assert output.count(": rotated;") == 2
    assert all(wrapped(pk) != old for pk, old in before.items())
    assert AuditEvent.objects.filter(action="vault.keyring_rotated").count() == 2


def test_an_unknown_school_is_named_in_the_error(two_schools):
    with pytest.raises(CommandError, match=r"No school has URN '999999'\."):
        rotate("--school", "999999")
    assert not AuditEvent.objects.filter(action="vault.keyring_rotated").exists()


def test_rotating_the_root_key_rewraps_every_keyring_and_is_audited(copied_keys, two_schools, amelia):
    before = {k.pk: bytes(k.wrapped_keyset) for k in Keyring.objects.all()}
    assert rotate("--root") == f"Root key rotated; {len(before)} keyrings re-wrapped.\n"
    assert all(bytes(k.wrapped_keyset) != before[k.pk] for k in Keyring.objects.all())
    assert AuditEvent.objects.filter(action="vault.root_rotated", kind="system").count() == 1
    with vault_scope():
        assert Pupil.system.get(pk=amelia.pk).legal_last_name == "Owusu"


def test_the_command_needs_exactly_one_choice(db):
    with pytest.raises(CommandError, match="one of the arguments --root --school --all-schools is required"):
        rotate()
