"""Reads of registers, marks and visitors, always on behalf of an actor and through the policy.

Pupils' names and photos come through the pupils policy ("pupils.view"); marks through
"attendance.view_marks". A list shows only what both allow.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tutela import policy
from tutela.accounts.selectors import roles_of
from tutela.attendance import codes, services, stats
from tutela.attendance.models import AttendanceAlert, Mark, MarkAmendment, Register, SubCode, Visitor
from tutela.core import clock
from tutela.core.charts import Category
from tutela.pupils.models import Pupil
from tutela.pupils.selectors import LIST_FIELDS
from tutela.schools.models import FormGroup, School, YearGroup

ROW_FIELDS = (*LIST_FIELDS, "photo_thumbnail", "data_key__keyring_id")


# --- registers -------------------------------------------------------------------------------------------


def register_get(*, actor: Any, public_id: Any) -> Register:
    found = (
        policy.scope(actor, "attendance.view_register", Register)
        .select_related("period", "form_group", "teaching_group__subject", "school")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise policy.NotVisible("No register matches the given query.")
    return found


def sub_codes(*, school_id: int) -> list[SubCode]:
    """The school's own lesson-level codes (organisation data, not personal)."""
    return list(SubCode.objects.filter(school_id=school_id))


def can_take(*, actor: Any, register: Register) -> bool:
    return policy.can(actor, "attendance.take_register", register)


def registers_of_day(*, actor: Any, date: datetime.date) -> list[Register]:
    """The registers the actor may take on a date (created empty from the timetable on first use).

    The timetable is materialised for every school where the actor teaches or runs the office, so a class
    teacher finds their lesson registers even when nobody has opened that school's day yet.
    """
    takeable = policy.scope(actor, "attendance.take_register", Register)
    school_ids = roles_of(actor).teaching_schools() | set(
        policy.scope(actor, "attendance.office", School).values_list("pk", flat=True)
    )
    for school in School.objects.filter(pk__in=school_ids):
        services.registers_for_day(school=school, date=date)
    return list(
        takeable.filter(date=date)
        .select_related("period", "form_group", "teaching_group")
        .order_by("period__starts_at", "form_group__name", "teaching_group__name")
    )


@dataclass
class Row:
    pupil: Pupil
    mark: Mark | None

    @property
    def code(self) -> str:
        return self.mark.code if self.mark else ""

    @property
    def version(self) -> int:
        return self.mark.version if self.mark else 0

    @property
    def tap(self) -> str:
        """Which quick button shows the mark: P(resent), N (absent), L(ate), or "" for another code."""
        code = self.code
        if not code or code in (codes.PRESENT_AM, codes.PRESENT_PM):
            return "P"
        return {"N": "N", "L": "L", "U": "L"}.get(code, "")


def register_rows(*, actor: Any, register: Register) -> list[Row]:
    """The register's pupils (as the actor may see them) with their marks, sorted by surname."""
    roster = services.register_roster_ids(register)
    pupils = (
        Pupil.objects.for_actor(actor, "pupils.view")
        .filter(pk__in=roster)
        .select_related("data_key", "year_group", "form_group")
        .only(*ROW_FIELDS)
    )
    marks = {
        m.pupil_id: m
        for m in Mark.objects.for_actor(actor, "attendance.view_marks")
        .filter(register=register)
        .select_related("pupil__data_key")
    }
    return sorted((Row(p, marks.get(p.pk)) for p in pupils), key=lambda r: r.pupil.sort_key)


# --- the office -----------------------------------------------------------------------------------------


def office_schools(*, actor: Any) -> QuerySet[School]:
    return policy.scope(actor, "attendance.office", School).select_related("keyring").order_by("name")


def office_school(*, actor: Any, public_id: Any = None) -> School:
    schools = office_schools(actor=actor)
    found = schools.filter(public_id=public_id).first() if public_id else schools.first()
    if found is None:
        raise policy.NotVisible("No school matches the given query.")
    return found


@dataclass
class SheetLine:
    register: Register
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def taken(self) -> bool:
        return self.register.taken_at is not None

    @property
    def other(self) -> int:
        return self.counts["exceptional"] + self.counts["not_required"]


def day_sheet(*, school: School, date: datetime.date) -> list[SheetLine]:
    """Every statutory register of the day with its count per category (clear columns only: no decrypting)."""
    registers = [r for r in services.registers_for_day(school=school, date=date) if r.form_group_id]
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Mark.system.filter(register__in=registers)
        .values("register_id", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["register_id"], {})[row["category"]] = row["n"]
    zero = {c.value: 0 for c in codes.Category}
    lines = [SheetLine(r, zero | counts.get(r.pk, {})) for r in registers]
    lines.sort(key=lambda line: (line.register.form_group.name, line.register.period.starts_at))
    return lines


def missing_registers(*, school: School, now: datetime.datetime | None = None) -> list[Register]:
    """Registers whose session has started (today) and that nobody has taken yet."""
    now = now or clock.now()
    started = [
        r
        for r in services.registers_for_day(school=school, date=timezone.localdate(now))
        if r.taken_at is None and services.at(r.date, r.period.starts_at) <= now
    ]
    return sorted(started, key=lambda r: (r.period.starts_at, str(r.group)))


def unexplained_absences(
    *, actor: Any, school: School, start: datetime.date, end: datetime.date
) -> list[Mark]:
    """Marks of N (reason not yet established) in the statutory registers: the office chases each one."""
    marks = (
        Mark.objects.for_actor(actor, "attendance.view_marks")
        .filter(
            school=school,
            unexplained=True,
            register__form_group__isnull=False,
            register__date__gte=start,
            register__date__lte=end,
        )
        .select_related("pupil__data_key", "pupil__form_group", "register__period", "register__form_group")
        .order_by("-register__date", "register__period__starts_at")
    )
    return list(marks)


# --- pupils -----------------------------------------------------------------------------------------------


def attendance_pupil_get(*, actor: Any, public_id: Any) -> Pupil:
    found = (
        Pupil.objects.for_actor(actor, "attendance.view_pupil")
        .select_related("data_key", "year_group", "form_group", "school")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise policy.NotVisible("No pupil matches the given query.")
    return found


def pupil_marks(*, actor: Any, pupil: Pupil, start: datetime.date, end: datetime.date) -> list[Mark]:
    return list(
        Mark.objects.for_actor(actor, "attendance.view_marks")
        .filter(pupil=pupil, register__date__gte=start, register__date__lte=end)
        .select_related("pupil__data_key", "register__period", "register__teaching_group")
        .order_by("register__date", "register__period__starts_at")
    )


def academic_year_start(date: datetime.date) -> datetime.date:
    """1 September of the academic year ``date`` falls in (the DfE's attendance year)."""
    return datetime.date(date.year if date.month >= 9 else date.year - 1, 9, 1)


# Worst first: a day with an unauthorised session shows as unauthorised, and so on.
DAY_ORDER = ("unauthorised", "authorised", "late", "activity", "present", "exceptional", "not_required")
DAY_CATEGORIES = (
    Category("present", "Present", "/", "#2e7d4f"),
    Category("late", "Late (L)", "L", "#8a5a00"),
    Category("activity", "Approved educational activity", "B", "#5a4a8a"),
    Category("authorised", "Authorised absence", "A", "#1d4e89"),
    Category("unauthorised", "Unauthorised absence", "U", "#b00020"),
    Category("exceptional", "Unable to attend (exceptional)", "Y", "#6b6b6b"),
    Category("not_required", "Not required to attend", "X", "#9a9a9a"),
)
_DAY_KEY = {
    codes.Category.PRESENT.value: "present",
    codes.Category.EDUCATIONAL_ACTIVITY.value: "activity",
    codes.Category.AUTHORISED.value: "authorised",
    codes.Category.UNAUTHORISED.value: "unauthorised",
    codes.Category.EXCEPTIONAL.value: "exceptional",
    codes.Category.NOT_REQUIRED.value: "not_required",
}


def pupil_days(*, marks: list[Mark]) -> dict[datetime.date, str]:
    """One heat-map category per school day from the statutory AM/PM marks: the worse session wins."""
    days: dict[datetime.date, str] = {}
    for mark in marks:
        if not mark.register.form_group_id:
            continue
        key = "late" if mark.code == codes.LATE_BEFORE_CLOSE else _DAY_KEY[mark.category]
        before = days.get(mark.register.date)
        if before is None or DAY_ORDER.index(key) < DAY_ORDER.index(before):
            days[mark.register.date] = key
    return days


def pupil_amendments(*, actor: Any, pupil: Pupil) -> list[MarkAmendment]:
    return list(
        MarkAmendment.objects.for_actor(actor, "attendance.view_amendments")
        .filter(pupil=pupil)
        .select_related("pupil__data_key")
    )


# --- reports ----------------------------------------------------------------------------------------------


@dataclass
class AbsenceLine:
    pupil: Pupil
    rate: stats.Rate
    recent: stats.Rate  # the last four weeks of the range: the trend

    @property
    def trend(self) -> str:
        if self.recent.percentage is None or self.rate.percentage is None:
            return "steady"
        delta = self.recent.percentage - self.rate.percentage
        return "improving" if delta > 1 else "worsening" if delta < -1 else "steady"


def report_school(*, actor: Any, public_id: Any = None) -> School:
    """A school the actor may report on: their office school, or the school of their year or form."""
    roles_schools = School.objects.filter(
        Q(pk__in=policy.scope(actor, "attendance.office", School))
        | Q(pk__in=Pupil.objects.for_actor(actor, "attendance.view_pupil").values("school"))
    )
    found = (
        roles_schools.filter(public_id=public_id).first()
        if public_id
        else roles_schools.order_by("name").first()
    )
    if found is None:
        raise policy.NotVisible("No school matches the given query.")
    return found


def absence_lists(
    *, actor: Any, school: School, start: datetime.date, end: datetime.date
) -> tuple[list[AbsenceLine], list[AbsenceLine]]:
    """(persistently absent, severely absent) pupils the actor may see, worst first."""
    rates = stats.pupil_rates(school=school, start=start, end=end)
    flagged = {pid for pid, rate in rates.items() if rate.persistent}
    recent_start = max(start, end - datetime.timedelta(days=27))
    recent = stats.pupil_rates(school=school, start=recent_start, end=end)
    pupils = (
        Pupil.objects.for_actor(actor, "attendance.view_pupil")
        .filter(pk__in=flagged)
        .select_related("data_key", "year_group", "form_group")
        .only(*LIST_FIELDS)
    )
    lines = [AbsenceLine(p, rates[p.pk], recent.get(p.pk, stats.Rate(0, 0))) for p in pupils]
    lines.sort(key=lambda line: (line.rate.percentage or 0, line.pupil.sort_key))
    return [line for line in lines if not line.rate.severe], [line for line in lines if line.rate.severe]


def group_rates(
    *, actor: Any, school: School, start: datetime.date, end: datetime.date
) -> tuple[stats.Rate | None, list[tuple[YearGroup, stats.Rate]], list[tuple[FormGroup, stats.Rate]]]:
    """The school's rate (office only), and the rates of the years and forms the actor may see."""
    office = policy.can(actor, "attendance.office", school)
    forms = (
        policy.scope(actor, "schools.view_form", FormGroup).filter(school=school).select_related("year_group")
    )
    year_ids = {f.year_group_id for f in forms}
    form_rates = stats.form_rates(school=school, start=start, end=end)
    year_rates = stats.year_rates(school=school, start=start, end=end)
    years = (
        YearGroup.objects.filter(pk__in=year_ids) if not office else YearGroup.objects.filter(school=school)
    )
    return (
        stats.school_rate(school=school, start=start, end=end) if office else None,
        [(y, year_rates.get(y.pk, stats.Rate(0, 0))) for y in years],
        [(f, form_rates.get(f.pk, stats.Rate(0, 0))) for f in forms],
    )


def alerts(*, actor: Any) -> list[AttendanceAlert]:
    return list(
        AttendanceAlert.objects.for_actor(actor, "attendance.view_alerts")
        .filter(acknowledged_at__isnull=True)
        .select_related("pupil__data_key", "pupil__form_group", "pupil__year_group")[:200]
    )


# --- emergency roll-call ----------------------------------------------------------------------------------


@dataclass
class RollCallForm:
    form: FormGroup
    register: Register | None
    on_site: list[tuple[Pupil, Mark]] = field(default_factory=list)
    left: list[tuple[Pupil, Mark]] = field(default_factory=list)
    absent: list[tuple[Pupil, Mark]] = field(default_factory=list)
    unknown: list[Pupil] = field(default_factory=list)  # register not taken: check by sight


def roll_call(*, actor: Any, school: School, now: datetime.datetime | None = None) -> list[RollCallForm]:
    """Who should be on site now, per form, from the latest taken statutory register of today.

    A pupil is on site if that register marks them present or late (L or U) and they have not left early
    by now; the office reads lesson registers for where they are.
    """
    now = now or clock.now()
    registers = [
        r
        for r in services.registers_for_day(school=school, date=timezone.localdate(now))
        if r.form_group_id and services.at(r.date, r.period.starts_at) <= now
    ]
    latest: dict[int, Register] = {}
    for register in sorted(registers, key=lambda r: r.period.starts_at):
        before = latest.get(register.form_group_id)
        if before is None or register.taken_at is not None or before.taken_at is None:
            latest[register.form_group_id] = register  # the latest taken one, else the latest
    marks: dict[int, Mark] = {
        m.pupil_id: m
        for m in Mark.objects.for_actor(actor, "attendance.view_marks")
        .filter(register__in=[r for r in latest.values() if r.taken_at])
        .select_related("pupil__data_key")
    }
    pupils = (
        Pupil.objects.for_actor(actor, "pupils.view")
        .filter(school=school, on_roll=True)
        .select_related("data_key", "year_group", "form_group")
        .only(*LIST_FIELDS)
    )
    by_form: dict[int, list[Pupil]] = {}
    for pupil in pupils:
        by_form.setdefault(pupil.form_group_id, []).append(pupil)
    now_hhmm = timezone.localtime(now).strftime("%H:%M")
    result = []
    for form in FormGroup.objects.filter(school=school).select_related("year_group"):
        entry = RollCallForm(form=form, register=latest.get(form.pk))
        for pupil in sorted(by_form.get(form.pk, []), key=lambda p: p.sort_key):
            mark = marks.get(pupil.pk)
            if mark is None:
                entry.unknown.append(pupil)
            elif not codes.get(mark.code).on_site:
                entry.absent.append((pupil, mark))
            elif mark.left_at and mark.left_at <= now_hhmm:
                entry.left.append((pupil, mark))
            else:
                entry.on_site.append((pupil, mark))
        result.append(entry)
    return result


def visitors_on_site(*, actor: Any, school: School, date: datetime.date | None = None) -> list[Visitor]:
    date = date or clock.today()
    return list(
        Visitor.objects.for_actor(actor, "attendance.view_visitors")
        .filter(school=school, signed_in_at__date=date, signed_out_at__isnull=True)
        .select_related("data_key")
    )


def visitors_of_day(*, actor: Any, school: School, date: datetime.date | None = None) -> list[Visitor]:
    date = date or clock.today()
    return list(
        Visitor.objects.for_actor(actor, "attendance.view_visitors")
        .filter(school=school, signed_in_at__date=date)
        .select_related("data_key")
    )


def visitor_get(*, actor: Any, public_id: Any) -> Visitor:
    found = Visitor.objects.for_actor(actor, "attendance.view_visitors").filter(public_id=public_id).first()
    if found is None:
        raise policy.NotVisible("No visitor matches the given query.")
    return found


def mark_get(*, actor: Any, public_id: Any) -> Mark:
    found = (
        Mark.objects.for_actor(actor, "attendance.view_marks")
        .select_related("pupil__data_key", "register__period")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise policy.NotVisible("No mark matches the given query.")
    return found
