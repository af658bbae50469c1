"""Encrypted files (photos, attachments) behind Django's storage API.

``EncryptedFileField`` encrypts with the row's streaming key (Tink AES256-GCM-HKDF, 4 KB segments) before
anything reaches the storage, binds the ciphertext to table, column and row, and gives the file a random
name (an uploaded file name can be a child's name). The storage itself refuses anything that is not
ciphertext, so no other code path can write a plaintext file into the store. Uploads never touch disk in
the clear: settings keep them in memory (``FILE_UPLOAD_HANDLERS``).
"""

from __future__ import annotations

import io
import uuid
from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models.fields.files import FieldFile

from tutela.vault import crypto, keys
from tutela.vault.fields import VaultError, resolve_data_key


class Ciphertext(ContentFile):
    """Bytes that the vault has already encrypted: the only content the storage accepts."""


class EncryptedFileStorage(FileSystemStorage):
    def _save(self, name: str, content: File) -> str:
        if not isinstance(content, Ciphertext):
            raise VaultError(
                "The file store only accepts ciphertext: declare the model field as "
                "EncryptedFileField/EncryptedImageField instead of FileField."
            )
        return super()._save(name, content)


def _file_ad(instance: models.Model, field: models.Field) -> bytes:
    return f"tutela/v1/file/{instance._meta.db_table}/{field.column}/{instance.public_id}".encode()


class EncryptedFieldFile(FieldFile):
    def save(self, name: str, content: File, save: bool = True) -> None:
        # Always encrypted here, whatever the content claims to be: nothing reaches the store unbound.
        stream = keys.data_key_stream(resolve_data_key(self.instance), for_writing=True)
        content.seek(0)
        ciphertext = Ciphertext(crypto.stream_encrypt(stream, content, _file_ad(self.instance, self.field)))
        random_name = f"{self.instance._meta.db_table}/{uuid.uuid4().hex}.tink"
        self.name = self.storage.save(random_name, ciphertext, max_length=self.field.max_length)
        setattr(self.instance, self.field.attname, self.name)
        self._committed = True
        if save:
            self.instance.save()

    save.alters_data = True

    def read_plaintext(self) -> bytes:
        """Decrypts the whole file in memory (photos and letters are small)."""
        stream = keys.data_key_stream(resolve_data_key(self.instance))
        with self.storage.open(self.name, "rb") as ciphertext:
            data = ciphertext.read()
        try:
            return crypto.stream_decrypt(stream, io.BytesIO(data), _file_ad(self.instance, self.field))
        except Exception:
            raise VaultError(
                f"{self.instance._meta.label}.{self.field.name} of row {self.instance.public_id} "
                "does not open with its own key and binding."
            ) from None


class EncryptedFileField(models.FileField):
    attr_class = EncryptedFieldFile

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> Any:
        return None  # uploads go through a service that validates and re-encodes them


class EncryptedImageField(EncryptedFileField):
    """An encrypted image; re-encoding and thumbnails are done by tutela.core.images before saving."""
