"""Reads for reports, always on behalf of an actor and through the policy."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from tutela import policy
from tutela.accounts.models import Role
from tutela.accounts.selectors import roles_of
from tutela.attendance import selectors as attendance_selectors
from tutela.pupils import selectors as pupil_selectors
from tutela.pupils.models import ClassMembership, Pupil
from tutela.reports import rules
from tutela.reports.models import PupilReport, ReportComment, ReportCycle
from tutela.reports.sections import Section, overview_sections
from tutela.schools.models import YearGroup


def cycle_list(*, actor: Any) -> QuerySet[ReportCycle]:
    return policy.scope(actor, "reports.view_cycle", ReportCycle).select_related("year_group", "school")


def cycle_get(*, actor: Any, public_id: Any) -> ReportCycle:
    return policy.get_or_404(actor, "reports.view_cycle", ReportCycle, public_id)


def can_manage(*, actor: Any, cycle: ReportCycle) -> bool:
    return policy.can(actor, "reports.manage_cycle", cycle)


def year_groups_to_run(*, actor: Any) -> QuerySet[YearGroup]:
    """Year groups the actor may start a cycle for (the same people who manage one)."""
    return (
        YearGroup.objects.filter(rules.year_groups_to_run(actor))
        .select_related("school")
        .order_by("school__name", "national_curriculum_year")
    )


@dataclass(frozen=True)
class CycleRow:
    pupil: Pupil
    report: PupilReport | None
    may_comment: bool


def cycle_rows(*, actor: Any, cycle: ReportCycle) -> list[CycleRow]:
    pupils = pupil_selectors.pupil_list(actor=actor, year_group=cycle.year_group)
    ids = [p.pk for p in pupils]
    reports = {
        r.pupil_id: r
        for r in PupilReport.objects.for_actor(actor, "reports.view").filter(cycle=cycle, pupil__in=ids)
    }
    commentable = set(
        Pupil.objects.for_actor(actor, "reports.write_comment")
        .without_read_audit()
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    return [CycleRow(p, reports.get(p.pk), p.pk in commentable) for p in pupils]


def comment_pupil_get(*, actor: Any, cycle: ReportCycle, public_id: Any) -> Pupil:
    pupil = pupil_selectors.pupil_get(actor=actor, public_id=public_id, action="reports.write_comment")
    if pupil.year_group_id != cycle.year_group_id:
        raise policy.NotVisible("This pupil is not in the cycle's year group.")
    return pupil


def comments_for(*, actor: Any, cycle: ReportCycle, pupil: Pupil) -> list[ReportComment]:
    return list(
        ReportComment.objects.for_actor(actor, "reports.view_comments")
        .filter(cycle=cycle, pupil=pupil)
        .select_related("author")
    )


def comment_headings(*, actor: Any, pupil: Pupil) -> list[str]:
    """What the actor writes about this pupil as: the subjects they teach them, their form, their role."""
    taught = ClassMembership.objects.filter(pupil=pupil, teaching_group__teachers=actor).values_list(
        "teaching_group__subject__name", flat=True
    )
    headings = sorted(set(taught))
    if pupil.form_group_id and pupil.form_group.tutors.filter(pk=actor.pk).exists():
        headings.append("Form tutor")
    roles = roles_of(actor)
    if pupil.year_group_id in roles.year_groups():
        headings.append("Head of year")
    if pupil.school_id in roles.schools_with(Role.SCHOOL_ADMIN) or roles.has(Role.TRUST_ADMIN):
        headings.append("Headteacher")
    if pupil.school_id in roles.schools_with(Role.SENCO):
        headings.append("SENCO")
    return headings or ["General"]


def report_get(*, actor: Any, public_id: Any) -> PupilReport:
    return policy.get_or_404(actor, "reports.view", PupilReport, public_id)


def family_reports(*, actor: Any) -> list[PupilReport]:
    """Published reports of the actor's own children (or their own, for a pupil), newest first."""
    reports = (
        PupilReport.objects.for_actor(actor, "reports.view")
        .filter(cycle__published_on__isnull=False)
        .select_related("cycle", "pupil", "pupil__data_key")
        .order_by("-cycle__covers_to")
    )
    return list(reports)


# --- the pupil overview ("the whole picture") ---------------------------------------------------------------


def overview_pupil_get(*, actor: Any, public_id: Any) -> Pupil:
    """The pupil, for staff at their school who may see them (404 for everyone else, families included)."""
    return pupil_selectors.pupil_get(actor=actor, public_id=public_id, action="reports.view_overview")


def overview(*, actor: Any, pupil: Pupil, start: datetime.date, end: datetime.date) -> list[Section]:
    return overview_sections(actor, pupil, start, end)


def overview_default_range(*, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The current academic year to date (from 1 September, the DfE's attendance year)."""
    return attendance_selectors.academic_year_start(today), today
