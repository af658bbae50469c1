"""Encrypted model fields (tutela/vault/fields.py): what reaches the database, and what cannot."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django import forms
from django.core import serializers
from django.core.exceptions import FieldError, ValidationError
from django.db import transaction

from tests.vault.sample import Sample, ciphertexts
from tutela.pupils.models import Pupil
from tutela.vault import keys
from tutela.vault.fields import (
    FORMAT_VERSION,
    EncryptedAttribute,
    Sealed,
    VaultError,
    associated_data,
    blind_index,
    pad,
    resolve_data_key,
    unpad,
)

pytestmark = pytest.mark.django_db

UNICODE_NAME = "Zoë Ångström-Nguyễn 李小龍 🙂"


def reloaded(sample: Sample) -> Sample:
    return Sample.objects.get(pk=sample.pk)


# --- round trips --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Amelia Owusu"),
        ("name", UNICODE_NAME),
        ("name", ""),
        ("name", None),
        ("notes", "1 Test Lane\nTestville\n\n  indented line"),
        ("notes", ""),
        ("born", datetime.date(2014, 10, 1)),
        ("born", None),
        ("extra", {"allergies": ["peanuts", "penicillin"], "plan": {"since": "2024-01-01", "level": 2}}),
        ("extra", ["a list", 1, 2.5, None, True]),
        ("extra", "a bare string"),
        ("extra", None),
        ("flag", True),
        ("flag", False),
        ("flag", None),
    ],
)
def test_each_kind_of_field_comes_back_from_the_database_as_it_was_saved(
    sample_table, data_key, audited, field: str, value: Any
):
    row = Sample(data_key=data_key, **{field: value})
    row.save()
    assert getattr(reloaded(row), field) == value
    assert type(getattr(reloaded(row), field)) is type(value)


def test_a_value_stays_readable_after_a_second_save(sample, audited):
    row = reloaded(sample)
    row.code = "B2"
    row.save()
    assert reloaded(row).name == "Amelia Owusu"
    assert reloaded(row).notes == "Allergic to peanuts"


# --- what the database holds --------------------------------------------------------------------------------


def test_the_database_holds_ciphertext_not_the_plaintext(sample_table, data_key, audited):
    row = Sample(
        data_key=data_key,
        name=UNICODE_NAME,
        notes="Allergic to peanuts",
        born=datetime.date(2014, 10, 1),
        extra={"allergy": "peanuts"},
        flag=True,
    )
    row.save()
    stored = ciphertexts(row)
    plaintexts = [UNICODE_NAME.encode(), b"Zo", b"peanuts", b"2014-10-01", b"2014", b"allergy"]
    for column, ciphertext in stored.items():
        assert ciphertext is not None, column
        for plaintext in plaintexts:
            assert plaintext not in ciphertext, (column, plaintext)
        assert len(ciphertext) >= 16 + 12 + 16, column  # at least a padded block, a nonce and a tag


def test_saving_the_same_value_again_gives_a_different_ciphertext(sample, audited):
    before = ciphertexts(sample)
    row = reloaded(sample)
    row.name = "Amelia Owusu"  # assigned, so it is encrypted again: afresh, with a new nonce
    row.save()
    after = ciphertexts(row)
    assert after["name"] != before["name"]
    assert after["notes"] == before["notes"]  # not assigned: the stored ciphertext is kept as it was


def test_two_rows_with_the_same_value_have_different_ciphertexts(sample_table, data_key, audited):
    first, second = Sample(data_key=data_key, name="Sam"), Sample(data_key=data_key, name="Sam")
    first.save()
    second.save()
    assert ciphertexts(first)["name"] != ciphertexts(second)["name"]


def test_padding_hides_the_exact_length_of_a_value_within_16_bytes(sample_table, data_key, audited):
    lengths = {}
    for size in (0, 1, 2, 7, 14, 15, 16, 31, 32):
        row = Sample(data_key=data_key, name="x" * size)
        row.save()
        lengths[size] = len(ciphertexts(row)["name"])
    # The value and its 0x80 end marker are padded to whole 16-byte blocks: 0-15 bytes look alike.
    assert lengths[0] == lengths[1] == lengths[2] == lengths[7] == lengths[14] == lengths[15]
    assert lengths[16] == lengths[31] == lengths[15] + 16
    assert lengths[32] == lengths[31] + 16


def test_padding_is_removed_exactly():
    for data in (b"", b"\x00", b"\x80", b"abc\x80\x00", b"x" * 15, b"x" * 16):
        padded = pad(data)
        assert len(padded) % 16 == 0
        assert unpad(padded) == data


# --- binding to table, column and row -----------------------------------------------------------------------


def test_a_ciphertext_copied_to_another_row_under_the_same_key_does_not_open(sample, data_key, audited):
    other = Sample(data_key=data_key, name="Bilal Owusu")
    other.save()
    Sample.objects.filter(pk=other.pk).update(name=Sealed(ciphertexts(sample)["name"]))
    with pytest.raises(VaultError) as raised:
        reloaded(other).name  # noqa: B018
    message = str(raised.value)
    assert f"vault_tests.Sample.name of row {other.public_id}" in message
    assert "Amelia" not in message and "Bilal" not in message


def test_a_ciphertext_copied_to_another_column_of_the_same_row_does_not_open(sample):
    Sample.objects.filter(pk=sample.pk).update(notes=Sealed(ciphertexts(sample)["name"]))
    row = reloaded(sample)
    assert row.name == "Amelia Owusu"
    with pytest.raises(VaultError, match=r"Sample\.notes of row .* does not open") as raised:
        row.notes  # noqa: B018
    assert "Amelia" not in str(raised.value)


def test_a_ciphertext_copied_to_another_pupil_does_not_open(amelia, bilal):
    stolen = Pupil.system.filter(pk=amelia.pk).values_list("legal_first_name", flat=True).get()
    Pupil.system.filter(pk=bilal.pk).update(legal_first_name=stolen)
    copy = Pupil.system.get(pk=bilal.pk)
    assert copy.legal_last_name == "Owusu"
    with pytest.raises(VaultError) as raised:
        copy.legal_first_name  # noqa: B018
    assert "Amelia" not in str(raised.value)
    assert str(bilal.public_id) in str(raised.value)


def test_the_associated_data_names_table_column_and_row(sample):
    ad = associated_data(sample, Sample._meta.get_field("name"))
    assert ad == f"tutela/v1/vault_tests_sample/name/{sample.public_id}".encode()


def test_a_row_without_a_public_id_cannot_be_encrypted(sample_table, data_key, audited):
    row = Sample(data_key=data_key, name="Amelia")
    row.public_id = None
    with pytest.raises(VaultError, match="needs a public_id"):
        row.save()


def test_a_row_without_a_data_key_cannot_be_encrypted_and_the_error_names_the_fix(sample_table, audited):
    row = Sample(name="Amelia")
    with pytest.raises(VaultError) as raised:
        resolve_data_key(row)
    assert str(raised.value) == (
        f"vault_tests.Sample row {row.public_id} has no data key at 'data_key' (never created, or "
        "destroyed): create one with vault.keys.data_key_create() before saving personal data."
    )


def test_an_opened_value_of_an_unknown_format_is_refused(sample, data_key):
    field = Sample._meta.get_field("name")
    forged = keys.data_key_aead(data_key).encrypt(b"\x02" + pad(b"Amelia"), associated_data(sample, field))
    Sample.objects.filter(pk=sample.pk).update(name=Sealed(forged))
    with pytest.raises(VaultError, match=r"Unknown ciphertext format in vault_tests\.Sample\.name"):
        reloaded(sample).name  # noqa: B018


def test_an_opened_value_with_broken_padding_is_refused(sample, data_key):
    field = Sample._meta.get_field("name")
    forged = keys.data_key_aead(data_key).encrypt(FORMAT_VERSION + b"Amelia", associated_data(sample, field))
    Sample.objects.filter(pk=sample.pk).update(name=Sealed(forged))
    with pytest.raises(VaultError, match="Malformed padding"):
        reloaded(sample).name  # noqa: B018


# --- no plaintext through the query API ---------------------------------------------------------------------


def test_queryset_update_with_plaintext_raises_and_names_the_fix(sample):
    with pytest.raises(VaultError) as raised, transaction.atomic():
        Sample.objects.filter(pk=sample.pk).update(name="Someone Else")
    assert "vault_tests.Sample.name reached the database outside Model.save()" in str(raised.value)
    assert "Load the rows and save them instead." in str(raised.value)
    assert reloaded(sample).name == "Amelia Owusu"


def test_bulk_update_of_an_encrypted_field_raises(sample):
    sample.name = "Someone Else"
    with pytest.raises(VaultError, match=r"outside Model\.save"), transaction.atomic():
        Sample.objects.bulk_update([sample], ["name"])


@pytest.mark.parametrize(
    "lookup",
    [{"name": "Amelia Owusu"}, {"name__iexact": "amelia"}, {"name__startswith": "A"}, {"born__year": 2014}],
)
def test_filtering_on_an_encrypted_field_raises(sample, lookup):
    with pytest.raises(FieldError, match=r"Unsupported (lookup|transform)"):
        Sample.objects.filter(**lookup)


def test_only_isnull_lookups_work_on_an_encrypted_field(sample):
    assert list(Sample.objects.filter(born__isnull=True)) == [sample]
    assert list(Sample.objects.filter(name__isnull=True)) == []


def test_encrypted_fields_are_never_serialised(sample):
    with pytest.raises(VaultError, match="export through the privacy app"):
        serializers.serialize("json", [reloaded(sample)])


# --- lazy decryption ----------------------------------------------------------------------------------------


def test_loading_a_row_decrypts_nothing_until_a_field_is_read(sample):
    row = reloaded(sample)
    assert isinstance(row.__dict__["name"], Sealed)
    assert isinstance(row.__dict__["notes"], Sealed)
    assert row.name == "Amelia Owusu"
    assert row.__dict__["name"] == "Amelia Owusu"
    assert isinstance(row.__dict__["notes"], Sealed)  # still sealed: never read


def test_a_row_whose_key_is_gone_still_loads_and_fails_only_when_a_field_is_read(sample, data_key):
    keys.data_key_destroy(data_key)
    row = reloaded(sample)  # no decryption on load, so listing ids or plain columns still works
    assert row.code == "A1"
    with pytest.raises(VaultError, match="has no data key at 'data_key'"):
        row.name  # noqa: B018


def test_a_deferred_encrypted_field_is_fetched_and_opened_when_read(sample):
    row = Sample.objects.only("code").get(pk=sample.pk)
    assert "name" not in row.__dict__
    assert row.name == "Amelia Owusu"


def test_a_sealed_value_never_shows_its_ciphertext(sample):
    sealed = reloaded(sample).__dict__["name"]
    assert repr(sealed) == "<sealed>"
    assert sealed == Sealed(sealed.ciphertext)
    assert sealed != sealed.ciphertext
    assert hash(sealed) == hash(Sealed(sealed.ciphertext))


def test_the_class_attribute_is_the_decrypting_descriptor():
    assert isinstance(Sample.name, EncryptedAttribute)


# --- blind indexes ------------------------------------------------------------------------------------------


def test_a_blind_index_finds_a_row_whatever_the_case_and_spacing(sample, keyring):
    for typed in ("Amelia Owusu", "amelia owusu", "  AMELIA   OWUSU ", "ameliaowusu"):
        digest = blind_index(keyring, "sample.name", typed)
        assert list(Sample.objects.filter(name_index=digest)) == [sample], typed
    assert not Sample.objects.filter(name_index=blind_index(keyring, "sample.name", "Amelia Owusa")).exists()


def test_a_blind_index_is_16_bytes_and_differs_between_keyrings_and_between_indexes(sample, keyring):
    other_keyring = keys.keyring_create(name="another school")
    here = blind_index(keyring, "sample.name", "Amelia Owusu")
    assert len(here) == 16
    assert blind_index(other_keyring, "sample.name", "Amelia Owusu") != here
    assert blind_index(keyring, "another.index", "Amelia Owusu") != here
    assert bytes(Sample.objects.values_list("name_index", flat=True).get(pk=sample.pk)) == here


def test_a_blind_index_follows_its_source_and_is_empty_when_the_source_is(sample, keyring, audited):
    row = reloaded(sample)
    row.code = "C3"
    row.save()  # name untouched (still sealed): index kept as it was
    assert bytes(reloaded(row).name_index) == blind_index(keyring, "sample.name", "Amelia Owusu")
    row.name = "Bilal Owusu"
    row.save()
    assert bytes(reloaded(row).name_index) == blind_index(keyring, "sample.name", "Bilal Owusu")
    row.name = ""
    row.save()
    assert reloaded(row).name_index is None


# --- forms and validation -----------------------------------------------------------------------------------


def test_each_field_offers_the_matching_form_field():
    meta = Sample._meta
    name = meta.get_field("name").formfield()
    assert isinstance(name, forms.CharField) and name.max_length == 60
    assert isinstance(meta.get_field("notes").formfield().widget, forms.Textarea)
    assert isinstance(meta.get_field("born").formfield(), forms.DateField)
    assert isinstance(meta.get_field("extra").formfield(), forms.JSONField)
    flag = meta.get_field("flag").formfield()
    assert isinstance(flag, forms.BooleanField) and flag.required is False
    assert meta.get_field("attachment").formfield() is None  # uploads go through a service


def test_values_are_cleaned_to_their_python_types():
    meta = Sample._meta
    assert meta.get_field("name").to_python(12) == "12"
    assert meta.get_field("name").to_python(None) is None
    assert meta.get_field("born").to_python("2014-10-01") == datetime.date(2014, 10, 1)
    assert meta.get_field("born").to_python(None) is None
    assert meta.get_field("flag").to_python(1) is True
    assert meta.get_field("flag").to_python(None) is None
    assert meta.get_field("extra").to_python({"a": 1}) == {"a": 1}
    with pytest.raises(ValidationError, match=r"Enter a valid date \(YYYY-MM-DD\)"):
        meta.get_field("born").to_python("1 October 2014")


def test_a_too_long_value_fails_validation_before_it_is_encrypted(sample_table, data_key):
    row = Sample(data_key=data_key, name="x" * 61)
    with pytest.raises(ValidationError) as raised:
        row.full_clean(exclude=["data_key"])
    assert "name" in raised.value.message_dict
