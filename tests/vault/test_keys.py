"""The key hierarchy (tutela/vault/keys.py, scope.py): unwrapping once per scope, rotation, destruction."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile

from tests.vault.conftest import forget_cached_keys
from tests.vault.sample import Sample
from tutela import audit
from tutela.audit import chain
from tutela.pupils.models import Pupil
from tutela.vault import archive, crypto, keys, root, signing
from tutela.vault.fields import VaultError, blind_index
from tutela.vault.middleware import VaultScopeMiddleware
from tutela.vault.models import DataKey, IndexKey, Keyring, SearchToken, SystemKey
from tutela.vault.scope import vault_scope

pytestmark = pytest.mark.django_db

ENCRYPTED_PUPIL_COLUMNS = (
    "upn",
    "legal_first_name",
    "legal_last_name",
    "preferred_first_name",
    "date_of_birth",
    "sex",
    "address",
    "enrolled_on",
)


@pytest.fixture
def unwraps(monkeypatch) -> list[bytes]:
    """Counts keyset unwraps (each is a real unwrap: the call goes through to Tink)."""
    calls: list[bytes] = []
    real: Callable[..., Any] = crypto.unwrap

    def counting(wrapped: bytes, wrapping: Any, associated_data: bytes) -> Any:
        calls.append(associated_data)
        return real(wrapped, wrapping, associated_data)

    monkeypatch.setattr(crypto, "unwrap", counting)
    return calls


def stored_pupil(pupil: Pupil) -> dict[str, bytes]:
    row = Pupil.system.filter(pk=pupil.pk).values(*ENCRYPTED_PUPIL_COLUMNS).get()
    return {name: value.ciphertext for name, value in row.items()}


def fresh(pupil: Pupil) -> Pupil:
    return Pupil.system.select_related("data_key__keyring").get(pk=pupil.pk)


# --- caching per scope --------------------------------------------------------------------------------------


def test_a_scope_unwraps_each_key_once(sample, unwraps):
    keys.school_keys.clear()  # as in a new worker (creating the sample unwrapped its keyring)
    with vault_scope():
        for _ in range(3):
            row = Sample.objects.select_related("data_key__keyring").get(pk=sample.pk)
            assert (row.name, row.notes) == ("Amelia Owusu", "Allergic to peanuts")
    assert len(unwraps) == 2  # the keyring once, the data key once


def test_outside_a_scope_every_read_unwraps_its_data_key_again(sample, unwraps):
    keys.school_keys.clear()  # as in a new worker (creating the sample unwrapped its keyring)
    for _ in range(3):
        row = Sample.objects.select_related("data_key__keyring").get(pk=sample.pk)
        assert row.name == "Amelia Owusu"
    # The school's keyring is kept by the worker (as its root key is); the data key is not, by default.
    assert len(unwraps) == 4
    assert sum(ad.startswith(b"tutela/datakey/") for ad in unwraps) == 3


def test_a_scope_forgets_its_keys_when_it_ends(sample, data_key):
    with vault_scope():
        first = keys.data_key_aead(data_key)
        assert keys.data_key_aead(data_key) is first
        with vault_scope():  # a nested scope shares the outer one's keys
            assert keys.data_key_aead(data_key) is first
    with vault_scope():
        assert keys.data_key_aead(data_key) is not first


def test_each_request_gets_a_scope_of_its_own(data_key, rf):
    seen: list[Any] = []

    def view(request: Any) -> Any:
        seen.append(keys.data_key_aead(data_key))
        assert keys.data_key_aead(data_key) is seen[-1]
        return "response"

    middleware = VaultScopeMiddleware(view)
    assert middleware(rf.get("/")) == "response"
    assert middleware(rf.get("/")) == "response"
    assert seen[0] is not seen[1]


def test_a_keys_text_form_names_no_secret(keyring, data_key):
    assert str(keyring) == "keyring sample keyring"
    assert str(data_key) == f"data key {data_key.public_id}"


# --- creating keys on first use -----------------------------------------------------------------------------


def test_the_instance_keyring_is_created_once(db):
    first = keys.instance_keyring()
    assert keys.instance_keyring() == first
    assert Keyring.objects.filter(name=Keyring.INSTANCE).count() == 1


def test_a_streaming_key_is_created_on_first_use_and_kept(data_key):
    assert data_key.wrapped_stream is None
    stream = keys.data_key_stream(data_key)
    stored = bytes(DataKey.objects.get(pk=data_key.pk).wrapped_stream)
    assert stored == bytes(data_key.wrapped_stream)
    ciphertext = crypto.stream_encrypt(stream, io.BytesIO(b"letter"), b"ad")
    again = keys.data_key_stream(DataKey.objects.get(pk=data_key.pk))
    assert crypto.stream_decrypt(again, io.BytesIO(ciphertext), b"ad") == b"letter"


def test_an_index_key_is_created_once_per_keyring_and_index(keyring):
    first = blind_index(keyring, "sample.name", "Amelia")
    assert blind_index(keyring, "sample.name", "Amelia") == first  # a new scope each time: read back
    assert IndexKey.objects.filter(keyring=keyring, name="sample.name").count() == 1


def test_a_system_key_is_created_once_and_wrapped_by_the_root_key(db):
    tag = keys.system_mac("test-mac").compute_mac(b"event")
    keys.system_mac("test-mac").verify_mac(tag, b"event")
    assert SystemKey.objects.filter(name="test-mac", kind="mac").count() == 1


# --- destroying a data key ----------------------------------------------------------------------------------


def test_a_destroyed_data_key_leaves_its_data_unopenable(sample, data_key):
    with vault_scope():
        assert Sample.objects.get(pk=sample.pk).name == "Amelia Owusu"  # its key is now cached
        keys.data_key_destroy(data_key)
        assert not DataKey.objects.filter(pk=data_key.pk).exists()
        with pytest.raises(VaultError) as raised:
            Sample.objects.get(pk=sample.pk).name  # noqa: B018
    assert "Amelia" not in str(raised.value)
    assert not SearchToken.objects.filter(data_key_id=data_key.pk).exists()


# --- rotating a keyring -------------------------------------------------------------------------------------


@pytest.fixture
def pupil_with_photo(amelia: Pupil, audited: None) -> Pupil:
    pupil = fresh(amelia)
    pupil.photo.save("photo.jpg", ContentFile(b"\xff\xd8 a photo"))
    return fresh(pupil)


def test_keyring_rotation_rewraps_the_keys_below_and_leaves_every_ciphertext_alone(
    two_schools, pupil_with_photo, bilal
):
    keyring = two_schools.school.keyring
    before = {p.pk: stored_pupil(p) for p in (pupil_with_photo, bilal)}
    photo_before = pupil_with_photo.photo.open("rb").read()
    keys_before = {
        d.pk: (bytes(d.wrapped_aead), d.wrapped_stream) for d in DataKey.objects.filter(keyring=keyring)
    }
    index_before = {i.pk: bytes(i.wrapped_keyset) for i in IndexKey.objects.filter(keyring=keyring)}
    other_keyring_before = bytes(Keyring.objects.get(pk=two_schools.other_school.keyring_id).wrapped_keyset)
    with vault_scope():
        old_key = keys.keyring_aead(keyring)
        probe = old_key.encrypt(b"probe", b"ad")

    rewrapped = keys.keyring_rotate(keyring)

    assert rewrapped == len(keys_before) + len(index_before)
    assert {p.pk: stored_pupil(p) for p in (pupil_with_photo, bilal)} == before
    assert fresh(pupil_with_photo).photo.open("rb").read() == photo_before
    for data_key in DataKey.objects.filter(keyring=keyring):
        assert bytes(data_key.wrapped_aead) != keys_before[data_key.pk][0]
        if keys_before[data_key.pk][1] is not None:
            assert bytes(data_key.wrapped_stream) != bytes(keys_before[data_key.pk][1])
    for index_key in IndexKey.objects.filter(keyring=keyring):
        assert bytes(index_key.wrapped_keyset) != index_before[index_key.pk]
    rotated = Keyring.objects.get(pk=keyring.pk)
    assert rotated.rotated_at is not None
    assert (
        bytes(Keyring.objects.get(pk=two_schools.other_school.keyring_id).wrapped_keyset)
        == other_keyring_before
    )
    with vault_scope():
        pupil = fresh(pupil_with_photo)
        assert (pupil.legal_first_name, pupil.address) == ("Amelia", "1 Test Lane")
        assert pupil.photo.read_plaintext() == b"\xff\xd8 a photo"
        assert blind_index(rotated, "pupil.upn", pupil.upn) == bytes(pupil.upn_index)
        with pytest.raises(crypto.TinkError):  # the old school key is gone from the keyring
            keys.keyring_aead(rotated).decrypt(probe, b"ad")


def test_keyring_rotation_in_a_scope_drops_the_cached_school_key(two_schools, amelia):
    keyring = two_schools.school.keyring
    with vault_scope():
        old_key = keys.keyring_aead(keyring)
        keys.keyring_rotate(keyring)
        assert keys.keyring_aead(Keyring.objects.get(pk=keyring.pk)) is not old_key
        assert fresh(amelia).legal_last_name == "Owusu"


def test_a_key_created_through_a_keyring_loaded_before_a_rotation_still_opens(keyring):
    # A long import holds its school (and keyring) while an administrator rotates the school key.
    stale = Keyring.objects.get(pk=keyring.pk)
    keys.keyring_rotate(keyring)
    data_key = keys.data_key_create(keyring=stale)
    digest = blind_index(stale, "created.after", "Amelia")
    with vault_scope():
        stored = DataKey.objects.select_related("keyring").get(pk=data_key.pk)
        aead = keys.data_key_aead(stored)
        assert aead.decrypt(keys.data_key_aead(data_key).encrypt(b"x", b"ad"), b"ad") == b"x"
        assert blind_index(stored.keyring, "created.after", "Amelia") == digest


def test_a_file_key_created_through_a_data_key_loaded_before_a_rotation_still_opens(keyring, data_key):
    stale = DataKey.objects.select_related("keyring").get(pk=data_key.pk)
    keys.keyring_rotate(keyring)
    ciphertext = crypto.stream_encrypt(keys.data_key_stream(stale), io.BytesIO(b"letter"), b"ad")
    with vault_scope():
        stored = DataKey.objects.select_related("keyring").get(pk=data_key.pk)
        assert crypto.stream_decrypt(keys.data_key_stream(stored), io.BytesIO(ciphertext), b"ad") == b"letter"
        assert keys.data_key_aead(stored) is not None


def test_a_file_key_is_created_once_even_through_two_copies_of_the_data_key(data_key):
    first, second = DataKey.objects.get(pk=data_key.pk), DataKey.objects.get(pk=data_key.pk)
    ciphertext = crypto.stream_encrypt(keys.data_key_stream(first), io.BytesIO(b"letter"), b"ad")
    assert crypto.stream_decrypt(keys.data_key_stream(second), io.BytesIO(ciphertext), b"ad") == b"letter"


# --- rotating the root key ----------------------------------------------------------------------------------


def test_root_rotation_rewraps_every_keyring_and_everything_still_opens(copied_keys, two_schools, amelia):
    with audit.context(actor=None, reason="test"):
        audit.record(kind="system", action="test.before_rotation")
    signing.sign(b"warm the signing key")
    archive_path = copied_keys / "before.tink"
    with archive.open_for_writing(archive_path, {"test": 1}) as out:
        out.write(b"backup body")
    key_file = root.location().path
    key_file_before = key_file.read_bytes()
    keyrings_before = {k.pk: bytes(k.wrapped_keyset) for k in Keyring.objects.all()}
    probe = root.root_aead().encrypt(b"probe", b"ad")

    assert keys.root_rotate() == len(keyrings_before)

    assert key_file.read_bytes() != key_file_before
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert not key_file.with_suffix(".tmp").exists()
    for keyring in Keyring.objects.all():
        assert bytes(keyring.wrapped_keyset) != keyrings_before[keyring.pk]
        assert keyring.rotated_at is not None
    forget_cached_keys()  # as after a restart: everything below must open with the new root key alone
    with pytest.raises(crypto.TinkError):
        root.root_aead().decrypt(probe, b"ad")
    with vault_scope():
        assert fresh(amelia).legal_first_name == "Amelia"
        assert chain.verify().ok
        with audit.context(actor=None, reason="test"):
            audit.record(kind="system", action="test.after_rotation")
        assert chain.verify().ok
    assert signing.verify(signing.public_keyset_json(), signing.sign(b"data"), b"data")
    _header, reader = archive.open_for_reading(archive_path)
    with reader:
        assert reader.read() == b"backup body"


def test_root_rotation_is_refused_for_a_root_key_held_in_a_kms(settings, db):
    settings.TUTELA_ROOT_KEY_URI = "gcp-kms://projects/p/locations/l/keyRings/r/cryptoKeys/k"
    with pytest.raises(root.RootKeyProblem, match="rotated in the KMS, not by Tutela"):
        keys.root_rotate()
