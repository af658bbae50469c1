"""Fixtures for the vault tests: a sample model, a small school with pupils, and key directories of a
test's own (for root key problems and rotation, which must not touch the session's keys)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cast import make_pupil
from tests.vault.sample import Sample, create_table
from tutela import audit
from tutela.pupils.models import Pupil
from tutela.schools import services as schools
from tutela.schools.models import School, YearGroup
from tutela.vault import archive, keys, root, signing
from tutela.vault.models import DataKey, Keyring


def forget_cached_keys() -> None:
    """The root key and the audit signing key are cached per process; key-file tests start afresh."""
    root.root_aead.cache_clear()
    signing._handle.cache_clear()


@pytest.fixture(scope="session")
def sample_table(django_db_setup: None, django_db_blocker) -> type[Sample]:
    with django_db_blocker.unblock():
        create_table()
    return Sample


@pytest.fixture
def keyring(db: None) -> Keyring:
    return keys.keyring_create(name="sample keyring")


@pytest.fixture
def data_key(keyring: Keyring) -> DataKey:
    return keys.data_key_create(keyring=keyring)


@pytest.fixture
def sample(sample_table: type[Sample], data_key: DataKey) -> Sample:
    with audit.context(actor=None, reason="test sample"):
        row = Sample(data_key=data_key, name="Amelia Owusu", notes="Allergic to peanuts", code="A1")
        row.save()
    return row


@dataclass
class Schools:
    school: School
    other_school: School
    year7: YearGroup
    other_year7: YearGroup


@pytest.fixture
def two_schools(db: None) -> Schools:
    with audit.context(actor=None, reason="test schools"):
        trust = schools.trust_create(name="Test Trust")
        school = schools.school_create(trust=trust, name="Northfield Academy", urn="100001")
        other = schools.school_create(trust=trust, name="Southbank School", urn="100002")
        return Schools(
            school=school,
            other_school=other,
            year7=schools.year_group_create(school=school, national_curriculum_year=7),
            other_year7=schools.year_group_create(school=other, national_curriculum_year=7),
        )


@pytest.fixture
def amelia(two_schools: Schools) -> Pupil:
    with audit.context(actor=None, reason="test pupil"):
        return make_pupil(
            two_schools.school, two_schools.year7, None, "Amelia", "Owusu", address="1 Test Lane"
        )


@pytest.fixture
def bilal(two_schools: Schools) -> Pupil:
    with audit.context(actor=None, reason="test pupil"):
        return make_pupil(two_schools.school, two_schools.year7, None, "Bilal", "Owusu", sex="M")


@pytest.fixture
def empty_key_dirs(tmp_path: Path, settings) -> Iterator[Path]:
    """Key and data directories of this test's own, with no keys in them and none created on demand."""
    home, key_dir = tmp_path / "home", tmp_path / "keys"
    home.mkdir()
    settings.TUTELA_HOME = home
    settings.TUTELA_KEYS = key_dir
    settings.TUTELA_ROOT_KEY_URI = f"file://{key_dir / 'root-keyset.bin'}"
    settings.TUTELA_AUDIT_SIGNING_KEY = key_dir / "audit-signing-keyset.bin"
    settings.TUTELA_VAULT_AUTOCREATE_KEYS = False
    forget_cached_keys()
    yield key_dir
    forget_cached_keys()


@pytest.fixture
def copied_keys(tmp_path: Path, settings) -> Iterator[Path]:
    """A copy of the session's key files in a directory of this test's own, in use for the test.

    Rotation rewrites the root key file; rotating a copy leaves the session's keys as they were.
    """
    signing.ensure_signing_key()
    archive.ensure_key()
    source = Path(settings.TUTELA_KEYS)
    key_dir = tmp_path / "keys"
    shutil.copytree(source, key_dir)
    settings.TUTELA_KEYS = key_dir
    settings.TUTELA_ROOT_KEY_URI = f"file://{key_dir / 'root-keyset.bin'}"
    settings.TUTELA_AUDIT_SIGNING_KEY = key_dir / "audit-signing-keyset.bin"
    forget_cached_keys()
    yield key_dir
    forget_cached_keys()
