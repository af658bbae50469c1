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
    return "\n".join(rows) + "\n"


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
