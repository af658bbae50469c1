"""Dashboards: grade distributions against targets, progress on the flight path, and the same by group.

Counts come from SQL (GROUP BY over the scoped results: the reason bare marks are stored in the clear).
Being on track needs each pupil's expected grade at the point, computed from their target row in Python.
Group breakdowns (disadvantaged, EAL, SEND, sex) decrypt those flags per pupil and are shown only for the
groups the actor's role may see (pupils.selectors.may_see_group / group_flags); every figure links to the
pupils behind it (drill), within the same scope.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.db.models import Count
from django.urls import reverse

from tutela import policy
from tutela.accounts.selectors import school_ids_of
from tutela.assessment import progress
from tutela.assessment.models import (
    AssessmentPlan,
    AssessmentPoint,
    GradeScale,
    Result,
    ResultKind,
    Target,
    mean_points,
)
from tutela.assessment.services import path_points
from tutela.core.charts import Series, bar_chart
from tutela.pupils import selectors as pupil_selectors
from tutela.pupils.models import ClassMembership, Pupil
from tutela.schools.models import Subject, TeachingGroup, YearGroup

GROUPS = (
    ("disadvantaged", "Disadvantaged (pupil premium)", "Not disadvantaged"),
    ("eal", "EAL", "Not EAL"),
    ("send", "SEND (support or EHC plan)", "No SEND"),
    ("sex", "Female", "Male"),
)


def _uuid(text: str | None) -> UUID | None:
    try:
        return UUID(text) if text else None
    except ValueError:
        return None


@dataclass
class Filters:
    year: YearGroup | None
    point: AssessmentPoint | None
    subject: Subject | None
    group: TeachingGroup | None
    years: list[YearGroup] = field(default_factory=list)
    points: list[AssessmentPoint] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    classes: list[TeachingGroup] = field(default_factory=list)

    def query(self, **extra: str) -> str:
        base = {
            "year": self.year.public_id if self.year else "",
            "point": self.point.public_id if self.point else "",
            "subject": self.subject.public_id if self.subject else "",
            "class": self.group.public_id if self.group else "",
        }
        return urlencode({k: v for k, v in {**base, **extra}.items() if v})


def filters_from(actor: Any, params: Any) -> Filters:
    """The year, point, subject and class asked for, within the actor's schools (others are ignored)."""
    schools = school_ids_of(actor)
    years = list(YearGroup.objects.filter(school__in=schools))
    year = next((y for y in years if y.public_id == _uuid(params.get("year"))), years[0] if years else None)
    points = list(AssessmentPoint.objects.filter(year_group=year)) if year else []
    chosen = _uuid(params.get("point"))
    point = next((p for p in points if p.public_id == chosen), None)
    if point is None and points:
        with_results = set(
            Result.objects.for_actor(actor, "assessment.view_results")
            .filter(point__in=points)
            .values_list("point_id", flat=True)
            .distinct()
        )
        point = next((p for p in reversed(points) if p.pk in with_results), points[0])
    subjects = list(Subject.objects.filter(school=year.school_id)) if year else []
    subject = next((s for s in subjects if s.public_id == _uuid(params.get("subject"))), None)
    classes = (
        list(
            policy.scope(actor, "assessment.view_markbook", TeachingGroup)
            .filter(year_group=year)
            .select_related("subject")
        )
        if year
        else []
    )
    group = next((c for c in classes if c.public_id == _uuid(params.get("class"))), None)
    return Filters(year, point, subject, group, years, points, subjects, classes)


@dataclass
class PupilProgress:
    pupil_id: int
    subject_id: int
    working_at: Decimal
    expected: Decimal | None
    target: Decimal | None
    status: str  # above / on / below, "" without a target

    @property
    def gap(self) -> Decimal | None:
        return None if self.expected is None else self.working_at - self.expected


def _scoped_results(actor: Any, f: Filters) -> Any:
    results = Result.objects.for_actor(actor, "assessment.view_results").filter(
        point=f.point, kind=ResultKind.WORKING_AT, pupil__year_group=f.year
    )
    if f.subject:
        results = results.filter(subject=f.subject)
    if f.group:
        members = ClassMembership.objects.filter(teaching_group=f.group).values("pupil_id")
        results = results.filter(subject=f.group.subject_id, pupil__in=members)
    return results


def pupil_progress(actor: Any, f: Filters) -> list[PupilProgress]:
    if f.point is None:
        return []
    rows = list(_scoped_results(actor, f).values_list("pupil_id", "subject_id", "points"))
    targets = {
        (t[0], t[1]): t
        for t in Target.objects.for_actor(actor, "assessment.view_targets")
        .filter(pupil__in={r[0] for r in rows}, subject__in={r[1] for r in rows})
        .values_list("pupil_id", "subject_id", "points", "start_points", "flight_path_id")
    }
    orders: dict[int, list[int]] = {}
    tolerances: dict[int, Decimal] = {}
    found = []
    for pupil_id, subject_id, points in rows:
        target = targets.get((pupil_id, subject_id))
        expected = status = None
        if target is not None:
            _, _, goal, start, path_id = target
            expected = goal
            if path_id and start is not None:
                if path_id not in orders:
                    from tutela.assessment.models import FlightPath

                    path = FlightPath.objects.get(pk=path_id)
                    orders[path_id] = [p.pk for p in path_points(path)]
                    tolerances[path_id] = path.tolerance
                if f.point.pk in orders[path_id]:
                    expected = progress.expected_points(
                        start, goal, orders[path_id].index(f.point.pk), len(orders[path_id])
                    )
            status = progress.track(points, expected, tolerances.get(path_id, Decimal("0.5")))
        found.append(
            PupilProgress(pupil_id, subject_id, points, expected, target[2] if target else None, status or "")
        )
    return found


@dataclass
class DistributionRow:
    label: str
    working_at: int
    target: int
    working_link: str
    target_link: str


@dataclass
class SubjectSummary:
    subject: Subject
    scale: GradeScale
    rows: list[DistributionRow]
    pupils: int
    on_or_above: int
    below: int
    no_target: int
    average: str
    on_or_above_link: str
    below_link: str
    chart: Any = None

    @property
    def on_or_above_percent(self) -> str:
        tracked = self.on_or_above + self.below
        return f"{round(100 * self.on_or_above / tracked)}%" if tracked else "-"


@dataclass
class GroupRow:
    key: str
    label: str
    pupils: int
    on_or_above: int
    below: int
    mean_gap: str
    link: str

    @property
    def on_or_above_percent(self) -> str:
        tracked = self.on_or_above + self.below
        return f"{round(100 * self.on_or_above / tracked)}%" if tracked else "-"


@dataclass
class Dashboard:
    filters: Filters
    subjects: list[SubjectSummary]
    groups: list[GroupRow]
    hidden_groups: list[str]


def _drill(f: Filters, **extra: str) -> str:
    # Hundreds of links per page: the path and the filters' part of the query are worked out once.
    cached = f.__dict__.get("_drill_base")
    if cached is None:
        query = f.query()
        cached = f"{reverse('assessment:drill')}?{query}{'&' if query else ''}"
        f.__dict__["_drill_base"] = cached
    return f"{cached}{urlencode(extra)}"


def dashboard(*, actor: Any, params: Any) -> Dashboard:
    f = filters_from(actor, params)
    if f.point is None:
        return Dashboard(f, [], [], [])
    results = _scoped_results(actor, f)
    counts = defaultdict(Counter)  # subject -> points -> pupils, from SQL
    for subject_id, points, n in (
        results.values_list("subject_id", "points").annotate(n=Count("id")).order_by()
    ):
        counts[subject_id][points] += n
    progress_rows = pupil_progress(actor, f)
    target_counts = defaultdict(Counter)
    targets = Target.objects.for_actor(actor, "assessment.view_targets").filter(
        pupil__in={r.pupil_id for r in progress_rows}
    )
    for subject_id, points, n in (
        targets.values_list("subject_id", "points").annotate(n=Count("id")).order_by()
    ):
        target_counts[subject_id][points] += n
    plans = {
        p.subject_id: p
        for p in AssessmentPlan.objects.filter(year_group=f.year).select_related("scale", "subject")
    }
    summaries = []
    for subject_id in sorted(counts, key=lambda s: plans[s].subject.name if s in plans else ""):
        plan = plans.get(subject_id)
        if plan is None:
            continue
        scale = plan.scale
        working, aimed = Counter(), Counter()
        for points, n in counts[subject_id].items():
            working[scale.format(points)] += n
        for points, n in target_counts[subject_id].items():
            aimed[scale.format(points)] += n
        sid = str(plan.subject.public_id)
        labels = [g.label for g in reversed(scale.grade_list())] or sorted(
            set(working) | set(aimed), reverse=True
        )
        rows = [
            DistributionRow(
                label,
                working[label],
                aimed[label],
                _drill(f, subject=sid, grade=label, measure="working_at"),
                _drill(f, subject=sid, grade=label, measure="target"),
            )
            for label in labels
            if working[label] or aimed[label]
        ]
        ascending = list(reversed(rows))  # a distribution reads low to high, left to right
        chart = bar_chart(
            title=f"{plan.subject.name}: pupils working at each grade, and with it as their target",
            labels=[r.label for r in ascending],
            series=[
                Series(
                    "Working at", [r.working_at for r in ascending], links=[r.working_link for r in ascending]
                ),
                Series("Target", [r.target for r in ascending], links=[r.target_link for r in ascending]),
            ],
            label_header="Grade",
            chart_id=f"dist-{plan.subject.public_id.hex[:8]}",
        )
        mine = [r for r in progress_rows if r.subject_id == subject_id]
        mean = mean_points([r.working_at for r in mine])
        summaries.append(
            SubjectSummary(
                subject=plan.subject,
                scale=scale,
                rows=rows,
                pupils=len(mine),
                on_or_above=sum(r.status in (progress.Track.ON, progress.Track.ABOVE) for r in mine),
                below=sum(r.status == progress.Track.BELOW for r in mine),
                no_target=sum(not r.status for r in mine),
                average=f"{scale.format(mean)} ({mean} points)" if mean is not None else "",
                on_or_above_link=_drill(f, subject=sid, status="on_or_above"),
                below_link=_drill(f, subject=sid, status="below"),
                chart=chart,
            )
        )
    groups, hidden = _group_rows(actor, f, progress_rows)
    return Dashboard(f, summaries, groups, hidden)


def _memberships(actor: Any, pupil_ids: set[int]) -> dict[str, dict[int, bool]]:
    """pupil -> in group, per group the actor may see (pupils whose flag they may not see are left out)."""
    visible: dict[str, dict[int, bool]] = {}
    flags = pupil_selectors.group_flags(actor=actor, pupil_ids=sorted(pupil_ids))
    for key in ("disadvantaged", "eal"):
        if pupil_selectors.may_see_group(actor=actor, group=key):
            visible[key] = {pk: getattr(v, key) for pk, v in flags.items() if getattr(v, key) is not None}
    if pupil_selectors.may_see_group(actor=actor, group="send"):
        visible["send"] = {pk: v.send in ("K", "E") for pk, v in flags.items() if v.send is not None}
    sexes = (
        Pupil.objects.for_actor(actor, "pupils.view")
        .filter(pk__in=pupil_ids)
        .only(
            "public_id", "sex", "school", "data_key__public_id", "data_key__wrapped_aead", "data_key__keyring"
        )
        .select_related("data_key")
    )
    visible["sex"] = {p.pk: p.sex == "F" for p in sexes}
    return visible


def _group_rows(actor: Any, f: Filters, rows: list[PupilProgress]) -> tuple[list[GroupRow], list[str]]:
    if not rows:
        return [], []
    members = _memberships(actor, {r.pupil_id for r in rows})
    out, hidden = [], []
    for key, yes_label, no_label in GROUPS:
        if key not in members:
            hidden.append(yes_label)
            continue
        for value, label in ((True, yes_label), (False, no_label)):
            mine = [r for r in rows if members[key].get(r.pupil_id) is value]
            gaps = [r.gap for r in mine if r.gap is not None]
            mean = (
                (sum(gaps, Decimal(0)) / len(gaps)).quantize(Decimal("0.01"), ROUND_HALF_UP) if gaps else None
            )
            out.append(
                GroupRow(
                    key=key,
                    label=label,
                    pupils=len({r.pupil_id for r in mine}),
                    on_or_above=sum(r.status in (progress.Track.ON, progress.Track.ABOVE) for r in mine),
                    below=sum(r.status == progress.Track.BELOW for r in mine),
                    mean_gap=("+" if mean and mean > 0 else "") + str(mean) if mean is not None else "-",
                    link=_drill(f, group=key, member="yes" if value else "no"),
                )
            )
    return out, hidden


# --- drill-down ---------------------------------------------------------------------------------------------


@dataclass
class DrillRow:
    name: str
    public_id: Any
    subject: str
    working_at: str
    expected: str
    target: str
    status: str
    status_text: str


@dataclass
class Drill:
    filters: Filters
    title: str
    rows: list[DrillRow]
    not_shown: int  # pupils behind the figure whose names the actor's pupil list does not include


def drill(*, actor: Any, params: Any) -> Drill:
    """The pupils behind one figure of the dashboard. A group the actor may not see is 404, not empty."""
    f = filters_from(actor, params)
    rows = pupil_progress(actor, f)
    title = []
    if params.get("group"):
        key = params["group"]
        if key not in {g[0] for g in GROUPS} or not pupil_selectors.may_see_group(actor=actor, group=key):
            raise policy.NotVisible("No such figure.")
        members = _memberships(actor, {r.pupil_id for r in rows}).get(key, {})
        wanted = params.get("member") == "yes"
        rows = [r for r in rows if members.get(r.pupil_id) is wanted]
        label = next(g for g in GROUPS if g[0] == key)[1 if wanted else 2]
        title.append(label)
    plans = {
        p.subject_id: p
        for p in AssessmentPlan.objects.filter(year_group=f.year).select_related("scale", "subject")
    }
    if params.get("grade"):
        measure = params.get("measure", "working_at")
        chosen = []
        for r in rows:
            plan = plans.get(r.subject_id)
            value = r.working_at if measure == "working_at" else r.target
            if plan and value is not None and plan.scale.format(value) == params["grade"]:
                chosen.append(r)
        rows = chosen
        title.append(f"{'target' if measure == 'target' else 'working at'} {params['grade']}")
    status = params.get("status")
    if status == "below":
        rows = [r for r in rows if r.status == progress.Track.BELOW]
        title.append("below track")
    elif status == "on_or_above":
        rows = [r for r in rows if r.status in (progress.Track.ON, progress.Track.ABOVE)]
        title.append("on or above track")
    names = {
        p.pk: p
        for p in Pupil.objects.for_actor(actor, "pupils.view")
        .filter(pk__in={r.pupil_id for r in rows})
        .select_related("data_key")
        .only(*pupil_selectors.LIST_FIELDS)
    }
    shown = []
    for r in rows:
        pupil = names.get(r.pupil_id)
        plan = plans.get(r.subject_id)
        if pupil is None or plan is None:
            continue
        shown.append(
            DrillRow(
                name=f"{pupil.last_name}, {pupil.first_name}",
                public_id=pupil.public_id,
                subject=plan.subject.name,
                working_at=plan.scale.format(r.working_at),
                expected=f"{r.expected}" if r.expected is not None else "",
                target=plan.scale.format(r.target) if r.target is not None else "",
                status=r.status,
                status_text=progress.TRACK_TEXT.get(r.status, "No target"),
            )
        )
    shown.sort(key=lambda d: (d.name.casefold(), d.subject))
    heading = ", ".join(title) or "All pupils"
    return Drill(filters=f, title=heading, rows=shown, not_shown=len(rows) - len(shown))
