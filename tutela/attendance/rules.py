"""Who may take, see and change which registers and marks.

- A form tutor takes their form's AM/PM registers; a class teacher takes their class's lesson registers
  (being on the form's or class's list counts only while they hold a teaching role at that school).
- A head of year takes and sees every register of their year group, and their year's pupils' marks.
- School administrators (the attendance office) take and see every register and mark of their school,
  run the office view, the emergency roll-call and the visitor log; trust administrators their trust's.
- SENCO and DSL see marks and registers of the whole school (attendance is a safeguarding signal: DfE
  "Working together to improve school attendance", 2024) but do not take registers.
- Families, pupils, the DPO and IT administrators get nothing here (the parents' portal is not built).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from tutela import policy
from tutela.accounts.models import Role
from tutela.accounts.selectors import roles_of
from tutela.attendance.models import AttendanceAlert, Mark, MarkAmendment, Register, Visitor
from tutela.pupils.models import Pupil
from tutela.schools.models import FormGroup, School, TeachingGroup

OFFICE = (Role.SCHOOL_ADMIN,)
WHOLE_SCHOOL_READERS = (Role.SCHOOL_ADMIN, Role.SENCO, Role.DSL)


def _whole_school(user: Any, roles_: tuple[str, ...], prefix: str = "") -> Q:
    roles = roles_of(user)
    return Q(**{f"{prefix}school__in": roles.schools_with(*roles_)}) | Q(
        **{f"{prefix}school__trust__in": roles.trusts_with(Role.TRUST_ADMIN)}
    )


def _own_groups(user: Any, prefix: str = "") -> Q:
    """Registers of the forms the user tutors and the classes they teach, and their year if head of year."""
    roles = roles_of(user)
    teaching = roles.teaching_schools()
    forms = FormGroup.objects.filter(tutors=user, school__in=teaching).values("pk")
    classes = TeachingGroup.objects.filter(teachers=user, school__in=teaching).values("pk")
    years = roles.year_groups()
    return (
        Q(**{f"{prefix}form_group__in": forms})
        | Q(**{f"{prefix}teaching_group__in": classes})
        | Q(**{f"{prefix}form_group__year_group__in": years})
        | Q(**{f"{prefix}teaching_group__year_group__in": years})
    )


@policy.register(
    "attendance.take_register", model=Register, category="attendance", description="take this register"
)
def takeable_registers(user: Any) -> Q:
    return _own_groups(user) | _whole_school(user, OFFICE)


@policy.register(
    "attendance.view_register", model=Register, category="attendance", description="see this register"
)
def visible_registers(user: Any) -> Q:
    return _own_groups(user) | _whole_school(user, WHOLE_SCHOOL_READERS)


def _pastoral_pupils(user: Any) -> Q:
    """Pupils whose whole attendance record the user may see: their form, their year, their school."""
    roles = roles_of(user)
    teaching = roles.teaching_schools()
    forms = FormGroup.objects.filter(tutors=user, school__in=teaching).values("pk")
    q = Q(on_roll=True) & (Q(form_group__in=forms) | Q(year_group__in=roles.year_groups()))
    return q | _whole_school(user, WHOLE_SCHOOL_READERS)


@policy.register("attendance.view_marks", model=Mark, category="attendance", description="see these marks")
def visible_marks(user: Any) -> Q:
    """A pupil's marks in the registers the user may see, and all of them for their pastoral pupils."""
    registers = Register.objects.filter(visible_registers(user)).values("pk")
    pupils = Pupil.system.filter(_pastoral_pupils(user)).values("pk")
    return Q(register__in=registers) | Q(pupil__in=pupils)


@policy.register(
    "attendance.view_pupil",
    model=Pupil,
    category="attendance",
    description="see this pupil's attendance record",
)
def pupils_with_visible_attendance(user: Any) -> Q:
    return _pastoral_pupils(user)


@policy.register(
    "attendance.view_amendments",
    model=MarkAmendment,
    category="attendance",
    description="see changes made after registers closed",
)
def visible_amendments(user: Any) -> Q:
    return _whole_school(user, WHOLE_SCHOOL_READERS)


@policy.register(
    "attendance.office",
    model=School,
    category="attendance",
    description="run this school's attendance office",
)
def office_schools(user: Any) -> Q:
    roles = roles_of(user)
    return Q(pk__in=roles.schools_with(*OFFICE)) | Q(trust__in=roles.trusts_with(Role.TRUST_ADMIN))


@policy.register("attendance.view_visitors", model=Visitor, category="visitor", description="see visitors")
def visible_visitors(user: Any) -> Q:
    return _whole_school(user, OFFICE)


@policy.register(
    "attendance.view_alerts",
    model=AttendanceAlert,
    category="attendance",
    description="see attendance alerts",
)
def visible_alerts(user: Any) -> Q:
    """Alerts go to the pupil's tutor and head of year (and the office)."""
    pupils = Pupil.system.filter(_pastoral_pupils(user) & Q(on_roll=True)).values("pk")
    return Q(pupil__in=pupils)
