from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tutela import audit
from tutela.accounts import services
from tutela.accounts.enrolment import enrolment_link
from tutela.accounts.models import Role
from tutela.policy import rls
from tutela.schools.models import School, Trust
from tutela.vault.scope import vault_scope

ROLES = {"school": Role.SCHOOL_ADMIN, "trust": Role.TRUST_ADMIN, "it": Role.IT_ADMIN}


class Command(BaseCommand):
    help = (
        "Create an administrator and print a one-time link to choose their password (no password is ever "
        "set by Tutela). --school URN for a school admin or IT admin, --trust NAME for a trust admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True, help="display name, e.g. 'Ms A Patel'")
        parser.add_argument("--role", choices=sorted(ROLES), default="school")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--school", metavar="URN")
        where.add_argument("--trust", metavar="NAME")

    def handle(self, *args: object, **options: str) -> None:
        with vault_scope(), audit.context(actor=None, reason="create_admin"), rls.system_scope():
            role = ROLES[options["role"]]
            grant: dict[str, object] = {}
            if options["trust"]:
                if role != Role.TRUST_ADMIN:
                    raise CommandError("--trust goes with --role trust.")
                grant["trust"] = Trust.objects.filter(name=options["trust"]).first()
                if grant["trust"] is None:
                    raise CommandError(f"No trust is called {options['trust']!r}.")
            else:
                if role == Role.TRUST_ADMIN:
                    raise CommandError("--role trust needs --trust NAME.")
                grant["school"] = School.objects.filter(urn=options["school"]).first()
                if grant["school"] is None:
                    raise CommandError(f"No school has URN {options['school']!r}.")
            try:
                with transaction.atomic():
                    user = services.user_create(email=options["email"], display_name=options["name"])
                    services.membership_grant(user=user, role=role, **grant)
            except ValidationError as exc:
                raise CommandError(
                    "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                ) from None
            self.stdout.write(
                f"Created {Role(role).label}. Give them this one-time link to choose a password "
                f"(it expires, and stops working once used):\n\n  {enrolment_link(user)}\n"
            )
