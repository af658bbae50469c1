"""Policy matrix rows for the attendance app (tutela/attendance/rules.py).

The cast's pupil Amelia is in form 7A (form_tutor), year 7 (head_of_year) and maths 7A (class_teacher).
- A form register is taken by its tutor, its head of year and the office (school and trust admins); the
  SENCO and DSL see it (403 to change it); a class teacher does not see a form's register.
- A pupil's attendance record: her tutor, head of year, the office, SENCO and DSL.
- Office, roll-call and visitor log: school and trust administrators only (another school's admin gets
  their own school's office, without Amelia).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from tests.cast import Cast
from tests.matrix import DENY, HIDE, LOGIN, OK, SEE, Call, Expect, row
from tutela import audit
from tutela.core import clock
from tutela.policy import rls
from tutela.vault.scope import vault_scope

REGISTER_ID = uuid.UUID("00000000-0000-4000-8000-00000000a7a1")
TO_REGISTER = Expect(302, redirect_to=f"/attendance/registers/{REGISTER_ID}/")
TO_VISITORS = Expect(302, redirect_to="/attendance/visitors/")


def _register(cast: Cast) -> Any:
    from tutela.attendance.models import Register
    from tutela.schools import services as schools
    from tutela.schools.models import Period

    with rls.system_scope():
        found = Register.objects.filter(public_id=REGISTER_ID).first()
    if found:
        return found
    with audit.context(actor=None, reason="test matrix"), rls.system_scope():
        am = Period.objects.filter(school=cast.school, kind="registration", session="AM").first()
        if am is None:
            am, _ = schools.registration_day_create(school=cast.school)
        return Register.objects.create(
            public_id=REGISTER_ID, school=cast.school, date=clock.today(), period=am, form_group=cast.form_7a
        )


def _mark(cast: Cast) -> dict[str, Any]:
    from tutela.attendance import services
    from tutela.attendance.models import Mark

    register = _register(cast)
    with rls.system_scope():
        mark = Mark.system.filter(register=register).first()
    if mark is None:
        with vault_scope(), audit.context(actor=None, reason="test matrix"), rls.system_scope():
            services.register_submit(
                actor=cast.form_tutor,
                register=register,
                marks=[services.MarkInput(cast.pupil_record.pk, "/")],
                now=datetime.datetime.combine(register.date, register.period.starts_at, tzinfo=datetime.UTC),
            )
        with rls.system_scope():
            mark = Mark.system.get(register=register)
    return {"public_id": mark.public_id}


def _visitor(cast: Cast) -> dict[str, Any]:
    from tutela.attendance import services
    from tutela.attendance.models import Visitor

    with vault_scope(), audit.context(actor=None, reason="test matrix"), rls.system_scope():
        visitor = Visitor.system.filter(school=cast.school).first()
        if visitor is None:
            visitor = services.visitor_sign_in(actor=None, school=cast.school, name="Matrix Visitor")
    return {"public_id": visitor.public_id}


TARGETS = {
    "am_register": lambda cast: {"public_id": _register(cast).public_id},
    "mark": _mark,
    "visitor": _visitor,
}

BODIES = {
    "early_leave": lambda cast: ({"left_at": "11:00", "reason": "Dentist"}, {}),
    "register_submit": lambda cast: (
        {"marks": [{"pupil": str(cast.pupil_record.public_id), "code": "/"}]},
        {"content_type": "application/json"},
    ),
}

CALLS = {
    "attendance:register": Call(target="am_register"),
    "attendance:mark_leave": Call(method="post", target="mark", body="early_leave"),
    "attendance:visitor_sign_out": Call(method="post", target="visitor"),
    "attendance:pupil": Call(target="pupil"),
    "attendance-api:register": Call(target="am_register"),
    "attendance-api:register_submit": Call(method="post", target="am_register", body="register_submit"),
    "attendance-api:pupil_marks": Call(target="pupil"),
}

# fmt: off
EXPECTATIONS = {
    "attendance:today": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=LOGIN,
    ),
    # The form's register with its pupils' names: tutor, head of year, office; SENCO and DSL read it.
    "attendance:register": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=HIDE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "attendance:mark_leave": row(
        trust_admin=TO_REGISTER, school_admin=TO_REGISTER, head_of_year=TO_REGISTER, form_tutor=TO_REGISTER,
        class_teacher=HIDE, other_teacher=HIDE, senco=DENY, dsl=DENY, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    "attendance:office": row(
        trust_admin=OK, school_admin=OK, head_of_year=HIDE, form_tutor=HIDE, class_teacher=HIDE,
        other_teacher=HIDE, senco=HIDE, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=OK, no_role=HIDE, anonymous=LOGIN,
    ),
    # The roll-call names every pupil of the school (here: no register taken, so all "check by sight").
    "attendance:roll_call": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=HIDE, form_tutor=HIDE, class_teacher=HIDE,
        other_teacher=HIDE, senco=HIDE, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=OK, no_role=HIDE, anonymous=LOGIN,
    ),
    "attendance:visitors": row(
        trust_admin=OK, school_admin=OK, head_of_year=HIDE, form_tutor=HIDE, class_teacher=HIDE,
        other_teacher=HIDE, senco=HIDE, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=OK, no_role=HIDE, anonymous=LOGIN,
    ),
    "attendance:sub_codes": row(
        trust_admin=OK, school_admin=OK, head_of_year=HIDE, form_tutor=HIDE, class_teacher=HIDE,
        other_teacher=HIDE, senco=HIDE, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=OK, no_role=HIDE, anonymous=LOGIN,
    ),
    "attendance:visitor_sign_out": row(
        trust_admin=TO_VISITORS, school_admin=TO_VISITORS, head_of_year=HIDE, form_tutor=HIDE,
        class_teacher=HIDE, other_teacher=HIDE, senco=HIDE, dsl=HIDE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    # A pupil's whole attendance record: the pastoral line and the office, SENCO and DSL.
    "attendance:pupil": row(
        trust_admin=SEE, school_admin=SEE, head_of_year=SEE, form_tutor=SEE, class_teacher=HIDE,
        other_teacher=HIDE, senco=SEE, dsl=SEE, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=LOGIN,
    ),
    # Rates and absence lists for what the actor may see (no marks here, so no names).
    "attendance:reports": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=HIDE,
        other_teacher=HIDE, senco=OK, dsl=OK, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=OK, no_role=HIDE, anonymous=LOGIN,
    ),
    "attendance-api:registers": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=OK,
        other_teacher=OK, senco=OK, dsl=OK, dpo=OK, it_admin=OK,
        parent=OK, other_parent=OK, pupil=OK, other_school_admin=OK, no_role=OK, anonymous=DENY,
    ),
    # The API names pupils by id only.
    "attendance-api:register": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=HIDE,
        other_teacher=HIDE, senco=OK, dsl=OK, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=DENY,
    ),
    "attendance-api:register_submit": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=HIDE,
        other_teacher=HIDE, senco=DENY, dsl=DENY, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=DENY,
    ),
    "attendance-api:pupil_marks": row(
        trust_admin=OK, school_admin=OK, head_of_year=OK, form_tutor=OK, class_teacher=HIDE,
        other_teacher=HIDE, senco=OK, dsl=OK, dpo=HIDE, it_admin=HIDE,
        parent=HIDE, other_parent=HIDE, pupil=HIDE, other_school_admin=HIDE, no_role=HIDE, anonymous=DENY,
    ),
}
# fmt: on
