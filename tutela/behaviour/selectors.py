"""Reads of behaviour records, always on behalf of an actor and through the policy (behaviour/rules.py)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, Sum

from tutela import policy
from tutela.accounts.models import TEACHING_ROLES, Membership, User
from tutela.behaviour import periods
from tutela.behaviour.models import (
    Alert,
    Category,
    Incident,
    IncidentStaff,
    IncidentWitness,
    Kind,
    Outcome,
    OutcomeKind,
    Threshold,
)
from tutela.core import clock
from tutela.pupils import selectors as pupils
from tutela.pupils.models import Pupil
from tutela.schools.models import FormGroup, School, TeachingGroup, YearGroup

_WITH_KEYS = ("pupil__data_key", "pupil__form_group", "pupil__year_group", "category", "reported_by")


# --- categories -----------------------------------------------------------------------------------------


def category_list(*, actor: Any) -> QuerySet[Category]:
    """The active categories of the actor's schools (to record with)."""
    return (
        policy.scope(actor, "behaviour.view_category", Category).select_related("school").filter(active=True)
    )


def manageable_schools(*, actor: Any) -> QuerySet[School]:
    return policy.scope(actor, "behaviour.manage_school", School).order_by("name")


@dataclass
class SchoolSetup:
    school: School
    categories: list[Category]
    thresholds: list[Threshold]


def school_setup(*, actor: Any) -> list[SchoolSetup]:
    """The schools the actor sets behaviour up for, with every category (retired too) and threshold."""
    schools = list(manageable_schools(actor=actor))
    categories = policy.scope(actor, "behaviour.manage_categories", Category).filter(school__in=schools)
    thresholds = policy.scope(actor, "behaviour.manage_thresholds", Threshold).filter(school__in=schools)
    return [
        SchoolSetup(
            school=school,
            categories=[c for c in categories if c.school_id == school.pk],
            thresholds=[t for t in thresholds if t.school_id == school.pk],
        )
        for school in schools
    ]


# --- incidents ------------------------------------------------------------------------------------------


def incident_list(
    *,
    actor: Any,
    pupil: Pupil | None = None,
    kind: str | None = None,
    reported_by: Any = None,
    limit: int = 200,
) -> list[Incident]:
    """Whole records the actor may see (staff), newest first."""
    records = Incident.objects.for_actor(actor, "behaviour.view").select_related(*_WITH_KEYS)
    if pupil is not None:
        records = records.filter(pupil=pupil)
    if reported_by is not None:
        records = records.filter(reported_by=reported_by)
    if kind:
        records = records.filter(kind=kind)
    return list(records[:limit])


def incident_get(*, actor: Any, public_id: Any) -> Incident:
    found = (
        Incident.objects.for_actor(actor, "behaviour.view")
        .select_related(*_WITH_KEYS)
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise policy.NotVisible("No behaviour record matches the given query.")
    return found


def family_incident_list(*, actor: Any, pupil: Pupil, limit: int = 200) -> list[Incident]:
    """What a parent or the pupil sees: achievements and shared incidents. The caller shows the summary
    fields only (category, points, date, status), never the description or location."""
    records = Incident.objects.for_actor(actor, "behaviour.view_family").filter(pupil=pupil)
    return list(records.select_related("category")[:limit])


def can_see(*, actor: Any, incident: Incident) -> bool:
    scoped = Incident.objects.for_actor(actor, "behaviour.view").without_read_audit()
    return scoped.filter(pk=incident.pk).exists()


def visible_incident_ids(*, actor: Any, incidents: list[Incident]) -> set[int]:
    scoped = Incident.objects.for_actor(actor, "behaviour.view").without_read_audit()
    return set(scoped.filter(pk__in=[i.pk for i in incidents]).values_list("pk", flat=True))


def markable_outcome_ids(*, actor: Any, outcomes: list[Outcome]) -> set[int]:
    scoped = Outcome.objects.for_actor(actor, "behaviour.mark_outcome").without_read_audit()
    return set(scoped.filter(pk__in=[o.pk for o in outcomes]).values_list("pk", flat=True))


def can_change(*, actor: Any, incident: Incident) -> bool:
    scoped = Incident.objects.for_actor(actor, "behaviour.change").without_read_audit()
    return scoped.filter(pk=incident.pk).exists()


def incident_witnesses(*, actor: Any, incident: Incident) -> list[IncidentWitness]:
    """The witnesses the actor may see as pupils; the others are not named (nor counted)."""
    links = IncidentWitness.objects.for_actor(actor, "behaviour.view_witness").filter(incident=incident)
    return sorted(links.select_related("witness__data_key"), key=lambda link: link.witness.sort_key)


def incident_staff(*, incident: Incident) -> list[User]:
    """Staff named as involved (staff names are shown to colleagues; User is not a scoped model)."""
    ids = IncidentStaff.objects.filter(incident=incident).values("user_id")
    return sorted(User.objects.filter(pk__in=ids), key=lambda u: u.display_name.casefold())


def incident_outcomes(*, actor: Any, incident: Incident) -> list[Outcome]:
    outcomes = Outcome.objects.for_actor(actor, "behaviour.view_outcome").filter(incident=incident)
    return list(outcomes.select_related("staff", "pupil__data_key"))


def family_outcomes(*, actor: Any, pupil: Pupil) -> list[Outcome]:
    outcomes = Outcome.objects.for_actor(actor, "behaviour.view_outcome_family").filter(pupil=pupil)
    return list(outcomes.select_related("incident"))


def outcome_get(*, actor: Any, public_id: Any) -> Outcome:
    found = (
        Outcome.objects.for_actor(actor, "behaviour.view_outcome")
        .select_related("incident", "pupil__data_key")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise policy.NotVisible("No follow-up matches the given query.")
    return found


def detentions_on(*, actor: Any, day: datetime.date) -> list[Outcome]:
    since, until = periods.datetime_bounds(day, day)
    detentions = Outcome.objects.for_actor(actor, "behaviour.view_outcome").filter(
        kind=OutcomeKind.DETENTION, happens_at__gte=since, happens_at__lt=until
    )
    rows = detentions.select_related("pupil__data_key", "pupil__form_group", "staff", "incident__category")
    return sorted(rows, key=lambda o: (o.happens_at, o.pupil.sort_key))


# --- people the recording form offers -------------------------------------------------------------------


def recording_groups(*, actor: Any) -> tuple[list[TeachingGroup], list[FormGroup]]:
    """The classes and forms the actor picks pupils from: their own, or (for those who teach none, such as
    a head of year or SLT) every class they may see."""
    classes = pupils.class_list(actor=actor)
    own = list(classes.filter(teachers=actor))
    forms = list(policy.scope(actor, "behaviour.view_form", FormGroup).filter(tutors=actor))
    if not own and not forms:
        own = list(classes)
        forms = list(policy.scope(actor, "behaviour.view_form", FormGroup))
    return own, forms


def group_pupils(*, actor: Any, group: TeachingGroup | FormGroup) -> list[Pupil]:
    """Pupils of a class or form the actor may record for, through the pupils app's selectors."""
    if isinstance(group, TeachingGroup):
        found = pupils.class_pupils(actor=actor, teaching_group=group)
    else:
        found = [
            p
            for p in pupils.pupil_list(actor=actor, year_group=group.year_group)
            if p.form_group_id == group.pk
        ]
    recordable = set(
        Pupil.objects.for_actor(actor, "behaviour.record")
        .without_read_audit()
        .filter(pk__in=[p.pk for p in found])
        .values_list("pk", flat=True)
    )
    return [p for p in found if p.pk in recordable]


def colleagues(*, actor: Any, school_ids: set[int], include_actor: bool = False) -> list[User]:
    """Staff at the given schools, to name as involved (or as a detention's supervisor)."""
    ids = Membership.objects.filter(school__in=school_ids, role__in=TEACHING_ROLES).values("user_id")
    staff = User.objects.filter(pk__in=ids, is_active=True)
    if not include_actor:
        staff = staff.exclude(pk=actor.pk)
    return sorted(staff, key=lambda u: u.display_name.casefold())


# --- totals and trends ----------------------------------------------------------------------------------


@dataclass
class Totals:
    achievement: int = 0
    incident: int = 0

    @property
    def net(self) -> int:
        return self.achievement + self.incident


@dataclass
class PupilSummary:
    week: Totals
    term: Totals | None
    all_time: Totals
    trend: list[WeekPoint] = field(default_factory=list)


@dataclass(frozen=True)
class WeekPoint:
    week: datetime.date
    achievement: int
    incident: int

    @property
    def net(self) -> int:
        return self.achievement + self.incident


def _totals(rows: QuerySet[Incident]) -> Totals:
    sums = rows.aggregate(
        achievement=Sum("points", filter=Q(kind=Kind.ACHIEVEMENT)),
        incident=Sum("points", filter=Q(kind=Kind.INCIDENT)),
    )
    return Totals(achievement=sums["achievement"] or 0, incident=sums["incident"] or 0)


def _between(rows: QuerySet[Incident], bounds: tuple[datetime.date, datetime.date]) -> QuerySet[Incident]:
    since, until = periods.datetime_bounds(*bounds)
    return rows.filter(occurred_at__gte=since, occurred_at__lt=until)


def _countable(actor: Any) -> QuerySet[Incident]:
    return Incident.objects.for_actor(actor, "behaviour.totals")


def weekly_trend(
    rows: QuerySet[Incident], *, weeks: int = 12, today: datetime.date | None = None
) -> list[WeekPoint]:
    """Points per school week for the last ``weeks`` weeks (oldest first), zero weeks included."""
    today = today or clock.today()
    first = periods.week_start(today) - datetime.timedelta(weeks=weeks - 1)
    buckets: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0])
    for occurred_at, kind, points in _between(rows, (first, today)).values_list(
        "occurred_at", "kind", "points"
    ):
        bucket = buckets[periods.week_start(periods.localdate(occurred_at))]
        bucket[0 if kind == Kind.ACHIEVEMENT else 1] += points
    return [
        WeekPoint(week=week, achievement=buckets[week][0], incident=buckets[week][1])
        for week in (first + datetime.timedelta(weeks=n) for n in range(weeks))
    ]


def pupil_summary(*, actor: Any, pupil: Pupil, weeks: int = 12) -> PupilSummary:
    """The pupil's running totals (points only) for staff who teach or look after them."""
    rows = _countable(actor).filter(pupil=pupil)
    today = clock.today()
    term = periods.term_bounds(school_id=pupil.school_id, day=today)
    return PupilSummary(
        week=_totals(_between(rows, periods.week_bounds(today))),
        term=_totals(_between(rows, term)) if term else None,
        all_time=_totals(rows),
        trend=weekly_trend(rows, weeks=weeks, today=today),
    )


def family_summary(records: list[Incident]) -> Totals:
    """Totals of what a family may see (computed from those rows only, so hidden incidents add nothing)."""
    totals = Totals()
    for record in records:
        if record.kind == Kind.ACHIEVEMENT:
            totals.achievement += record.points
        else:
            totals.incident += record.points
    return totals


@dataclass(frozen=True)
class PupilRow:
    pupil: Pupil
    week: Totals
    term: Totals


@dataclass
class GroupSummary:
    rows: list[PupilRow]
    week: Totals
    term: Totals
    term_bounds: tuple[datetime.date, datetime.date] | None
    trend: list[WeekPoint]


def _group_summary(actor: Any, school_id: int, members: list[Pupil], weeks: int) -> GroupSummary:
    rows = _countable(actor).filter(pupil__in=[p.pk for p in members])
    today = clock.today()
    term = periods.term_bounds(school_id=school_id, day=today)
    week_rows = _per_pupil(_between(rows, periods.week_bounds(today)))
    term_rows = _per_pupil(_between(rows, term)) if term else {}
    table = [
        PupilRow(pupil=p, week=week_rows.get(p.pk, Totals()), term=term_rows.get(p.pk, Totals()))
        for p in members
    ]
    return GroupSummary(
        rows=table,
        week=_totals(_between(rows, periods.week_bounds(today))),
        term=_totals(_between(rows, term)) if term else Totals(),
        term_bounds=term,
        trend=weekly_trend(rows, weeks=weeks, today=today),
    )


def _per_pupil(rows: QuerySet[Incident]) -> dict[int, Totals]:
    sums = rows.values("pupil_id").annotate(
        achievement=Sum("points", filter=Q(kind=Kind.ACHIEVEMENT)),
        incident=Sum("points", filter=Q(kind=Kind.INCIDENT)),
    )
    return {s["pupil_id"]: Totals(s["achievement"] or 0, s["incident"] or 0) for s in sums}


def form_get(*, actor: Any, public_id: Any) -> FormGroup:
    return policy.get_or_404(actor, "behaviour.view_form", FormGroup, public_id)


def year_get(*, actor: Any, public_id: Any) -> YearGroup:
    return policy.get_or_404(actor, "behaviour.view_year", YearGroup, public_id)


def form_summary(*, actor: Any, form: FormGroup, weeks: int = 12) -> GroupSummary:
    members = [
        p for p in pupils.pupil_list(actor=actor, year_group=form.year_group) if p.form_group_id == form.pk
    ]
    return _group_summary(actor, form.school_id, members, weeks)


def year_summary(*, actor: Any, year: YearGroup, weeks: int = 12) -> GroupSummary:
    members = pupils.pupil_list(actor=actor, year_group=year)
    return _group_summary(actor, year.school_id, members, weeks)


def form_list(*, actor: Any) -> QuerySet[FormGroup]:
    return policy.scope(actor, "behaviour.view_form", FormGroup).select_related("year_group")


def year_list(*, actor: Any) -> QuerySet[YearGroup]:
    return policy.scope(actor, "behaviour.view_year", YearGroup)


# --- alerts ---------------------------------------------------------------------------------------------


def alert_list(*, actor: Any, include_acknowledged: bool = False) -> list[Alert]:
    alerts = Alert.objects.for_actor(actor, "behaviour.view_alert").select_related(
        "threshold", "pupil__data_key", "pupil__form_group"
    )
    if not include_acknowledged:
        alerts = alerts.filter(acknowledged_at__isnull=True)
    return list(alerts)


def alert_get(*, actor: Any, public_id: Any) -> Alert:
    return policy.get_or_404(actor, "behaviour.view_alert", Alert, public_id)


def unread_alert_count(*, actor: Any) -> int:
    return Alert.objects.for_actor(actor, "behaviour.view_alert").filter(read_at__isnull=True).count()
