"""Who may run report cycles, write comments and download reports.

- A cycle is run (created, generated, published) by the school's administrators, the trust's, or the head
  of its year.
- Comments are written by staff who may see the pupil; families never see a comment on its own, only in
  the published PDF.
- The pupil overview (attendance, progress and behaviour on one page) is for staff at the school who
  may see the pupil; each section shows only what the viewer may see in its own app.
- A report is downloaded by staff who may see the pupil at any time, and by the pupil's family (a guardian
  with portal access, or the pupil) once the cycle is published.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from tutela import policy
from tutela.accounts.models import Role
from tutela.accounts.selectors import roles_of, trust_school_ids
from tutela.core import clock
from tutela.policy.registry import rule
from tutela.pupils.models import Pupil
from tutela.reports.models import PupilReport, ReportComment, ReportCycle
from tutela.schools.models import YearGroup


def _staff_school_ids(user: Any) -> set[int]:
    return roles_of(user).teaching_schools() | trust_school_ids(user)


def cycle_manager_scope(user: Any) -> Q:
    roles = roles_of(user)
    return (
        Q(school__in=roles.schools_with(Role.SCHOOL_ADMIN))
        | Q(school__trust__in=roles.trusts_with(Role.TRUST_ADMIN))
        | Q(year_group__in=roles.year_groups())
    )


def year_groups_to_run(user: Any) -> Q:
    """Year groups the user may start a cycle for: the same people who manage a cycle of that year."""
    roles = roles_of(user)
    return (
        Q(school__in=roles.schools_with(Role.SCHOOL_ADMIN))
        | Q(school__trust__in=roles.trusts_with(Role.TRUST_ADMIN))
        | Q(pk__in=roles.year_groups())
    )


def may_run_cycles_for(user: Any, year_group: YearGroup) -> bool:
    return YearGroup.objects.filter(year_groups_to_run(user), pk=year_group.pk).exists()


def _pupils_seen_by_staff(user: Any) -> Q:
    """The pupils the user may see (pupils.view), limited to schools where the user works."""
    seen = Pupil.system.filter(rule("pupils.view").scope(user), school__in=_staff_school_ids(user))
    return Q(pupil__in=seen.values("pk"))


@policy.register(
    "reports.manage_cycle", model=ReportCycle, category="organisation", description="run this report cycle"
)
def manageable_cycles(user: Any) -> Q:
    return cycle_manager_scope(user)


@policy.register(
    "reports.view_cycle", model=ReportCycle, category="organisation", description="see this report cycle"
)
def visible_cycles(user: Any) -> Q:
    return cycle_manager_scope(user) | Q(school__in=_staff_school_ids(user))


@policy.register(
    "reports.write_comment",
    model=Pupil,
    category="education",
    description="write report comments on this pupil",
)
def pupils_open_to_comments(user: Any) -> Q:
    return rule("pupils.view").scope(user) & Q(school__in=_staff_school_ids(user))


@policy.register(
    "reports.view_comments",
    model=ReportComment,
    category="education",
    description="read report comments on this pupil",
)
def visible_comments(user: Any) -> Q:
    return _pupils_seen_by_staff(user)


@policy.register("reports.view", model=PupilReport, category="education", description="download this report")
def visible_reports(user: Any) -> Q:
    seen = Pupil.system.filter(rule("pupils.view").scope(user)).values("pk")
    published = Q(cycle__published_on__isnull=False, cycle__published_on__lte=clock.today())
    return Q(pupil__in=seen) & (Q(school__in=_staff_school_ids(user)) | published)


@policy.register(
    "reports.view_overview",
    model=Pupil,
    category="education",
    description="see this pupil's overview (attendance, progress, behaviour)",
)
def pupils_with_overview(user: Any) -> Q:
    """Staff at the pupil's school who may see the pupil; families have their own pages (the portal)."""
    return rule("pupils.view").scope(user) & Q(school__in=_staff_school_ids(user))
