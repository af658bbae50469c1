"""Synthetic attendance at any scale, for benchmarks: ``seed_attendance --days 20``.

For every school (or ``--urn``), gives it the standard AM/PM registration sessions if it has none, then
takes each form's AM and PM register on the last ``--days`` weekdays up to ``--end`` (default: yesterday)
through the real service (``register_submit``: encrypted codes, versions, audit events). Codes are
drawn from a seeded generator with roughly national proportions (about 94 % present). Registers already
taken are left alone, so the command is resumable and idempotent. Combine with ``seed_bulk`` for
schools x pupils, and choose the days.
"""

from __future__ import annotations

import datetime
import random
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from tutela import audit
from tutela.attendance import services
from tutela.attendance.services import MarkInput
from tutela.core import clock
from tutela.policy import rls
from tutela.schools import services as schools
from tutela.schools.models import Period, School
from tutela.vault.scope import vault_scope

# (code, weight): present dominates; illness and unexplained absence are the common absences.
MIX = [("/", 930), ("L", 15), ("I", 25), ("M", 5), ("N", 8), ("O", 5), ("G", 4), ("B", 4), ("U", 4)]


def weekdays_back(end: datetime.date, days: int) -> list[datetime.date]:
    dates: list[datetime.date] = []
    date = end
    while len(dates) < days:
        if date.weekday() < 5:
            dates.append(date)
        date -= datetime.timedelta(days=1)
    return sorted(dates)


class Command(BaseCommand):
    help = "Take synthetic AM/PM registers for every form of every school over recent weekdays."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=10)
        parser.add_argument("--end", type=datetime.date.fromisoformat, default=None)
        parser.add_argument("--urn", action="append", default=[])
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(options["seed"])
        end = options["end"] or clock.today() - datetime.timedelta(days=1)
        dates = weekdays_back(end, options["days"])
        codes, weights = zip(*MIX, strict=True)
        started = time.monotonic()
        total = 0
        with rls.system_scope():
            schools_ = School.objects.all().select_related("keyring").order_by("urn")
            if options["urn"]:
                schools_ = schools_.filter(urn__in=options["urn"])
            for school in schools_:
                with vault_scope(), audit.context(actor=None, reason="bench attendance seed"):
                    if not Period.objects.filter(school=school, kind=Period.Kind.REGISTRATION).exists():
                        schools.registration_day_create(school=school)
                    for date in dates:
                        with transaction.atomic():
                            for register in services.registers_for_day(school=school, date=date):
                                if register.taken_at or not register.form_group_id:
                                    continue
                                roster = sorted(services.register_roster_ids(register))
                                marks = [
                                    MarkInput(
                                        pid, rng.choices(codes, weights)[0], minutes_late=rng.randint(1, 40)
                                    )
                                    for pid in roster
                                ]
                                when = services.at(date, register.period.starts_at) + datetime.timedelta(
                                    minutes=5
                                )
                                services.register_submit(actor=None, register=register, marks=marks, now=when)
                                total += len(marks)
                self.stdout.write(f"{school.urn}: registers taken for {len(dates)} day(s)")
        self.stdout.write(f"{total} marks in {time.monotonic() - started:.1f} s")
