"""A throwaway personal-data model with every kind of encrypted field, for testing the vault on its own.

It lives in an app registry of its own, so the project's system checks and migrations never see it; the
``sample_table`` fixture (tests/vault/conftest.py) creates its table in the test database.
"""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import connection, models

from tutela.core.models import PublicIdModel
from tutela.vault.fields import (
    BlindIndexField,
    EncryptedBooleanField,
    EncryptedCharField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedTextField,
)
from tutela.vault.models import DataKey
from tutela.vault.storage import EncryptedFileField

registry = Apps()
registry.register_model(DataKey._meta.app_label, DataKey)  # so that the foreign key below resolves here


class Sample(PublicIdModel):
    # No database constraint: tests destroy the key under a row, as crypto-shredding does to old copies.
    data_key = models.ForeignKey(DataKey, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    name = EncryptedCharField(max_length=60, blank=True, null=True)
    notes = EncryptedTextField(blank=True, null=True)
    born = EncryptedDateField(null=True, blank=True)
    extra = EncryptedJSONField(null=True, blank=True)
    flag = EncryptedBooleanField(null=True)
    name_index = BlindIndexField(source="name", index="sample.name", null=True)
    attachment = EncryptedFileField(blank=True)
    code = models.CharField(max_length=10, blank=True)

    objects = models.Manager()

    class Meta:
        apps = registry
        app_label = "vault_tests"

    class Privacy:
        key = "data_key"
        categories = {"identity": ("name", "born", "attachment"), "notes": ("notes", "extra", "flag")}
        search = {"sample.name": ("name",)}
        plain = {"code": "a test code", "attachment": "an encrypted file's random name"}

    def __str__(self) -> str:
        return f"sample {self.public_id}"


ENCRYPTED_COLUMNS = ("name", "notes", "born", "extra", "flag")


def create_table() -> None:
    """Creates the sample table unless an earlier test module already did (the database outlives modules)."""
    if Sample._meta.db_table not in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.create_model(Sample)


def ciphertexts(sample: Sample) -> dict[str, bytes | None]:
    """What the database holds in each encrypted column of ``sample``'s row, as bytes."""
    row = Sample.objects.filter(pk=sample.pk).values(*ENCRYPTED_COLUMNS).get()
    return {name: (value.ciphertext if value is not None else None) for name, value in row.items()}
