"""Synthetic pupils at any scale, for benchmarks: ``seed_bulk --schools 50 --pupils-per-school 2000``.

Every row goes through the real services (``pupil_create``, ``guardian_create``, ...), so each pupil gets
its own data key, encrypted fields, blind UPN index, name search tokens and an audit event, exactly as
an import would write them. Speed comes from batching, not from shortcuts: one audit context, vault
scope and transaction per school (the keyring is unwrapped once per school, and SQLite commits once).
About 5 ms of CPU a pupil on SQLite (10 ms on PostgreSQL): 100,000 pupils took 13 minutes on a shared
2-core machine; see docs/performance.md.

The command is resumable and idempotent: schools are found by URN, a school that already has its pupils
is skipped, one with fewer is topped up. Names come from Faker's en_GB lists; never a real child.
The trust administrator and the first school's administrator get random passwords, written with the
other bench facts to ``TUTELA_HOME/bench-logins.json`` (mode 0600); other accounts cannot sign in.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from faker import Faker

from tutela import audit
from tutela.accounts import services as accounts
from tutela.accounts.backends import user_by_email
from tutela.accounts.models import Role, User
from tutela.demo.avatars import draw_avatar
from tutela.policy import rls
from tutela.pupils import services as pupils
from tutela.pupils.models import Pupil, Relationship
from tutela.pupils.validators import upn_check_letter
from tutela.schools import services as schools
from tutela.schools.models import FormGroup, School, Trust, YearGroup
from tutela.vault.scope import vault_scope

YEARS = range(7, 12)
FORM_LETTERS = "ABCD"
TRUST_NAME = "Bench Learning Trust"
DOMAIN = "bench.example"
URN_BASE = 800000  # bench schools get URNs 800001, 800002, ...; demo schools use 9000xx


def logins_path() -> Path:
    return Path(settings.TUTELA_HOME) / "bench-logins.json"


@dataclass
class NamePool:
    """Faker's en_GB name lists, drawn from a seeded generator (so a rerun gives the same pupils)."""

    female: list[str]
    male: list[str]
    last: list[str]

    @classmethod
    def load(cls) -> NamePool:
        provider: Any = Faker("en_GB").provider("faker.providers.person")
        return cls(
            female=list(dict.fromkeys(provider.first_names_female)),
            male=list(dict.fromkeys(provider.first_names_male)),
            last=list(dict.fromkeys(provider.last_names)),
        )


def academic_year_start(today: datetime.date) -> int:
    return today.year if today.month >= 9 else today.year - 1


class Command(BaseCommand):
    help = "Seed synthetic schools and pupils for benchmarks (through the services; resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schools", type=int, default=1, help="schools in the bench trust (default 1)")
        parser.add_argument(
            "--pupils-per-school", type=int, default=2000, help="pupils per school (default 2000)"
        )
        parser.add_argument(
            "--with-contacts",
            type=int,
            default=5,
            help="the first N pupils of each school also get a photo and two guardians (default 5)",
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed for names (default 2026)")

    def handle(self, *args: Any, **options: Any) -> None:
        count, per_school = options["schools"], options["pupils_per_school"]
        if count < 1 or per_school < 1:
            raise CommandError("--schools and --pupils-per-school must be at least 1.")
        if per_school > 100_000:
            raise CommandError("--pupils-per-school is at most 100000 (the UPN serial has 5 digits).")
        names = NamePool.load()
        started = time.perf_counter()
        created_total = 0
        with vault_scope(), audit.context(actor=None, reason="bench seed"), rls.system_scope():
            trust, logins = self._trust_and_admin()
            self._write_logins(logins)
            for number in range(1, count + 1):
                t0 = time.perf_counter()
                created, school = self._school(
                    number=number,
                    trust=trust,
                    per_school=per_school,
                    names=names,
                    contacts=options["with_contacts"],
                    seed=options["seed"],
                )
                if number == 1 and (admin := self._first_school_admin(school)):
                    logins.update(admin)
                    self._write_logins(logins)
                created_total += created
                elapsed = time.perf_counter() - t0
                rate = f"{created / elapsed:,.0f} pupils/s" if created else "already seeded"
                self.stdout.write(
                    f"school {number:>3}/{count}: +{created} pupils in {elapsed:.1f} s ({rate})"
                )
        total = time.perf_counter() - started
        rate = created_total / total if total else 0.0
        self.stdout.write(
            f"seed_bulk: created {created_total} pupils in {total:.1f} s ({rate:,.0f} pupils/s); "
            f"logins in {logins_path()}"
        )

    # --- accounts -----------------------------------------------------------------------------------------
    def _account(self, email: str, display_name: str, *, password: bool) -> tuple[User, str | None]:
        existing = user_by_email(email)
        if existing is not None:
            return existing, None
        secret = accounts.generate_password() if password else None
        return accounts.user_create(email=email, display_name=display_name, password=secret), secret

    def _read_logins(self) -> dict[str, Any]:
        path = logins_path()
        return json.loads(path.read_text()) if path.exists() else {}

    def _write_logins(self, logins: dict[str, Any]) -> None:
        path = logins_path()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(logins, out, indent=2)

    @transaction.atomic
    def _trust_and_admin(self) -> tuple[Trust, dict[str, Any]]:
        logins = self._read_logins()
        trust = Trust.objects.filter(name=TRUST_NAME).first() or schools.trust_create(name=TRUST_NAME)
        user, password = self._account(f"trust.admin@{DOMAIN}", "Bench Trust Admin", password=True)
        if password is not None:
            accounts.membership_grant(user=user, role=Role.TRUST_ADMIN, trust=trust)
            logins["trust_admin"] = {"email": user.email, "password": password}
        elif "trust_admin" not in logins:
            raise CommandError(
                f"The bench accounts exist but {logins_path()} is missing: start from a fresh home."
            )
        return trust, logins

    def _first_school_admin(self, school: School) -> dict[str, Any]:
        email = f"admin@school001.{DOMAIN}"
        if user_by_email(email) is not None:
            return {}
        with transaction.atomic():
            user, password = self._account(email, "Bench School Admin", password=True)
            accounts.membership_grant(user=user, role=Role.SCHOOL_ADMIN, school=school)
        return {"school_admin": {"email": email, "password": password, "school": str(school.public_id)}}

    # --- one school, one transaction ------------------------------------------------------------------------
    @transaction.atomic
    def _school(
        self, *, number: int, trust: Trust, per_school: int, names: NamePool, contacts: int, seed: int
    ) -> tuple[int, School]:
        urn = str(URN_BASE + number)
        school = School.objects.filter(urn=urn).select_related("keyring").first()
        if school is None:
            school = schools.school_create(trust=trust, name=f"Bench School {number:03d}", urn=urn)
            self._structure(school)
        if number > 1:
            email = f"admin@school{number:03d}.{DOMAIN}"
            if user_by_email(email) is None:
                user, _ = self._account(email, f"Bench School {number:03d} Admin", password=False)
                accounts.membership_grant(user=user, role=Role.SCHOOL_ADMIN, school=school)
        have = Pupil.system.filter(school=school).count()
        forms = list(FormGroup.objects.filter(school=school).select_related("year_group").order_by("name"))
        start = academic_year_start(datetime.date.today())
        rng = random.Random()
        for index in range(have, per_school):
            rng.seed(f"{seed}/{number}/{index}")  # the same pupil however the seeding was split into runs
            form = forms[index % len(forms)]
            pupil = self._pupil(school, number, index, form, start, names, rng, photo=index < contacts)
            if index < contacts:
                self._guardians(pupil, names, rng)
        return per_school - have if per_school > have else 0, school

    def _structure(self, school: School) -> None:
        for number in YEARS:
            year = schools.year_group_create(school=school, national_curriculum_year=number)
            for letter in FORM_LETTERS:
                schools.form_group_create(school=school, year_group=year, name=f"{number}{letter}")

    def _pupil(
        self,
        school: School,
        school_number: int,
        index: int,
        form: FormGroup,
        start: int,
        names: NamePool,
        rng: random.Random,
        *,
        photo: bool,
    ) -> Pupil:
        year: YearGroup = form.year_group
        entry = start - (year.national_curriculum_year - 7)
        sex = rng.choice("FM")
        firsts = names.female if sex == "F" else names.male
        preferred = rng.choice(firsts) if rng.random() < 0.08 else ""
        # A well-formed UPN (check letter + 12 digits), unique per school: "92", school, entry year, serial.
        body = f"92{school_number % 1000:03d}{entry % 100:02d}{index:05d}"
        return pupils.pupil_create(
            school=school,
            upn=upn_check_letter(body) + body,
            legal_first_name=rng.choice(firsts),
            legal_last_name=rng.choice(names.last),
            preferred_first_name=preferred,
            date_of_birth=datetime.date(entry - 12, 9, 1) + datetime.timedelta(days=rng.randrange(365)),
            sex=sex,
            address=f"{rng.randrange(1, 200)} {rng.choice(names.last)} Road\nBenchtown\nBT1 1AA",
            year_group=year,
            form_group=form,
            enrolled_on=datetime.date(entry, 9, 3),
            photo=draw_avatar(rng.randrange(1 << 30)) if photo else None,
        )

    def _guardians(self, pupil: Pupil, names: NamePool, rng: random.Random) -> None:
        for priority, relationship in enumerate((Relationship.MOTHER, Relationship.FATHER), start=1):
            first = rng.choice(names.female if priority == 1 else names.male)
            guardian = pupils.guardian_create(
                school=pupil.school,
                title="Ms" if priority == 1 else "Mr",
                first_name=first,
                last_name=pupil.legal_last_name,
                email=f"{first}.{pupil.legal_last_name}@family.example".lower().replace(" ", ""),
                phone=f"07700 900{rng.randrange(1000):03d}",
                address=pupil.address,
            )
            pupils.guardian_link(
                pupil=pupil,
                guardian=guardian,
                relationship=relationship,
                parental_responsibility=True,
                contact_priority=priority,
            )
