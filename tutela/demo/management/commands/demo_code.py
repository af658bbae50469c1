"""Print the demo accounts' current two-factor codes, computed from the secrets in demo-logins.txt.

It reads only the file seed_demo wrote (mode 0600, beside the demo's passwords): it is an authenticator app
for the demo, not a way around two factors. An instance without that file has nothing to print.
"""

import base64

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from tutela.demo.management.commands.seed_demo import logins_file, totp_secrets


def current_code(secret: str) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


class Command(BaseCommand):
    help = "Print the current sign-in codes of the demo accounts that use two factors."

    def add_arguments(self, parser):
        parser.add_argument("email", nargs="?", help="only this account (default: all of them)")

    def handle(self, *args: object, **options: object) -> None:
        path = logins_file()
        if not path.exists():
            raise CommandError(f"No {path}: this is not a demo instance (run scripts/demo).")
        secrets = totp_secrets(path.read_text())
        wanted = options["email"]
        if wanted:
            if wanted not in secrets:
                raise CommandError(f"{wanted} has no authenticator in {path}.")
            secrets = {wanted: secrets[wanted]}
        for email, secret in secrets.items():
            self.stdout.write(f"{email:<32}  {current_code(secret)}")
