"""Typed readers for the environment: the only way settings learn about the machine they run on.

Secrets can come from ``NAME`` or from a file named by ``NAME_FILE`` (Docker/systemd credentials), so a
secret never has to sit in a settings file or a process listing.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return (Path(raw).expanduser() if raw else default).resolve()


def env_secret(name: str) -> str | None:
    """The secret in ``NAME``, or the contents of the file named by ``NAME_FILE``; ``None`` if neither."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc.strerror}.") from None
    return os.environ.get(name) or None
