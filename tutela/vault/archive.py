"""Encrypted, authenticated archives (backups): Tink streaming AEAD under a backup key outside the data.

The backup key lives in TUTELA_KEYS (wrapped by the root key), not in the database, so an archive is
useless to anyone who has it but not the keys. Each archive starts with a short clear-text header (format
and creation time) that is bound to the ciphertext as associated data: editing it breaks decryption.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings

from tutela.vault import crypto, root

MAGIC = b"TUTELA-BACKUP-1\n"
KEY_AD = b"tutela/backup-key"


def key_path() -> Path:
    return Path(settings.TUTELA_KEYS) / "backup-keyset.bin"


def ensure_key() -> Path:
    return root.ensure_wrapped_key_file(key_path(), "stream", KEY_AD)


def _stream() -> crypto.StreamingAead:
    path = key_path()
    if not path.exists():
        raise root.RootKeyProblem(
            f"The backup key {path} is missing: restore TUTELA_KEYS from its own backup "
            "(archives cannot be opened without it)."
        )
    return crypto.primitive(crypto.unwrap(path.read_bytes(), root.root_aead(), KEY_AD), "stream")


def open_for_writing(path: Path, header: dict[str, Any]) -> BinaryIO:
    """Creates ``path`` (mode 0600) and returns a stream that encrypts what is written into it."""
    header_bytes = MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    raw = os.fdopen(fd, "wb")
    raw.write(header_bytes)
    return crypto.encrypting_writer(ensure_key_and_stream(), raw, header_bytes)


def ensure_key_and_stream() -> crypto.StreamingAead:
    ensure_key()
    return _stream()


class ArchiveError(Exception):
    """The archive is not a Tutela backup, was altered, is truncated, or needs other keys."""


def open_for_reading(path: Path) -> tuple[dict[str, Any], BinaryIO]:
    raw = path.open("rb")
    magic = raw.read(len(MAGIC))
    header_line = raw.readline()
    if magic != MAGIC or not header_line.endswith(b"\n"):
        raw.close()
        raise ArchiveError(f"{path} is not a Tutela backup archive.")
    try:
        header = json.loads(header_line)
    except ValueError:
        raw.close()
        raise ArchiveError(f"{path} has a damaged header.") from None
    return header, crypto.decrypting_reader(_stream(), raw, magic + header_line)
