"""The cast: one trust, two schools, and a named user for every role (synthetic data only).

Built through the services, inside an audit context, like production data. Everyone's password is
``PASSWORD`` (tests only; a real instance never has a password chosen by code).
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from typing import Any

from tutela import audit
from tutela.accounts import services as accounts
from tutela.accounts.models import Role, User
from tutela.pupils import services as pupils
from tutela.pupils.models import Guardian, Pupil
from tutela.pupils.validators import upn_check_letter
from tutela.schools import services as schools
from tutela.schools.models import FormGroup, School, TeachingGroup, Trust, YearGroup

PASSWORD = "test-only-Pa55word-not-real"
_serial = itertools.count(1)


def make_upn(establishment: int = 4001) -> str:
    # LA (3) + establishment (4) + year (2) + serial (3): the year digits take the overflow, so a run that
    # builds the cast thousands of times still makes 13-character UPNs.
    n = next(_serial)
    body = f"925{establishment:04d}{(26 + n // 1000) % 100:02d}{n % 1000:03d}"
    return upn_check_letter(body) + body


def make_user(label: str, *, role: str | None = None, school: School | None = None, **grant: Any) -> User:
    user = accounts.user_create(
        email=f"{label}@tests.example", display_name=label.replace("_", " ").title(), password=PASSWORD
    )
    if role:
        accounts.membership_grant(user=user, role=role, school=school, **grant)
    user.test_label = label  # type: ignore[attr-defined]
    return user


def make_pupil(
    school: School, year_group: YearGroup, form: FormGroup | None, first: str, last: str, **extra: Any
) -> Pupil:
    return pupils.pupil_create(
        school=school,
        upn=extra.pop("upn", None) or make_upn(4001 if school.urn == "100001" else 4002),
        legal_first_name=first,
        legal_last_name=last,
        date_of_birth=extra.pop("date_of_birth", datetime.date(2014, 10, 1)),
        sex=extra.pop("sex", "F"),
        year_group=year_group,
        form_group=form,
        enrolled_on=extra.pop("enrolled_on", datetime.date(2026, 9, 2)),
        **extra,
    )


@dataclass
class Cast:
    trust: Trust
    school: School
    other_school: School
    year7: YearGroup
    year8: YearGroup
    form_7a: FormGroup
    form_8a: FormGroup
    maths_7a: TeachingGroup
    other_class: TeachingGroup
    pupil_record: Pupil  # the pupil at the centre of the cast (in 7A, maths_7a; Parent's child)
    sibling_record: Pupil  # in 8A: not taught by the form tutor or class teacher
    other_school_pupil: Pupil
    guardian: Guardian
    users: dict[str, User]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["users"][name]
        except KeyError:
            raise AttributeError(name) from None


def build_cast() -> Cast:
    with audit.context(actor=None, reason="test cast"):
        trust = schools.trust_create(name="Test Trust")
        school = schools.school_create(trust=trust, name="Northfield Academy", urn="100001")
        other = schools.school_create(trust=trust, name="Southbank School", urn="100002")
        year7 = schools.year_group_create(school=school, national_curriculum_year=7)
        year8 = schools.year_group_create(school=school, national_curriculum_year=8)
        other_year7 = schools.year_group_create(school=other, national_curriculum_year=7)
        maths = schools.subject_create(school=school, name="Mathematics", code="MA")
        history = schools.subject_create(school=school, name="History", code="HI")
        other_maths = schools.subject_create(school=other, name="Mathematics", code="MA")

        users = {
            "trust_admin": make_user("trust_admin", role=Role.TRUST_ADMIN, trust=trust),
            "school_admin": make_user("school_admin", role=Role.SCHOOL_ADMIN, school=school),
            "head_of_year": make_user(
                "head_of_year", role=Role.HEAD_OF_YEAR, school=school, year_group=year7
            ),
            "form_tutor": make_user("form_tutor", role=Role.FORM_TUTOR, school=school),
            "class_teacher": make_user("class_teacher", role=Role.CLASS_TEACHER, school=school),
            "other_teacher": make_user("other_teacher", role=Role.CLASS_TEACHER, school=school),
            "senco": make_user("senco", role=Role.SENCO, school=school),
            "dsl": make_user("dsl", role=Role.DSL, school=school),
            "dpo": make_user("dpo", role=Role.DPO, school=school),
            "it_admin": make_user("it_admin", role=Role.IT_ADMIN, school=school),
            "parent": make_user("parent", role=Role.PARENT, school=school),
            "other_parent": make_user("other_parent", role=Role.PARENT, school=school),
            "pupil": make_user("pupil", role=Role.PUPIL, school=school),
            "other_school_admin": make_user("other_school_admin", role=Role.SCHOOL_ADMIN, school=other),
            "no_role": make_user("no_role"),
        }
        form_7a = schools.form_group_create(
            school=school, year_group=year7, name="7A", tutors=[users["form_tutor"]]
        )
        form_8a = schools.form_group_create(school=school, year_group=year8, name="8A")
        other_form = schools.form_group_create(school=other, year_group=other_year7, name="7S")
        maths_7a = schools.teaching_group_create(
            school=school, subject=maths, year_group=year7, name="7A/Ma", teachers=[users["class_teacher"]]
        )
        history_8a = schools.teaching_group_create(
            school=school, subject=history, year_group=year8, name="8A/Hi", teachers=[users["other_teacher"]]
        )
        other_class = schools.teaching_group_create(
            school=other, subject=other_maths, year_group=other_year7, name="7S/Ma"
        )

        pupil_record = make_pupil(school, year7, form_7a, "Amelia", "Owusu", address="1 Test Lane\nTestville")
        pupil_record.user = users["pupil"]
        pupil_record.save()
        sibling = make_pupil(
            school, year8, form_8a, "Bilal", "Owusu", sex="M", date_of_birth=datetime.date(2013, 11, 5)
        )
        other_pupil = make_pupil(other, other_year7, other_form, "Cerys", "Jones")
        pupils.class_add_pupils(teaching_group=maths_7a, pupils=[pupil_record])
        pupils.class_add_pupils(teaching_group=history_8a, pupils=[sibling])
        pupils.class_add_pupils(teaching_group=other_class, pupils=[other_pupil])

        guardian = pupils.guardian_create(
            school=school,
            first_name="Grace",
            last_name="Owusu",
            email="grace@family.example",
            phone="07700 900123",
            user=users["parent"],
        )
        pupils.guardian_link(
            pupil=pupil_record,
            guardian=guardian,
            relationship="mother",
            parental_responsibility=True,
            portal_access=True,
        )
        other_guardian = pupils.guardian_create(
            school=school, first_name="Olu", last_name="Adeyemi", user=users["other_parent"]
        )
        other_child = make_pupil(school, year8, form_8a, "Dami", "Adeyemi", sex="M")
        pupils.guardian_link(
            pupil=other_child,
            guardian=other_guardian,
            relationship="father",
            parental_responsibility=True,
            portal_access=True,
        )
    return Cast(
        trust=trust,
        school=school,
        other_school=other,
        year7=year7,
        year8=year8,
        form_7a=form_7a,
        form_8a=form_8a,
        maths_7a=maths_7a,
        other_class=other_class,
        pupil_record=pupil_record,
        sibling_record=sibling,
        other_school_pupil=other_pupil,
        guardian=guardian,
        users=users,
    )
