from django.core.management.base import BaseCommand, CommandError

from tutela import audit
from tutela.accounts.backends import user_by_email
from tutela.accounts.enrolment import enrolment_link
from tutela.vault.scope import vault_scope


class Command(BaseCommand):
    help = "Print a one-time link for an existing account to choose a new password (a reset by IT)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)

    def handle(self, *args: object, **options: str) -> None:
        with vault_scope(), audit.context(actor=None, reason="enrolment_link"):
            user = user_by_email(options["email"])
            if user is None or not user.is_active:
                raise CommandError("No active account has that email address.")
            audit.record(
                kind="auth", action="auth.enrolment_link_issued", target=user, subjects=[user.public_id]
            )
            self.stdout.write(f"One-time link (expires, single use):\n\n  {enrolment_link(user)}\n")
