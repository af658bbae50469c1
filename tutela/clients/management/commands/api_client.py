"""Issue, list and revoke API clients from automation: ``manage.py api_client create|list|revoke``."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutela import audit
from tutela.clients import services
from tutela.clients.models import MAX_LIFETIME_DAYS, Access, ApiClient
from tutela.core import clock
from tutela.policy import rls
from tutela.schools.models import School
from tutela.vault.scope import vault_scope


class Command(BaseCommand):
    help = "Issue (token printed once), list or revoke API clients."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="issue a client; prints its token once")
        create.add_argument("--school", required=True, help="the school's URN")
        create.add_argument("--name", required=True)
        create.add_argument("--role", required=True, choices=["school_admin", "it_admin"])
        create.add_argument("--access", default=Access.READ, choices=Access.values)
        create.add_argument("--days", type=int, default=90, help=f"lifetime, 1 to {MAX_LIFETIME_DAYS} days")
        create.add_argument("--reason", required=True, help="why (recorded in the audit trail)")
        sub.add_parser("list", help="list clients (never their tokens)")
        revoke = sub.add_parser("revoke", help="revoke a client at once")
        revoke.add_argument("key_id", help="the id in tutela_<id>_... (or the client's public id)")
        revoke.add_argument("--reason", required=True, help="why (recorded in the audit trail)")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        reason = options.get("reason") or f"api_client {verb}"
        with vault_scope(), audit.context(actor=None, reason=reason), rls.system_scope():
            getattr(self, f"_{verb}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        school = School.objects.filter(urn=options["school"]).first()
        if school is None:
            raise CommandError(f"No school with URN {options['school']!r}.")
        try:
            issued = services.client_create(
                actor=None,
                school=school,
                name=options["name"],
                role=options["role"],
                access=options["access"],
                expires_at=clock.now() + datetime.timedelta(days=options["days"]),
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        client = issued.client
        self.stderr.write(
            f"Issued {client.key_id} for {school.name} ({client.role}, {client.access}), expires "
            f"{client.expires_at:%Y-%m-%d}. The token below is shown once:"
        )
        self.stdout.write(issued.token)

    def _list(self, options: dict[str, Any]) -> None:
        for c in ApiClient.objects.select_related("school").order_by("created_at"):
            state = f"revoked {c.revoked_at:%Y-%m-%d}" if c.revoked_at else f"expires {c.expires_at:%Y-%m-%d}"
            used = (
                f"{c.last_used_at:%Y-%m-%d %H:%M} from {c.last_used_ip}" if c.last_used_at else "never used"
            )
            self.stdout.write(f"{c.key_id}\t{c.school.urn}\t{c.role}\t{c.access}\t{state}\t{used}\t{c.name}")

    def _revoke(self, options: dict[str, Any]) -> None:
        wanted = options["key_id"]
        client = ApiClient.objects.filter(key_id=wanted).first()
        if client is None:
            try:
                client = ApiClient.objects.filter(public_id=wanted).first()
            except ValidationError:
                client = None
        if client is None:
            raise CommandError(f"No API client {wanted!r}.")
        services.client_revoke(actor=None, client=client)
        self.stdout.write(f"Revoked {client.key_id}.")
