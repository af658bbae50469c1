"""Prepare an instance: keys, secret key, database schema and static files. Safe to run again."""

import os
import secrets

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create keys (if missing), migrate the database and collect static files. Idempotent."
    requires_system_checks: list[str] = []

    def handle(self, *args: object, **options: object) -> None:
        home, keys = settings.TUTELA_HOME, settings.TUTELA_KEYS
        if keys.resolve() == home.resolve() or keys.resolve().is_relative_to(home.resolve()):
            raise CommandError(
                f"TUTELA_KEYS ({keys}) is inside TUTELA_HOME ({home}): a copy of the data would carry "
                "the key that opens it. Point TUTELA_KEYS at a directory outside TUTELA_HOME. "
                "Nothing was created."
            )
        for directory in (home, home / "logs", home / "files", keys):
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        secret = keys / "secret-key"
        if (
            not secret.exists()
            and not os.environ.get("TUTELA_SECRET_KEY")
            and not os.environ.get("TUTELA_SECRET_KEY_FILE")
        ):
            fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(64))
            settings.SECRET_KEY = secret.read_text().strip()
            self.stdout.write(f"Created the secret key {secret} (mode 0600).")
        call_command("vault_init", stdout=self.stdout)
        call_command("check", fail_level="ERROR")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Instance ready in {home} (keys in {keys}).")
