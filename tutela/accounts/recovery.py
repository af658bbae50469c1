"""One-time recovery codes: random, shown once, kept only as keyed hashes.

A code has 50 random bits (10 characters of Crockford's base32), so a keyed hash (HMAC-SHA256 under an
instance key held by the vault) is enough: there is nothing to brute-force offline without the key, and a
slow password hash would only slow down sign-in. Verification is also throttled per user (django-otp's
exponential back-off).
"""

from __future__ import annotations

import secrets
from typing import Any

from tutela.vault import keys

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base32: no i, l, o, u
COUNT = 10
MAC_KEY = "accounts.recovery_codes"


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def normalise(code: str) -> str:
    cleaned = "".join(code.split()).replace("-", "").lower()
    return cleaned.translate(str.maketrans("ilo", "110"))


def code_digest(user: Any, code: str) -> bytes:
    message = b"tutela/recovery/" + user.public_id.bytes + b"/" + normalise(code).encode()
    return keys.system_mac(MAC_KEY).compute_mac(message)
