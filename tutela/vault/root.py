"""The root key: the one key that is not in the database, and never beside the data.

``TUTELA_ROOT_KEY_URI`` names it. ``file://`` reads a Tink keyset from a file of mode 0600 under
``TUTELA_KEYS``; ``gcp-kms://`` and ``aws-kms://`` go to Tink's Google Cloud KMS and AWS KMS clients, so the
root key can live in hardware the application host never sees (their SDKs are optional: a missing one is a
start-up error naming the package). ``TUTELA_KMS_CREDENTIALS`` may name a credentials file; otherwise the
SDK's default chain (instance role, environment) is used.

HashiCorp Vault (``hcvault://``) is refused: Tink's Vault integration rejects associated data, and every
key the root key wraps is bound to its owner by associated data. The cloud KMS paths are tested for routing
and error messages only; they have not been run against a live KMS (docs/deployment.md).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

from tutela.vault import crypto


class RootKeyProblem(Exception):
    """The root key is missing, exposed or misplaced; the message names the fix."""


@dataclass(frozen=True)
class RootKeyLocation:
    uri: str

    @property
    def is_file(self) -> bool:
        return self.uri.startswith("file://")

    @property
    def path(self) -> Path:
        return Path(self.uri.removeprefix("file://"))


def location() -> RootKeyLocation:
    return RootKeyLocation(settings.TUTELA_ROOT_KEY_URI)


SUPPORTED = "file://, gcp-kms:// or aws-kms://"


def kms_problems(uri: str) -> list[str]:
    if uri.startswith("hcvault://"):
        return [
            f"TUTELA_ROOT_KEY_URI is {uri}: HashiCorp Vault cannot hold the root key, because Tink's Vault "
            "integration refuses the associated data that binds each wrapped key to its owner. "
            f"Use {SUPPORTED}."
        ]
    scheme = crypto.kms_scheme(uri)
    if scheme is None:
        return [f"TUTELA_ROOT_KEY_URI {uri!r} has an unknown scheme. Use {SUPPORTED}."]
    found = []
    missing = crypto.kms_missing_package(scheme)
    if missing:
        found.append(
            f"TUTELA_ROOT_KEY_URI is a {scheme} key, but the {missing} package (Tink's KMS client needs it) "
            f"is not installed. Run `pip install {missing}` in Tutela's environment (docs/deployment.md)."
        )
    credentials = settings.TUTELA_KMS_CREDENTIALS
    if credentials:
        path = Path(credentials)
        if not path.exists():
            found.append(f"TUTELA_KMS_CREDENTIALS names {path}, which does not exist.")
        elif stat.S_IMODE(path.stat().st_mode) & 0o077:
            found.append(
                f"The KMS credentials {path} are readable by group or others. Run `chmod 600 {path}`."
            )
    return found


def problems() -> list[str]:
    """Everything wrong with where and how the root key is kept (empty when all is well)."""
    loc = location()
    if not loc.is_file:
        return kms_problems(loc.uri)
    path = loc.path
    found: list[str] = []
    home = Path(settings.TUTELA_HOME).resolve()
    if path.resolve().is_relative_to(home):
        found.append(
            f"The root key {path} is inside TUTELA_HOME ({home}): a copy of the data would carry its key. "
            "Set TUTELA_KEYS to a directory outside TUTELA_HOME and move the key there."
        )
    if not path.exists():
        found.append(
            f"The root key {path} does not exist. Create it with `python manage.py vault_init` "
            "(or point TUTELA_ROOT_KEY_URI at the existing key)."
        )
        return found
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        found.append(
            f"The root key {path} has mode {mode:o}: group or others can read it. Run `chmod 600 {path}`."
        )
    return found


def create_file_key() -> Path:
    """Writes a new root keyset (0600, in a 0700 directory). Refuses to overwrite an existing one."""
    path = location().path
    if path.exists():
        raise RootKeyProblem(f"The root key {path} exists already; refusing to overwrite it.")
    write_new_key_file(path, crypto.serialize_cleartext(crypto.new_keyset("aead")))
    return path


def write_new_key_file(path: Path, data: bytes) -> None:
    """Creates a key file readable by this user only (0600, in a 0700 directory); never overwrites one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def ensure_wrapped_key_file(path: Path, kind: str, associated_data: bytes) -> Path:
    """A key of ``kind`` wrapped by the root key in its own file (audit signing, backups), made if missing."""
    if not path.exists():
        write_new_key_file(path, crypto.wrap(crypto.new_keyset(kind), root_aead(), associated_data))
    return path


def replace_key_file(path: Path, data: bytes) -> None:
    """Replaces a key file atomically (mode 0600): a crash leaves the old file or the new, never half."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def write_file_key(handle: object) -> None:
    """Replaces the root keyset file (used by root rotation)."""
    replace_key_file(location().path, crypto.serialize_cleartext(handle))  # type: ignore[arg-type]
    root_aead.cache_clear()


def read_file_keyset():
    return crypto.parse_cleartext(location().path.read_bytes())


@cache
def root_aead() -> crypto.Aead:
    loc = location()
    if not loc.is_file:
        found = kms_problems(loc.uri)
        if found:
            raise RootKeyProblem(" ".join(found))
        return crypto.kms_aead(loc.uri, settings.TUTELA_KMS_CREDENTIALS)
    if settings.TUTELA_VAULT_AUTOCREATE_KEYS and not loc.path.exists():
        create_file_key()
    found = problems()
    if found:
        raise RootKeyProblem(" ".join(found))
    return crypto.primitive(read_file_keyset(), "aead")
