"""The root key and the key files beside it (tutela/vault/root.py, signing.py, checks.E101, vault_init)."""

from __future__ import annotations

import io
import os
import stat
import sys
import types

import pytest
from django.core.management import call_command

from tutela.vault import archive, crypto, root, signing
from tutela.vault.checks import check_root_key


def make_root_key(mode: int = 0o600) -> None:
    path = root.create_file_key()
    path.chmod(mode)


def errors_of_e101() -> list[str]:
    return [message.msg for message in check_root_key() if message.id == "tutela.E101"]


# --- problems and the start-up check ------------------------------------------------------------------------


def test_a_missing_root_key_is_reported_with_the_command_that_creates_it(empty_key_dirs):
    path = empty_key_dirs / "root-keyset.bin"
    expected = (
        f"The root key {path} does not exist. Create it with `python manage.py vault_init` "
        "(or point TUTELA_ROOT_KEY_URI at the existing key)."
    )
    assert root.problems() == [expected]
    assert errors_of_e101() == [expected]
    with pytest.raises(root.RootKeyProblem, match=r"does not exist\. Create it with"):
        root.root_aead()


def test_a_root_key_readable_by_group_or_others_is_refused(empty_key_dirs):
    make_root_key(mode=0o644)
    path = empty_key_dirs / "root-keyset.bin"
    expected = f"The root key {path} has mode 644: group or others can read it. Run `chmod 600 {path}`."
    assert root.problems() == [expected]
    assert errors_of_e101() == [expected]
    with pytest.raises(root.RootKeyProblem, match="chmod 600"):
        root.root_aead()


def test_a_root_key_inside_tutela_home_is_refused(empty_key_dirs, settings, tmp_path):
    inside = tmp_path / "home" / "keys" / "root-keyset.bin"
    settings.TUTELA_ROOT_KEY_URI = f"file://{inside}"
    make_root_key()
    found = root.problems()
    assert found == [
        f"The root key {inside} is inside TUTELA_HOME ({(tmp_path / 'home').resolve()}): a copy of the data "
        "would carry its key. Set TUTELA_KEYS to a directory outside TUTELA_HOME and move the key there."
    ]
    assert errors_of_e101() == found


def test_a_well_kept_root_key_passes_the_check(empty_key_dirs):
    make_root_key()
    assert root.problems() == []
    assert errors_of_e101() == []
    assert root.root_aead().decrypt(root.root_aead().encrypt(b"x", b"ad"), b"ad") == b"x"


def test_the_check_is_silent_while_keys_are_created_on_demand(empty_key_dirs, settings):
    settings.TUTELA_VAULT_AUTOCREATE_KEYS = True
    assert check_root_key() == []


def test_keys_created_on_demand_are_private_to_their_owner(empty_key_dirs, settings):
    settings.TUTELA_VAULT_AUTOCREATE_KEYS = True
    root.root_aead()
    path = empty_key_dirs / "root-keyset.bin"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(empty_key_dirs.stat().st_mode) == 0o700


def test_an_existing_root_key_is_never_overwritten(empty_key_dirs):
    make_root_key()
    before = (empty_key_dirs / "root-keyset.bin").read_bytes()
    with pytest.raises(root.RootKeyProblem, match="exists already; refusing to overwrite it"):
        root.create_file_key()
    assert (empty_key_dirs / "root-keyset.bin").read_bytes() == before


AWS_URI = "aws-kms://arn:aws:kms:eu-west-2:111122223333:key/test"
GCP_URI = "gcp-kms://projects/p/locations/europe-west2/keyRings/tutela/cryptoKeys/root"


def test_a_kms_root_key_without_its_sdk_names_the_package_to_install(empty_key_dirs, settings, monkeypatch):
    # The cloud SDKs are optional (not in the lock); None in sys.modules makes the import fail even where
    # one happens to be installed, so this holds on any machine.
    monkeypatch.setitem(sys.modules, "tink.integration.awskms", None)
    monkeypatch.setitem(sys.modules, "tink.integration.gcpkms", None)
    for uri, package in ((AWS_URI, "boto3"), (GCP_URI, "google-cloud-kms")):
        settings.TUTELA_ROOT_KEY_URI = uri
        scheme = uri.split("//")[0] + "//"
        expected = (
            f"TUTELA_ROOT_KEY_URI is a {scheme} key, but the {package} package (Tink's KMS client needs it) "
            f"is not installed. Run `pip install {package}` in Tutela's environment (docs/deployment.md)."
        )
        assert root.problems() == [expected]
        assert errors_of_e101() == [expected]
        root.root_aead.cache_clear()
        with pytest.raises(root.RootKeyProblem, match=f"pip install {package}"):
            root.root_aead()


def test_an_unknown_scheme_is_refused_naming_the_supported_ones(empty_key_dirs, settings):
    settings.TUTELA_ROOT_KEY_URI = "azure-kv://vault/key"
    assert root.problems() == [
        "TUTELA_ROOT_KEY_URI 'azure-kv://vault/key' has an unknown scheme. Use file://, gcp-kms:// or aws-kms://."
    ]


def test_hashicorp_vault_is_refused_with_the_reason(empty_key_dirs, settings):
    settings.TUTELA_ROOT_KEY_URI = "hcvault://vault.example:8200/transit/keys/tutela"
    (problem,) = root.problems()
    assert "refuses the associated data" in problem and problem.endswith(
        "Use file://, gcp-kms:// or aws-kms://."
    )


class _LocalKmsClient:
    """Stands in for a cloud SDK's client, which cannot run here: a real AEAD, held in memory."""

    made: list[tuple[str, str | None]] = []

    def __init__(self, uri: str, credentials_path: str | None) -> None:
        self.made.append((uri, credentials_path))
        self._aead = crypto.primitive(crypto.new_keyset("aead"), "aead")

    def get_aead(self, uri: str):
        return self._aead


@pytest.mark.parametrize(
    ("uri", "module", "client_class"),
    [
        (AWS_URI, "tink.integration.awskms", "AwsKmsClient"),
        (GCP_URI, "tink.integration.gcpkms", "GcpKmsClient"),
    ],
    ids=["aws", "gcp"],
)
def test_a_kms_uri_goes_to_tinks_client_for_its_scheme(
    empty_key_dirs, settings, monkeypatch, tmp_path, uri, module, client_class
):
    credentials = tmp_path / "kms-credentials.json"
    credentials.write_text("{}")
    credentials.chmod(0o600)
    settings.TUTELA_ROOT_KEY_URI = uri
    settings.TUTELA_KMS_CREDENTIALS = str(credentials)
    monkeypatch.setitem(sys.modules, module, types.SimpleNamespace(**{client_class: _LocalKmsClient}))
    _LocalKmsClient.made.clear()
    root.root_aead.cache_clear()
    assert root.problems() == []
    aead = root.root_aead()
    assert _LocalKmsClient.made == [(uri, str(credentials))]
    assert aead.decrypt(aead.encrypt(b"keyring", b"ad"), b"ad") == b"keyring"
    assert not (empty_key_dirs / "root-keyset.bin").exists()  # no key on disk when a KMS holds it
    root.root_aead.cache_clear()


def test_kms_credentials_must_exist_and_be_private(empty_key_dirs, settings, monkeypatch, tmp_path):
    monkeypatch.setitem(
        sys.modules, "tink.integration.awskms", types.SimpleNamespace(AwsKmsClient=_LocalKmsClient)
    )
    settings.TUTELA_ROOT_KEY_URI = AWS_URI
    settings.TUTELA_KMS_CREDENTIALS = str(tmp_path / "missing.json")
    assert root.problems() == [
        f"TUTELA_KMS_CREDENTIALS names {tmp_path / 'missing.json'}, which does not exist."
    ]
    shared = tmp_path / "shared.json"
    shared.write_text("{}")
    shared.chmod(0o644)
    settings.TUTELA_KMS_CREDENTIALS = str(shared)
    assert root.problems() == [
        f"The KMS credentials {shared} are readable by group or others. Run `chmod 600 {shared}`."
    ]


# --- the audit signing key ----------------------------------------------------------------------------------


def test_a_missing_signing_key_is_reported_with_the_command_that_creates_it(empty_key_dirs):
    make_root_key()
    with pytest.raises(root.RootKeyProblem) as raised:
        signing.sign(b"checkpoint")
    assert str(raised.value) == (
        f"The audit signing key {empty_key_dirs / 'audit-signing-keyset.bin'} does not exist. "
        "Create it with `python manage.py vault_init`."
    )


def test_a_signature_verifies_only_for_the_data_it_signed(empty_key_dirs, settings):
    settings.TUTELA_VAULT_AUTOCREATE_KEYS = True
    signature = signing.sign(b"checkpoint 7")
    public = signing.public_keyset_json()
    assert "EcdsaPublicKey" in public and "ASYMMETRIC_PUBLIC" in public
    assert "PRIVATE" not in public
    assert signing.verify(public, signature, b"checkpoint 7")
    assert not signing.verify(public, signature, b"checkpoint 8")
    assert not signing.verify(public, b"not a signature", b"checkpoint 7")


def test_the_signing_key_file_is_wrapped_by_the_root_key(empty_key_dirs, settings):
    settings.TUTELA_VAULT_AUTOCREATE_KEYS = True
    signing.sign(b"x")
    wrapped = (empty_key_dirs / "audit-signing-keyset.bin").read_bytes()
    assert stat.S_IMODE((empty_key_dirs / "audit-signing-keyset.bin").stat().st_mode) == 0o600
    with pytest.raises(crypto.TinkError):
        crypto.unwrap(wrapped, root.root_aead(), b"another purpose")


# --- vault_init ---------------------------------------------------------------------------------------------


def test_vault_init_creates_the_root_signing_and_backup_keys(empty_key_dirs):
    out = io.StringIO()
    call_command("vault_init", stdout=out)
    root_file = empty_key_dirs / "root-keyset.bin"
    assert out.getvalue() == (
        f"Created the root key {root_file} (mode 0600). Back it up apart from the data.\n"
        "Root key, audit signing key and backup key are in place.\n"
    )
    for name in ("root-keyset.bin", "audit-signing-keyset.bin", "backup-keyset.bin"):
        assert stat.S_IMODE((empty_key_dirs / name).stat().st_mode) == 0o600, name


def test_vault_init_leaves_existing_keys_alone(empty_key_dirs):
    call_command("vault_init", stdout=io.StringIO())
    before = {p.name: p.read_bytes() for p in empty_key_dirs.iterdir()}
    out = io.StringIO()
    call_command("vault_init", stdout=out)
    assert out.getvalue() == "Root key, audit signing key and backup key are in place.\n"
    assert {p.name: p.read_bytes() for p in empty_key_dirs.iterdir()} == before


def test_vault_init_stops_on_a_root_key_others_can_read(empty_key_dirs):
    make_root_key(mode=0o640)
    with pytest.raises(SystemExit, match="has mode 640: group or others can read it"):
        call_command("vault_init", stdout=io.StringIO())
    assert not (empty_key_dirs / "audit-signing-keyset.bin").exists()


# --- the backup key and archives ----------------------------------------------------------------------------


@pytest.fixture
def keys_on_demand(empty_key_dirs, settings):
    settings.TUTELA_VAULT_AUTOCREATE_KEYS = True
    return empty_key_dirs


def test_an_archive_opens_with_its_header_and_body(keys_on_demand, tmp_path):
    path = tmp_path / "backup.tutela"
    with archive.open_for_writing(path, {"created": "2026-01-01", "format": 1}) as out:
        out.write(b"Amelia Owusu " * 1000)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"Amelia" not in path.read_bytes()
    header, reader = archive.open_for_reading(path)
    with reader:
        assert reader.read() == b"Amelia Owusu " * 1000
    assert header == {"created": "2026-01-01", "format": 1}


def test_an_archive_with_an_edited_header_does_not_open(keys_on_demand, tmp_path):
    path = tmp_path / "backup.tutela"
    with archive.open_for_writing(path, {"created": "2026-01-01"}) as out:
        out.write(b"body")
    path.write_bytes(path.read_bytes().replace(b"2026-01-01", b"2027-01-01"))
    _header, reader = archive.open_for_reading(path)
    with pytest.raises(crypto.TinkError), reader:
        reader.read()


def test_a_file_that_is_not_an_archive_is_refused(keys_on_demand, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"just some text\n")
    with pytest.raises(archive.ArchiveError, match="is not a Tutela backup archive"):
        archive.open_for_reading(path)


def test_an_archive_with_a_damaged_header_is_refused(keys_on_demand, tmp_path):
    path = tmp_path / "backup.tutela"
    path.write_bytes(archive.MAGIC + b"{not json\n" + os.urandom(64))
    with pytest.raises(archive.ArchiveError, match="has a damaged header"):
        archive.open_for_reading(path)


def test_an_archive_cannot_be_opened_without_the_backup_key(keys_on_demand, tmp_path):
    path = tmp_path / "backup.tutela"
    with archive.open_for_writing(path, {}) as out:
        out.write(b"body")
    archive.key_path().unlink()
    with pytest.raises(root.RootKeyProblem, match=r"backup key .* is missing: restore TUTELA_KEYS"):
        archive.open_for_reading(path)
