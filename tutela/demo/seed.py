"""A sample trust for the demo: a 600-pupil secondary school, staff in every role, and a small second school.

Everything is synthetic (Faker names, drawn portraits) and goes through the same services as real data,
so it is encrypted, scoped and audited. Passwords are random per instance; only the showcase accounts
get one, the other staff accounts cannot sign in.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import itertools
import random
from dataclasses import dataclass, field

from django.db import transaction
from django_otp.oath import TOTP
from faker import Faker

from tutela import audit
from tutela.accounts import services as accounts
from tutela.accounts import two_factor
from tutela.accounts.models import Role, User
from tutela.core import clock
from tutela.demo.avatars import draw_avatar
from tutela.policy import rls
from tutela.pupils import services as pupils
from tutela.pupils.models import Pupil, Relationship
from tutela.pupils.validators import upn_check_letter
from tutela.schools import services as schools
from tutela.schools.models import FormGroup, School, Subject, YearGroup
from tutela.vault.scope import vault_scope

SUBJECTS = [("Mathematics", "MA"), ("English", "EN"), ("Science", "SC"), ("History", "HI")]
EXTRA_SUBJECTS = [("Geography", "GE"), ("French", "FR"), ("Computing", "CO"), ("Art", "AR")]
FORM_LETTERS = "ABCD"
TITLES = ["Mr", "Ms", "Mrs", "Dr", "Mx"]
TOTP_STEP = 30


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    sees: str
    totp_secret: str = ""  # base32, for an authenticator app; only for roles that must use two factors


@dataclass
class _Seeder:
    rng: random.Random
    fake: Faker
    photos: bool
    logins: list[DemoLogin]
    upn_serial: itertools.count
    showcased: list[User] = field(default_factory=list)

    # --- people -----------------------------------------------------------------------------------------
    def staff(self, domain: str, *, email_name: str | None = None) -> User:
        first, last = self.fake.first_name(), self.fake.last_name()
        email = f"{email_name or f'{first}.{last}'.lower().replace(' ', '')}@{domain}"
        return accounts.user_create(email=email, display_name=f"{self.rng.choice(TITLES)} {first} {last}")

    def showcase(self, user: User, role_label: str, sees: str) -> User:
        password = accounts.generate_password()
        user.set_password(password)
        user.save()
        self.logins.append(DemoLogin(role_label, user.email, password, sees))
        self.showcased.append(user)
        return user

    def authenticators(self) -> None:
        """Roles that must use two factors get an authenticator enrolled, its seed given with the login:
        signing in to the demo needs no phone (``manage.py demo_code`` computes the codes from the file)."""
        for index, (login, user) in enumerate(zip(self.logins, self.showcased, strict=True)):
            if two_factor.must_use_two_factor(user):
                device = accounts.totp_device_start(user=user)
                # Confirmed with the previous step's code (within the one-step tolerance): a code works
                # once, and the current one must stay free for signing in straight after seeding.
                totp = TOTP(bytes.fromhex(device.key))
                totp.time = totp.time - TOTP_STEP
                assert accounts.totp_device_confirm(device=device, code=f"{totp.token():06d}")
                secret = base64.b32encode(bytes.fromhex(device.key)).decode().rstrip("=")
                self.logins[index] = dataclasses.replace(login, totp_secret=secret)

    def upn(self, establishment: int, entry_year: int) -> str:
        body = f"925{establishment:04d}{entry_year % 100:02d}{next(self.upn_serial) % 1000:03d}"
        return upn_check_letter(body) + body

    def pupil(self, school: School, year: YearGroup, form: FormGroup, establishment: int) -> Pupil:
        start = academic_year_start()
        born_from = datetime.date(start.year - year.national_curriculum_year - 5, 9, 1)
        sex = self.rng.choice(["F", "M"])
        first = self.fake.first_name_female() if sex == "F" else self.fake.first_name_male()
        preferred = ""
        if self.rng.random() < 0.08:
            preferred = self.fake.first_name_female() if sex == "F" else self.fake.first_name_male()
        seed = self.rng.randrange(1 << 30)
        return pupils.pupil_create(
            school=school,
            upn=self.upn(establishment, start.year - (year.national_curriculum_year - 7)),
            legal_first_name=first,
            legal_last_name=self.fake.last_name(),
            preferred_first_name=preferred,
            date_of_birth=born_from + datetime.timedelta(days=self.rng.randrange(365)),
            sex=sex,
            address=self.fake.address(),
            year_group=year,
            form_group=form,
            enrolled_on=datetime.date(start.year - (year.national_curriculum_year - 7), 9, 3),
            photo=draw_avatar(seed) if self.photos else None,
        )

    def guardians(self, pupil: Pupil, *, portal_user: User | None = None) -> None:
        count = 1 if self.rng.random() < 0.3 else 2
        relationships = [Relationship.MOTHER, Relationship.FATHER]
        if self.rng.random() < 0.05:
            relationships = [Relationship.FOSTER_CARER, Relationship.SOCIAL_WORKER]
        for priority, relationship in enumerate(relationships[:count], start=1):
            first = self.fake.first_name_female() if priority == 1 else self.fake.first_name_male()
            last = pupil.legal_last_name if self.rng.random() < 0.8 else self.fake.last_name()
            guardian = pupils.guardian_create(
                school=pupil.school,
                title="Ms" if priority == 1 else "Mr",
                first_name=first,
                last_name=last,
                email=f"{first}.{last}@family.example".lower().replace(" ", ""),
                phone=f"07700 900{self.rng.randrange(1000):03d}",
                address=pupil.address,
                user=portal_user if priority == 1 else None,
            )
            if portal_user is not None and priority == 1:
                portal_user.display_name = guardian.display_name  # the parent's account is that guardian
                portal_user.save()
            pupils.guardian_link(
                pupil=pupil,
                guardian=guardian,
                relationship=relationship,
                parental_responsibility=relationship != Relationship.SOCIAL_WORKER,
                contact_priority=priority,
                portal_access=portal_user is not None and priority == 1,
            )


def academic_year_start(today: datetime.date | None = None) -> datetime.date:
    today = today or clock.today()
    return datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def _terms(start: datetime.date) -> list[tuple[str, datetime.date, datetime.date]]:
    y = start.year
    return [
        ("Autumn", datetime.date(y, 9, 3), datetime.date(y, 12, 18)),
        ("Spring", datetime.date(y + 1, 1, 5), datetime.date(y + 1, 3, 26)),
        ("Summer", datetime.date(y + 1, 4, 13), datetime.date(y + 1, 7, 21)),
    ]


def _school_structure(school: School, years: range, forms_per_year: int, subjects: list[Subject]) -> dict:
    start = academic_year_start()
    schools.academic_year_create(
        school=school, name=f"{start.year}/{(start.year + 1) % 100:02d}", terms=_terms(start)
    )
    structure: dict = {}
    for number in years:
        year = schools.year_group_create(school=school, national_curriculum_year=number)
        forms = [
            schools.form_group_create(school=school, year_group=year, name=f"{number}{FORM_LETTERS[i]}")
            for i in range(forms_per_year)
        ]
        structure[year] = forms
    return structure


@transaction.atomic
def seed(*, pupils_per_form: int = 30, photos: bool = True, random_seed: int = 2026) -> list[DemoLogin]:
    """Creates the demo trust. All or nothing: on any error no row is left behind."""
    rng = random.Random(random_seed)
    fake = Faker("en_GB")
    fake.seed_instance(random_seed)
    s = _Seeder(rng=rng, fake=fake, photos=photos, logins=[], upn_serial=itertools.count(1))
    with vault_scope(), audit.context(actor=None, reason="demo seed"), rls.system_scope():
        trust = schools.trust_create(name="Riverside Learning Trust")
        main = schools.school_create(trust=trust, name="Northfield Academy", urn="900001")
        _seed_main_school(s, trust, main, pupils_per_form)
        small = schools.school_create(trust=trust, name="Hillside School", urn="900002")
        _seed_small_school(s, small)
        s.authenticators()
    return s.logins


def _seed_main_school(s: _Seeder, trust: object, school: School, pupils_per_form: int) -> None:
    domain = "northfield.example"
    subjects = [schools.subject_create(school=school, name=n, code=c) for n, c in SUBJECTS + EXTRA_SUBJECTS]
    structure = _school_structure(school, range(7, 12), len(FORM_LETTERS), subjects)
    years = list(structure)

    grant = accounts.membership_grant
    trust_admin = s.showcase(
        s.staff(domain, email_name="trust.admin"), "Trust administrator", "every school in the trust"
    )
    grant(user=trust_admin, role=Role.TRUST_ADMIN, trust=trust)
    admin = s.showcase(
        s.staff(domain, email_name="school.admin"), "School administrator", "all of Northfield; edits records"
    )
    grant(user=admin, role=Role.SCHOOL_ADMIN, school=school)
    grant(user=s.staff(domain), role=Role.SCHOOL_ADMIN, school=school)
    for label, role, email in [
        ("SENCO", Role.SENCO, "senco"),
        ("Designated safeguarding lead", Role.DSL, "dsl"),
        ("Data protection officer", Role.DPO, "dpo"),
        ("IT administrator", Role.IT_ADMIN, "it.admin"),
    ]:
        sees = "no pupil data" if role == Role.IT_ADMIN else "all of Northfield"
        grant(user=s.showcase(s.staff(domain, email_name=email), label, sees), role=role, school=school)
    for index, year in enumerate(years):
        head = s.staff(domain, email_name="head.of.year7" if index == 0 else None)
        if index == 0:
            s.showcase(head, "Head of year", "Year 7")
        grant(user=head, role=Role.HEAD_OF_YEAR, school=school, year_group=year)

    tutors = []
    for forms in structure.values():
        for form in forms:
            first_form = form.name == "7A"
            tutor = s.staff(domain, email_name="form.tutor" if first_form else None)
            if first_form:
                s.showcase(tutor, "Form tutor", "form 7A, and the maths class 7A/Ma")
            grant(user=tutor, role=Role.FORM_TUTOR, school=school)
            schools.form_tutors_set(form=form, tutors=[tutor])
            tutors.append(tutor)
    class_teacher = s.showcase(
        s.staff(domain, email_name="class.teacher"), "Class teacher", "the Year 8 science classes"
    )
    teachers = [class_teacher] + [s.staff(domain) for _ in range(8)]
    for teacher in teachers:
        grant(user=teacher, role=Role.CLASS_TEACHER, school=school)

    by_code = {subject.code: subject for subject in subjects}
    teacher_cycle = itertools.cycle(teachers[1:] + tutors[1:])  # the showcase accounts keep a clear scope
    all_pupils: dict[str, list[Pupil]] = {}
    for year, forms in structure.items():
        for form in forms:
            all_pupils[form.name] = [s.pupil(school, year, form, 9001) for _ in range(pupils_per_form)]
        for _name, code in SUBJECTS:
            for form in forms:
                if code == "SC" and year.national_curriculum_year == 8:
                    teacher = class_teacher
                elif code == "MA" and form.name == "7A":
                    teacher = tutors[0]
                else:
                    teacher = next(teacher_cycle)
                group = schools.teaching_group_create(
                    school=school,
                    subject=by_code[code],
                    year_group=year,
                    name=f"{form.name}/{code.title()}",
                    teachers=[teacher],
                )
                pupils.class_add_pupils(teaching_group=group, pupils=all_pupils[form.name])

    parent = s.showcase(s.staff("family.example", email_name="parent"), "Parent", "their own child in 7A")
    grant(user=parent, role=Role.PARENT, school=school)
    for form_name, members in all_pupils.items():
        for index, pupil in enumerate(members):
            portal = parent if (form_name, index) == ("7A", 0) else None
            s.guardians(pupil, portal_user=portal)
    child = all_pupils["7A"][-1]
    pupil_account = accounts.user_create(email=f"pupil@{domain}", display_name=child.display_name)
    s.showcase(pupil_account, "Pupil", "their own record")
    grant(user=pupil_account, role=Role.PUPIL, school=school)
    child.user = pupil_account
    child.save()


def _seed_small_school(s: _Seeder, school: School) -> None:
    domain = "hillside.example"
    subjects = [schools.subject_create(school=school, name=n, code=c) for n, c in SUBJECTS]
    structure = _school_structure(school, range(7, 9), 1, subjects)
    admin = s.showcase(
        s.staff(domain, email_name="school.admin"), "Hillside administrator", "only Hillside (isolation)"
    )
    accounts.membership_grant(user=admin, role=Role.SCHOOL_ADMIN, school=school)
    teacher = s.staff(domain)
    accounts.membership_grant(user=teacher, role=Role.CLASS_TEACHER, school=school)
    for year, forms in structure.items():
        for form in forms:
            schools.form_tutors_set(form=form, tutors=[teacher])
            members = [s.pupil(school, year, form, 9002) for _ in range(20)]
            for pupil in members:
                s.guardians(pupil)
            group = schools.teaching_group_create(
                school=school,
                subject=subjects[0],
                year_group=year,
                name=f"{form.name}/Ma",
                teachers=[teacher],
            )
            pupils.class_add_pupils(teaching_group=group, pupils=members)
