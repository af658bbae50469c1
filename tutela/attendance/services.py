"""Writes to registers, marks and the visitor log. Keyword-only, atomic, validated; saves are audited by
tutela.audit.writes in the same transaction.

Taking a register is idempotent and safe for two people at once:
- the register row is locked for the submission (``select_for_update``), so submissions to one register
  run one after the other on PostgreSQL (SQLite serialises all writes anyway);
- each mark carries a version. A client sends, per pupil, the version it was shown (0: no mark yet). A
  mark is written only if the stored version is still the one the client saw; otherwise the stored mark
  is kept and reported as a conflict, unless the client's mark says the same (then nothing happens).
  Submitting the same register twice therefore changes nothing, and a teacher whose screen predates a
  colleague's change cannot overwrite it with the "present" default.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tutela import audit
from tutela.attendance import codes
from tutela.attendance.models import AttendanceAlert, Mark, MarkAmendment, Register, SubCode, Visitor
from tutela.core import clock
from tutela.pupils.models import ClassMembership, Pupil
from tutela.schools.models import FormGroup, Period, School, TeachingGroup, TimetableSlot
from tutela.vault import keys

NO_UNSCOPED_CHECKS = {"validate_unique": False, "validate_constraints": False}
MARK_RELATIONS = ["school", "register", "pupil", "recorded_by"]


@dataclass(frozen=True)
class MarkInput:
    pupil_id: int
    code: str
    base_version: int = 0
    minutes_late: int | None = None
    sub_code: str = ""


@dataclass
class SubmitResult:
    written: list[int] = field(default_factory=list)  # pupil ids whose mark was created or changed
    unchanged: list[int] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)  # kept as stored: someone changed it meanwhile


# --- registers ------------------------------------------------------------------------------------------


def at(date: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(date, time))


def register_closes_at(register: Register) -> datetime.datetime:
    return at(register.date, register.period.register_closes_at)


def register_is_closed(register: Register, now: datetime.datetime | None = None) -> bool:
    return (now or clock.now()) > register_closes_at(register)


def register_get_or_create(
    *,
    date: datetime.date,
    period: Period,
    form_group: FormGroup | None = None,
    teaching_group: TeachingGroup | None = None,
) -> Register:
    """The register for a group, period and date (created empty the first time: idempotent)."""
    group = form_group or teaching_group
    if group is None or (form_group and teaching_group):
        raise ValidationError("A register is for one form or one class.")
    if group.school_id != period.school_id:
        raise ValidationError({"period": "This period belongs to another school."})
    if form_group and period.kind != Period.Kind.REGISTRATION:
        raise ValidationError({"period": "A form's register is taken in a registration session."})
    if teaching_group and period.kind != Period.Kind.LESSON:
        raise ValidationError({"period": "A class's register is taken in a lesson period."})
    register, _ = Register.objects.get_or_create(
        date=date,
        period=period,
        form_group=form_group,
        teaching_group=teaching_group,
        defaults={"school_id": group.school_id},
    )
    return register


def registers_for_day(*, school: School, date: datetime.date) -> list[Register]:
    """Every register the timetable gives a school on a date: each form AM and PM, each timetabled lesson.

    Empty rows (no marks) are created on first use, in one statement and idempotently (a concurrent
    caller's rows are kept), so the office can see which registers have not been taken.
    """
    wanted: list[Register] = []
    for period in Period.objects.filter(school=school, kind=Period.Kind.REGISTRATION):
        for form in FormGroup.objects.filter(school=school).only("pk"):
            wanted.append(Register(school=school, date=date, period=period, form_group=form))
    slots = TimetableSlot.objects.filter(school=school, weekday=date.weekday()).select_related("period")
    for slot in slots:
        wanted.append(
            Register(school=school, date=date, period=slot.period, teaching_group_id=slot.teaching_group_id)
        )
    existing = Register.objects.filter(school=school, date=date)
    have = {(r.period_id, r.form_group_id, r.teaching_group_id) for r in existing}
    missing = [r for r in wanted if (r.period_id, r.form_group_id, r.teaching_group_id) not in have]
    if missing:
        Register.objects.bulk_create(missing, ignore_conflicts=True)
    return list(
        Register.objects.filter(school=school, date=date).select_related(
            "period", "form_group", "teaching_group"
        )
    )


def register_roster_ids(register: Register) -> set[int]:
    """The pupils on a register: the form's pupils on roll, or the class's members on roll."""
    if register.form_group_id:
        pupils = Pupil.system.filter(form_group_id=register.form_group_id, on_roll=True)
    else:
        members = ClassMembership.objects.filter(teaching_group_id=register.teaching_group_id)
        pupils = Pupil.system.filter(pk__in=members.values("pupil_id"), on_roll=True)
    return set(pupils.values_list("pk", flat=True))


# --- marks ----------------------------------------------------------------------------------------------


def _resolve_code(
    register: Register, given: MarkInput, now: datetime.datetime
) -> tuple[str, int | None, str]:
    """(national code, minutes late, sub-code) for one input, applying the late rule.

    Late arrival: L if the pupil arrived before the register closed, U after (DfE guidance 2024, codes L
    and U). Minutes late are counted from the start of the session; if none are given, from now.
    """
    code, sub_code = given.code, given.sub_code
    if sub_code:
        found = SubCode.objects.filter(school_id=register.school_id, code=sub_code).first()
        if found is None:
            raise ValidationError({"sub_code": f"{sub_code!r} is not one of this school's codes."})
        code = found.statutory_code
    codes.get(code)  # raises for an unknown code
    if code in ("/", "\\"):
        code = codes.present_code(register.period.session)
    minutes = given.minutes_late
    if code in (codes.LATE_BEFORE_CLOSE, codes.LATE_AFTER_CLOSE):
        start = at(register.date, register.period.starts_at)
        if minutes is None:
            minutes = max(1, int((now - start).total_seconds() // 60))
        if minutes < 0 or minutes > 24 * 60:
            raise ValidationError({"minutes_late": "Minutes late must be between 0 and 1440."})
        arrived = start + datetime.timedelta(minutes=minutes)
        code = codes.LATE_AFTER_CLOSE if arrived > register_closes_at(register) else codes.LATE_BEFORE_CLOSE
    else:
        minutes = None
    return code, minutes, sub_code


def _apply(mark: Mark, code: str, minutes: int | None, sub_code: str) -> None:
    info = codes.get(code)
    mark.code = code
    mark.minutes_late = minutes
    mark.sub_code = sub_code
    mark.category = info.category.value
    mark.possible = info.possible
    mark.unexplained = code == codes.NOT_YET_KNOWN


@transaction.atomic
def register_submit(
    *,
    actor: Any,
    register: Register,
    marks: list[MarkInput],
    reason: str = "",
    now: datetime.datetime | None = None,
) -> SubmitResult:
    """Records a register's marks (see the module docstring for idempotence and concurrency).

    Changing a mark after the register closed needs a reason; each such change is kept as a
    MarkAmendment (old code, new code, reason: encrypted) besides the audit event.
    """
    now = now or clock.now()
    register = Register.objects.select_for_update().select_related("period").get(pk=register.pk)
    roster = register_roster_ids(register)
    if len({m.pupil_id for m in marks}) != len(marks):
        raise ValidationError({"marks": "A pupil is marked twice in one submission: send one mark each."})
    strangers = {m.pupil_id for m in marks} - roster
    if strangers:
        raise ValidationError({"marks": f"{len(strangers)} pupil(s) are not on this register."})
    closed = register_is_closed(register, now)
    reason = reason.strip()
    stored = {
        m.pupil_id: m
        for m in Mark.system.filter(register=register).select_related("pupil__data_key", "register")
    }
    pupils = {
        p.pk: p for p in Pupil.system.filter(pk__in={m.pupil_id for m in marks}).select_related("data_key")
    }
    result = SubmitResult()
    created: list[Mark] = []
    for given in marks:
        code, minutes, sub_code = _resolve_code(register, given, now)
        existing = stored.get(given.pupil_id)
        if existing is None:
            mark = Mark(school_id=register.school_id, register=register, pupil=pupils[given.pupil_id])
            _apply(mark, code, minutes, sub_code)
            mark.recorded_at, mark.recorded_by = now, actor
            mark.clean_fields(exclude=MARK_RELATIONS)  # the relations are the ones just loaded
            created.append(mark)
            result.written.append(given.pupil_id)
            continue
        same = (existing.code, existing.minutes_late, existing.sub_code) == (code, minutes, sub_code)
        if same:
            result.unchanged.append(given.pupil_id)
        elif existing.version != given.base_version:
            result.conflicts.append(given.pupil_id)
        else:
            if closed and not reason:
                raise ValidationError(
                    {"reason": "This register has closed: give a reason for changing a mark."}
                )
            old_code = existing.code
            _apply(existing, code, minutes, sub_code)
            existing.version += 1
            existing.recorded_at, existing.recorded_by = now, actor
            existing.save()
            if closed:
                MarkAmendment(
                    school_id=register.school_id,
                    mark=existing,
                    pupil=existing.pupil,
                    old_code=old_code,
                    new_code=code,
                    reason=reason,
                    changed_at=now,
                    changed_by=actor,
                ).save()
            result.written.append(given.pupil_id)
    if created:
        # One insert and one audit event for a register's new marks (a form of 30 at 8:45 is one write,
        # not 30): bulk_create still encrypts every field (pre_save), but sends no post_save signal, so
        # the event naming every pupil is recorded here, in the same transaction.
        Mark.system.bulk_create(created)
        audit.record(
            kind="create",
            action="attendance.mark.create",
            target=register,
            subjects=[m.pupil.public_id for m in created],
            categories=["attendance"],
            fields=list(Mark.Privacy.categories["attendance"]),
        )
    if register.taken_at is None and marks:
        register.taken_at, register.taken_by = now, actor
        register.save(update_fields=["taken_at", "taken_by"])
    return result


@transaction.atomic
def mark_early_leave(
    *, actor: Any, mark: Mark, left_at: datetime.time, reason: str, now: datetime.datetime | None = None
) -> Mark:
    """Records that a pupil left before the end of the session, when and why (both encrypted)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"left_reason": "Say why the pupil left early (e.g. collected by parent)."})
    mark = Mark.system.select_for_update().select_related("pupil__data_key").get(pk=mark.pk)
    if not codes.get(mark.code).on_site:
        raise ValidationError({"left_at": "Only a pupil marked present can leave early."})
    mark.left_at = left_at.strftime("%H:%M")
    mark.left_reason = reason
    mark.version += 1
    mark.recorded_at, mark.recorded_by = now or clock.now(), actor
    mark.save()
    return mark


def subcode_create(*, school: School, code: str, label: str, statutory_code: str) -> SubCode:
    codes.get(statutory_code)
    sub = SubCode(school=school, code=code.strip().upper(), label=label, statutory_code=statutory_code)
    if sub.code in codes.CODES:
        raise ValidationError({"code": f"{sub.code} is a national code: choose a code of the school's own."})
    if SubCode.objects.filter(school=school, code=sub.code).exists():
        raise ValidationError({"code": f"This school already has a code {sub.code}."})
    sub.full_clean()
    sub.save()
    return sub


# --- visitors -------------------------------------------------------------------------------------------


@transaction.atomic
def visitor_sign_in(
    *,
    actor: Any,
    school: School,
    name: str,
    organisation: str = "",
    visiting: str = "",
    badge: str = "",
    now: datetime.datetime | None = None,
) -> Visitor:
    """Signs a visitor in. Each visit gets its own data key under the school's keyring."""
    visitor = Visitor(
        school=school,
        name=name.strip(),
        organisation=organisation.strip(),
        visiting=visiting.strip(),
        badge=badge.strip(),
        signed_in_at=now or clock.now(),
        signed_in_by=actor,
    )
    if not visitor.name:
        raise ValidationError({"name": "Enter the visitor's name."})
    visitor.full_clean(exclude=["data_key", "signed_in_by"], **NO_UNSCOPED_CHECKS)
    visitor.data_key = keys.data_key_create(keyring=school.keyring)
    visitor.save()
    return visitor


@transaction.atomic
def visitor_sign_out(*, actor: Any, visitor: Visitor, now: datetime.datetime | None = None) -> Visitor:
    visitor = Visitor.system.select_for_update().get(pk=visitor.pk)
    if visitor.signed_out_at is None:
        visitor.signed_out_at = now or clock.now()
        visitor.save(update_fields=["signed_out_at"])
    return visitor


# --- alerts ---------------------------------------------------------------------------------------------


@transaction.atomic
def alerts_raise(
    *, school: School, start: datetime.date, end: datetime.date, today: datetime.date | None = None
) -> list[AttendanceAlert]:
    """Raises an alert for each pupil whose attendance over [start, end] has crossed below 90 % or 50 %.

    One alert per pupil and threshold since ``start``: a pupil already flagged is not flagged again.
    """
    from tutela.attendance.stats import THRESHOLDS, pupil_rates

    today = today or clock.today()
    rates = pupil_rates(school=school, start=start, end=end)
    already = set(
        AttendanceAlert.system.filter(school=school, raised_on__gte=start).values_list(
            "pupil_id", "threshold"
        )
    )
    pupils = {p.pk: p for p in Pupil.system.filter(pk__in=rates).select_related("data_key")}
    raised = []
    for pupil_id, rate in rates.items():
        if rate.percentage is None:
            continue
        for threshold in THRESHOLDS:
            if rate.below(threshold) and (pupil_id, threshold) not in already:
                alert = AttendanceAlert(
                    school=school,
                    pupil=pupils[pupil_id],
                    threshold=threshold,
                    percentage=f"{rate.percentage:.1f}",
                    raised_on=today,
                )
                alert.save()
                raised.append(alert)
    return raised
