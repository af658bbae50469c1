"""Seed the demo trust once; on later runs, show the existing logins again."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from tutela.demo.seed import DemoLogin, seed
from tutela.schools.models import School


def logins_file() -> Path:
    return settings.TUTELA_HOME / "demo-logins.txt"


def format_logins(logins: list[DemoLogin]) -> str:
    width = max(len(login.role) for login in logins)
    rows = [
        f"Tutela demo at {settings.TUTELA_URL}",
        "",
        "Sign in as (passwords are random for this instance):",
    ]
    rows += [
        f"  {login.role:<{width}}  {login.email:<32}  {login.password}   sees {login.sees}"
        for login in logins
    ]
    with_2fa = [login for login in logins if login.totp_secret]
    if with_2fa:
        rows += [
            "",
            "These roles see special-category data, so they sign in with a second factor. Add the secret",
            "to an authenticator app, or print the current codes with: scripts/demo code",
            TOTP_HEADER,
        ]
        rows += [f"  {login.email:<32}  {login.totp_secret}" for login in with_2fa]
    return "\n".join(rows) + "\n"


TOTP_HEADER = "Authenticator secrets (base32, 6 digits, 30 s):"


def totp_secrets(text: str) -> dict[str, str]:
    """email -> base32 secret, from a demo-logins.txt written by format_logins."""
    _, found, section = text.partition(TOTP_HEADER)
    if not found:
        return {}
    pairs = (line.split() for line in section.splitlines() if line.strip())
    return {parts[0]: parts[1] for parts in pairs if len(parts) == 2}


class Command(BaseCommand):
    help = "Seed a sample trust (two schools, staff in every role) if the instance has no school yet."

    def add_arguments(self, parser):
        parser.add_argument("--pupils-per-form", type=int, default=30)
        parser.add_argument("--no-photos", action="store_true", help="skip drawing portraits (faster)")

    def handle(self, *args: object, **options: object) -> None:
        path = logins_file()
        if School.objects.exists():
            if path.exists():
                self.stdout.write("This instance was seeded before: reusing it. Its demo logins:\n")
                self.stdout.write(path.read_text())
            else:
                self.stdout.write("The instance already has schools; no demo data was added.")
            return
        self.stdout.write("Seeding the demo trust (about a minute: every record is encrypted)...")
        logins = seed(pupils_per_form=options["pupils_per_form"], photos=not options["no_photos"])
        text = format_logins(logins)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text)
        self.stdout.write(text)
        self.stdout.write(f"(Also written to {path}, readable only by you.)")
