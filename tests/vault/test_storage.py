"""Encrypted files (tutela/vault/storage.py): only ciphertext reaches the file store."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from tests.vault.sample import Sample
from tutela.pupils.models import Pupil
from tutela.vault.fields import VaultError
from tutela.vault.models import DataKey
from tutela.vault.storage import Ciphertext

pytestmark = pytest.mark.django_db

LETTER = b"Dear Mrs Owusu, Amelia's review meeting is on Tuesday."


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 90)).save(out, "JPEG")
    return out.getvalue()


def on_disk(name: str) -> bytes:
    return (Path(settings.MEDIA_ROOT) / name).read_bytes()


def test_the_file_store_refuses_anything_that_is_not_ciphertext(db):
    with pytest.raises(
        VaultError, match="only accepts ciphertext: declare the model field as EncryptedFileField"
    ):
        default_storage.save("pupils_pupil/letter.txt", ContentFile(LETTER))
    assert not (Path(settings.MEDIA_ROOT) / "pupils_pupil/letter.txt").exists()


def test_a_photo_on_disk_is_not_an_image_and_holds_none_of_its_bytes(amelia, audited):
    photo = jpeg_bytes()
    pupil = Pupil.system.get(pk=amelia.pk)
    pupil.photo.save("amelia-owusu.jpg", ContentFile(photo))
    stored = on_disk(pupil.photo.name)
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(stored))
    assert not stored.startswith(b"\xff\xd8")  # the JPEG start-of-image marker
    assert photo[-64:] not in stored and photo[200:264] not in stored


def test_a_file_gets_a_random_name_not_the_uploaded_one(amelia, audited):
    pupil = Pupil.system.get(pk=amelia.pk)
    pupil.photo.save("amelia-owusu.jpg", ContentFile(jpeg_bytes()))
    assert "amelia" not in pupil.photo.name.lower()
    assert pupil.photo.name.startswith("pupils_pupil/") and pupil.photo.name.endswith(".tink")
    assert Pupil.system.get(pk=amelia.pk).photo.name == pupil.photo.name  # saved with the row


def test_a_file_comes_back_as_it_was_stored(sample, audited):
    sample.attachment.save("letter.txt", ContentFile(LETTER))
    row = Sample.objects.get(pk=sample.pk)
    assert row.attachment.read_plaintext() == LETTER
    assert LETTER not in on_disk(row.attachment.name)
    assert b"Owusu" not in on_disk(row.attachment.name)


def test_a_large_file_is_encrypted_in_segments_and_comes_back_whole(sample, audited):
    data = bytes(range(256)) * 1024  # 256 KB: many 4 KB segments, several read chunks
    sample.attachment.save("scan.pdf", ContentFile(data), save=False)
    assert sample.attachment.read_plaintext() == data


def test_a_file_copied_to_another_row_does_not_open(amelia, bilal, audited):
    pupil = Pupil.system.get(pk=amelia.pk)
    pupil.photo.save("photo.jpg", ContentFile(jpeg_bytes()))
    Pupil.system.filter(pk=bilal.pk).update(photo=pupil.photo.name)
    copy = Pupil.system.get(pk=bilal.pk)
    with pytest.raises(VaultError) as raised:
        copy.photo.read_plaintext()
    assert str(raised.value) == (
        f"pupils.Pupil.photo of row {bilal.public_id} does not open with its own key and binding."
    )


def test_a_file_copied_to_another_column_of_the_same_row_does_not_open(amelia, audited):
    pupil = Pupil.system.get(pk=amelia.pk)
    pupil.photo.save("photo.jpg", ContentFile(jpeg_bytes()))
    Pupil.system.filter(pk=amelia.pk).update(photo_thumbnail=pupil.photo.name)
    with pytest.raises(VaultError, match="photo_thumbnail of row"):
        Pupil.system.get(pk=amelia.pk).photo_thumbnail.read_plaintext()


def test_content_marked_as_ciphertext_is_still_encrypted_by_the_field(sample, audited):
    # Only the field encrypts; the storage's Ciphertext marker is not a way around it.
    sample.attachment.save("letter.txt", Ciphertext(LETTER), save=False)
    assert LETTER not in on_disk(sample.attachment.name)
    assert sample.attachment.read_plaintext() == LETTER


def test_a_file_is_never_written_under_a_stream_key_that_was_rolled_back(sample, audited):
    """The in-memory data key keeps a stream key created in a transaction that was then rolled back; the
    next file must be written under the key the database holds, or it would never open again."""
    with pytest.raises(RuntimeError), transaction.atomic():
        sample.attachment.save("draft.txt", ContentFile(b"draft"))
        raise RuntimeError("the request failed after the file was written")
    assert DataKey.objects.get(pk=sample.data_key_id).wrapped_stream is None  # gone with the rollback
    assert sample.data_key.wrapped_stream is not None  # but still on the object in memory
    sample.attachment.save("letter.txt", ContentFile(LETTER))
    assert Sample.objects.get(pk=sample.pk).attachment.read_plaintext() == LETTER
