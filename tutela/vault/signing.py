"""The audit checkpoint signing key: a Tink ECDSA-P256 keyset in TUTELA_KEYS, never in the database.

The file is wrapped by the root key; its public half can be exported and kept off the host, so anyone
can check a checkpoint without being able to forge one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

from tutela.vault import crypto, root

KEY_AD = b"tutela/audit-signing-key"


def key_path() -> Path:
    return Path(settings.TUTELA_AUDIT_SIGNING_KEY)


def ensure_signing_key() -> Path:
    return root.ensure_wrapped_key_file(key_path(), "sign", KEY_AD)


@cache
def _handle():
    path = key_path()
    if not path.exists():
        if not settings.TUTELA_VAULT_AUTOCREATE_KEYS:
            raise root.RootKeyProblem(
                f"The audit signing key {path} does not exist. Create it with `python manage.py vault_init`."
            )
        ensure_signing_key()
    return crypto.unwrap(path.read_bytes(), root.root_aead(), KEY_AD)


def sign(data: bytes) -> bytes:
    return crypto.primitive(_handle(), "sign").sign(data)


def public_keyset_json() -> str:
    return crypto.public_keyset_json(_handle())


def verify(public_json: str, signature: bytes, data: bytes) -> bool:
    try:
        crypto.verifier_from_json(public_json).verify(bytes(signature), data)
    except crypto.TinkError:
        return False
    return True
