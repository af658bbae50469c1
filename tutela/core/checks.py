"""Start-up checks: Tutela refuses to run in a configuration that would expose pupils' data.

They run with every management command and, through config/wsgi.py, before the server takes a request.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core import checks

WEAK_SECRET_PREFIXES = ("django-insecure", "changeme", "secret")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@checks.register(checks.Tags.security)
def check_secure_configuration(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    testing = getattr(settings, "TUTELA_VAULT_AUTOCREATE_KEYS", False)
    if settings.DEBUG and not testing:
        errors.append(
            checks.Error(
                "DEBUG is on: error pages would show pupils' data and settings.",
                hint="Unset TUTELA_DEBUG (debug mode is for the test suite only).",
                id="tutela.E001",
            )
        )
    key = settings.SECRET_KEY or ""
    if len(key) < 50 or len(set(key)) < 10 or key.lower().startswith(WEAK_SECRET_PREFIXES):
        errors.append(
            checks.Error(
                "SECRET_KEY is missing or weak (it signs sessions and password-reset links).",
                hint="Run `python manage.py instance_init` to generate one in TUTELA_KEYS, or set "
                "TUTELA_SECRET_KEY_FILE to a file holding 50+ random characters.",
                id="tutela.E002",
            )
        )
    served = [settings.TUTELA_PUBLIC_HOST, *settings.TUTELA_EXTRA_HOSTS]
    public_hosts = [h for h in served if not _is_loopback(h.strip("[]"))]
    if not settings.TUTELA_PUBLIC_HTTPS and public_hosts:
        errors.append(
            checks.Error(
                f"TUTELA_URL {settings.TUTELA_URL} is plain HTTP and the server answers for "
                f"{', '.join(public_hosts)}: passwords and pupils' data would cross the network "
                "in the clear.",
                hint="Serve Tutela behind a TLS reverse proxy and set TUTELA_URL=https://... "
                "(see docs/deployment.md).",
                id="tutela.E003",
            )
        )
    home, keys = settings.TUTELA_HOME.resolve(), settings.TUTELA_KEYS.resolve()
    if keys == home or keys.is_relative_to(home):
        errors.append(
            checks.Error(
                f"TUTELA_KEYS ({keys}) is inside TUTELA_HOME ({home}): a copy of the data would carry the "
                "key that opens it.",
                hint="Point TUTELA_KEYS at a directory outside TUTELA_HOME.",
                id="tutela.E004",
            )
        )
    return errors


def serious_problems() -> list[str]:
    """Every error-level check, formatted; the WSGI entry point refuses to start when this is not empty."""
    return [
        f"{message.id}: {message.msg}" + (f" Fix: {message.hint}" if message.hint else "")
        for message in checks.run_checks()
        if message.is_serious()
    ]
