"""Raises attendance alerts (persistent < 90 %, severe < 50 %) for the academic year so far.

Run daily after the afternoon registers close (cron or a systemd timer): ``manage.py attendance_alerts``.
Each pupil is alerted once per threshold per academic year; alerts show on their tutor's and head of
year's attendance page.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tutela import audit
from tutela.attendance import selectors, services
from tutela.core import clock
from tutela.policy import rls
from tutela.schools.models import School
from tutela.vault.scope import vault_scope


class Command(BaseCommand):
    help = "Raise attendance alerts for pupils below 90 % or 50 % this academic year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--urn", action="append", default=[], help="only these schools (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = clock.today()
        start = selectors.academic_year_start(today)
        with vault_scope(), audit.context(actor=None, reason="attendance alerts"), rls.system_scope():
            schools = School.objects.all().select_related("keyring")
            if options["urn"]:
                schools = schools.filter(urn__in=options["urn"])
            for school in schools:
                raised = services.alerts_raise(school=school, start=start, end=today, today=today)
                self.stdout.write(f"{school.urn}: {len(raised)} alert(s) raised")
