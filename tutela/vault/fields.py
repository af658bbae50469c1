"""Encrypted model fields. Domain models declare them like any other field.

How it works:
- On save, ``pre_save`` encrypts the plaintext under the row's data key (found through the model's
  ``Privacy.key`` path) with associated data naming the table, column and row, so a ciphertext copied to
  another row, column or pupil fails to open.
- On load the column arrives as a :class:`Sealed` value; the attribute descriptor opens it on first
  access, so a list only decrypts what it shows.
- Plaintext can only reach the database through ``Model.save()``: ``QuerySet.update()`` and lookups on
  an encrypted column raise, rather than write plaintext or leak it in a WHERE clause.
- Plaintext is padded to a multiple of 16 bytes before encryption so ciphertext length does not give
  away the exact length of a name.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from tutela.vault import keys
from tutela.vault.models import DataKey

PAD_BLOCK = 16
FORMAT_VERSION = b"\x01"


class VaultError(Exception):
    """A ciphertext could not be written or opened. Never carries plaintext."""


class Sealed:
    """A ciphertext as loaded from the database, not yet opened."""

    __slots__ = ("ciphertext",)

    def __init__(self, ciphertext: bytes) -> None:
        self.ciphertext = ciphertext

    def __repr__(self) -> str:
        return "<sealed>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.ciphertext == self.ciphertext

    def __hash__(self) -> int:
        return hash(self.ciphertext)


def pad(data: bytes) -> bytes:
    # ISO/IEC 7816-4 padding: 0x80 then zeros up to the block.
    data += b"\x80"
    return data + b"\x00" * (-len(data) % PAD_BLOCK)


def unpad(data: bytes) -> bytes:
    end = data.rstrip(b"\x00")
    if not end.endswith(b"\x80"):
        raise VaultError("Malformed padding in an opened ciphertext.")
    return end[:-1]


def resolve_data_key(instance: models.Model) -> DataKey:
    path = instance._meta.model.Privacy.key  # type: ignore[attr-defined]
    target: Any = instance
    for step in path.split("."):
        try:
            target = getattr(target, step, None)
        except ObjectDoesNotExist:  # the key row was destroyed (crypto-shredding) under an old copy
            target = None
        if target is None:
            raise VaultError(
                f"{instance._meta.label} row {getattr(instance, 'public_id', '?')} has no data key at "
                f"{path!r} (never created, or destroyed): create one with vault.keys.data_key_create() "
                "before saving personal data."
            )
    return target


def associated_data(instance: models.Model, field: models.Field) -> bytes:
    public_id = getattr(instance, "public_id", None)
    if public_id is None:
        raise VaultError(f"{instance._meta.label} needs a public_id to bind its ciphertexts to the row.")
    return f"tutela/v1/{instance._meta.db_table}/{field.column}/{public_id}".encode()


class EncryptedAttribute(DeferredAttribute):
    """A data descriptor (it defines ``__set__``), so it sees every read even when the value is cached."""

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        if instance is None:
            return self
        try:  # the common case, once per displayed field: skip DeferredAttribute's lookups
            value = instance.__dict__[self.field.attname]
        except KeyError:
            value = super().__get__(instance, cls)
        if value.__class__ is Sealed:
            value = self.field.open(instance, value)  # type: ignore[attr-defined]
            instance.__dict__[self.field.attname] = value
            instance.__dict__.setdefault("_vault_opened", {})[self.field.attname] = value
        return value


class EncryptedField(models.Field):
    """Base of every encrypted field. Subclasses say how a value becomes bytes and back."""

    descriptor_class = EncryptedAttribute
    empty_strings_allowed = True
    form_class: type[forms.Field] = forms.CharField

    def get_internal_type(self) -> str:
        return "BinaryField"

    # --- value <-> bytes -----------------------------------------------------------------------------------
    def to_bytes(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def from_bytes(self, data: bytes) -> Any:
        return data.decode("utf-8")

    # --- encryption ----------------------------------------------------------------------------------------
    def seal(self, instance: models.Model, value: Any) -> Sealed:
        aead = keys.data_key_aead(resolve_data_key(instance))
        ad = associated_data(instance, self)
        return Sealed(aead.encrypt(FORMAT_VERSION + pad(self.to_bytes(value)), ad))

    def open(self, instance: models.Model, sealed: Sealed) -> Any:
        aead = keys.data_key_aead(resolve_data_key(instance))
        try:
            data = aead.decrypt(sealed.ciphertext, associated_data(instance, self))
        except Exception:
            raise VaultError(
                f"{instance._meta.label}.{self.name} of row {getattr(instance, 'public_id', '?')} "
                "does not open with its own key and binding (tampered, moved or key destroyed)."
            ) from None
        if not data.startswith(FORMAT_VERSION):
            raise VaultError(f"Unknown ciphertext format in {instance._meta.label}.{self.name}.")
        return self.from_bytes(unpad(data[1:]))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        raw = model_instance.__dict__.get(self.attname)
        if raw is None or isinstance(raw, Sealed):
            return raw
        return self.seal(model_instance, raw)

    # --- database -------------------------------------------------------------------------------------------
    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Sealed | None:
        if value is None:
            return None
        return Sealed(bytes(value))

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        if isinstance(value, Sealed):
            return connection.Database.Binary(value.ciphertext)
        raise VaultError(
            f"Plaintext for encrypted field {self.model._meta.label}.{self.name} reached the database "
            "outside Model.save(): QuerySet.update(), bulk_update() and filters cannot encrypt. "
            "Load the rows and save them instead."
        )

    def get_lookup(self, lookup_name: str):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None

    def get_transform(self, name: str):
        return None

    # --- forms and validation -----------------------------------------------------------------------------
    def to_python(self, value: Any) -> Any:
        return value

    def formfield(self, **kwargs: Any) -> forms.Field:
        defaults: dict[str, Any] = {"form_class": self.form_class}
        defaults.update(kwargs)
        return super().formfield(**defaults)

    def value_to_string(self, obj: models.Model) -> str:
        raise VaultError("Encrypted fields are not serialised; export through the privacy app.")


class EncryptedCharField(EncryptedField):
    def __init__(self, *args: Any, max_length: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)
        if max_length is not None:
            self.validators.append(validators.MaxLengthValidator(max_length))

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(max_length=self.max_length, **kwargs)


class EncryptedTextField(EncryptedField):
    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(widget=forms.Textarea, **kwargs)


class EncryptedDateField(EncryptedField):
    form_class = forms.DateField

    def to_bytes(self, value: Any) -> bytes:
        return value.isoformat().encode()

    def from_bytes(self, data: bytes) -> datetime.date:
        return datetime.date.fromisoformat(data.decode())

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError("Enter a valid date (YYYY-MM-DD).", code="invalid") from None


class EncryptedJSONField(EncryptedField):
    form_class = forms.JSONField

    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data)


class BlindIndexField(models.BinaryField):
    """A keyed hash of another field, for exact lookups (UPN, email) without a plaintext copy.

    The key is per keyring (school) and per index, so equal values at two schools do not match.
    Store only what ``blind_index()`` computes; the source field stays encrypted.
    """

    def __init__(self, *args: Any, source: str = "", index: str = "", **kwargs: Any) -> None:
        self.source = source
        self.index = index
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["index"] = self.index
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        raw = model_instance.__dict__.get(self.source)
        if isinstance(raw, Sealed):
            return getattr(model_instance, self.attname)
        value = getattr(model_instance, self.source)
        digest = None
        if value not in (None, ""):
            keyring = resolve_data_key(model_instance).keyring
            digest = blind_index(keyring, self.index, value)
        setattr(model_instance, self.attname, digest)
        return digest


def normalise_exact(value: str) -> bytes:
    return "".join(str(value).split()).casefold().encode("utf-8")


def blind_index(keyring: Any, index: str, value: str) -> bytes:
    return keys.index_prf(keyring, index).primary().compute(normalise_exact(value), 16)


class EncryptedBooleanField(EncryptedField):
    form_class = forms.BooleanField
    empty_strings_allowed = False

    def to_bytes(self, value: Any) -> bytes:
        return b"1" if value else b"0"

    def from_bytes(self, data: bytes) -> bool:
        return data == b"1"

    def to_python(self, value: Any) -> Any:
        return None if value is None else bool(value)

    def formfield(self, **kwargs: Any) -> forms.Field:
        kwargs.setdefault("required", False)
        return super().formfield(**kwargs)
