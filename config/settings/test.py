"""Test settings: base, with throwaway key and data directories and fast password hashing.

TUTELA_TEST_DATABASE_URL selects PostgreSQL (scripts/test sets it for the PostgreSQL pass).
"""

import atexit
import os
import secrets
import shutil
import tempfile
from pathlib import Path

_scratch = Path(tempfile.mkdtemp(prefix="tutela-test-"))
atexit.register(shutil.rmtree, _scratch, ignore_errors=True)
os.environ.setdefault("TUTELA_HOME", str(_scratch / "home"))
os.environ.setdefault("TUTELA_KEYS", str(_scratch / "keys"))
if os.environ.get("TUTELA_TEST_DATABASE_URL"):
    os.environ["TUTELA_DATABASE_URL"] = os.environ["TUTELA_TEST_DATABASE_URL"]
    os.environ["TUTELA_DB_WEB_ROLE"] = os.environ.get("TUTELA_TEST_PG_WEB_ROLE", "")
else:
    os.environ.pop("TUTELA_DATABASE_URL", None)

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import LOGGING, TUTELA_HOME, TUTELA_KEYS  # noqa: E402

TUTELA_HOME.mkdir(parents=True, exist_ok=True)
(TUTELA_HOME / "static").mkdir(exist_ok=True)
TUTELA_KEYS.mkdir(parents=True, exist_ok=True, mode=0o700)
SECRET_KEY = secrets.token_urlsafe(50)
TUTELA_VAULT_AUTOCREATE_KEYS = True
TUTELA_AUDIT_CHECKPOINT_EVERY = 50
# Argon2 is the production hasher (see base); tests create hundreds of users, so hash fast here.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "tutela.vault.storage.EncryptedFileStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}
