"""Adds the default behaviour categories and thresholds to a school (or every school); safe to re-run."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tutela import audit
from tutela.behaviour import services
from tutela.policy import rls
from tutela.schools.models import School
from tutela.vault.scope import vault_scope


class Command(BaseCommand):
    help = "Add the default behaviour categories and thresholds a school does not have yet."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--school", metavar="URN", help="only this school (by its DfE URN)")

    def handle(self, *args: Any, **options: Any) -> None:
        with audit.context(actor=None, reason="behaviour defaults"), vault_scope(), rls.system_scope():
            schools = School.objects.order_by("name")
            if options["school"]:
                schools = schools.filter(urn=options["school"])
                if not schools.exists():
                    raise CommandError(f"No school has URN {options['school']!r}.")
            for school in schools:
                categories, thresholds = services.defaults_seed(school=school)
                self.stdout.write(
                    f"{school.name} ({school.urn}): added {categories} categories, {thresholds} thresholds."
                )
