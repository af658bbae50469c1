"""Reads for assessment, always on behalf of an actor and through the policy.

The markbook grid loads values only (comments stay sealed until one cell is opened), so a 32 x 40 grid is
one query for the marks and no decryption beyond the pupils' names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from tutela import audit, policy
from tutela.assessment import progress
from tutela.assessment.models import (
    AssessmentPlan,
    AssessmentPoint,
    CurriculumObjective,
    Mark,
    MarkColumn,
    ObjectiveLevel,
    ObjectiveMark,
    Result,
    ResultKind,
    Target,
    mean_points,
)
from tutela.assessment.services import path_points
from tutela.pupils import selectors as pupil_selectors
from tutela.pupils.models import Pupil
from tutela.schools.models import TeachingGroup

DEFAULT_TOLERANCE = Decimal("0.5")


def markbook_classes(*, actor: Any) -> list[TeachingGroup]:
    visible = policy.scope(actor, "assessment.view_markbook", TeachingGroup)
    return list(visible.select_related("subject", "year_group"))


def markbook_class_get(*, actor: Any, public_id: Any) -> TeachingGroup:
    found = (
        policy.scope(actor, "assessment.view_markbook", TeachingGroup)
        .select_related("subject", "year_group", "school")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise policy.NotVisible("No class matches the given query.")
    return found


def can_edit_markbook(*, actor: Any, teaching_group: TeachingGroup) -> bool:
    return policy.can(actor, "assessment.edit_markbook", teaching_group)


def column_get(*, actor: Any, public_id: Any) -> MarkColumn:
    found = (
        policy.scope(actor, "assessment.view_column", MarkColumn)
        .select_related("teaching_group__subject", "teaching_group__school", "scale", "point")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise policy.NotVisible("No column matches the given query.")
    return found


def roster(*, actor: Any, teaching_group: TeachingGroup) -> list[Pupil]:
    return pupil_selectors.class_roster(
        actor=actor, teaching_group=teaching_group, granted_by="assessment.view_markbook"
    )


def roster_pupil(*, actor: Any, teaching_group: TeachingGroup, public_id: Any) -> Pupil:
    try:
        wanted = UUID(str(public_id))
    except ValueError:
        raise policy.NotVisible("No pupil matches the given query.") from None
    found = pupil_selectors.class_roster(
        actor=actor, teaching_group=teaching_group, granted_by="assessment.view_markbook", public_id=wanted
    )
    if not found:
        raise policy.NotVisible("No pupil matches the given query.")
    return found[0]


def mark_get(*, actor: Any, column: MarkColumn, pupil: Pupil) -> Mark | None:
    """One cell with its comment (decrypted: the one place a comment is opened)."""
    return (
        Mark.objects.for_actor(actor, "assessment.view_marks")
        .filter(column=column, pupil=pupil)
        .select_related("pupil__data_key")
        .first()
    )


def mark_by_public_id(*, actor: Any, public_id: Any) -> Mark:
    found = (
        Mark.objects.for_actor(actor, "assessment.view_marks")
        .filter(public_id=public_id)
        .select_related("column__teaching_group", "column__scale", "pupil__data_key")
        .first()
    )
    if found is None:
        raise policy.NotVisible("No mark matches the given query.")
    return found


# --- the grid -----------------------------------------------------------------------------------------------


@dataclass
class Cell:
    column: MarkColumn
    pupil: Pupil
    points: Decimal | None
    text: str
    status: str = ""  # above / on / below (track), "" when there is nothing to compare with
    status_text: str = ""
    error: str = ""
    typed: str = ""  # what was typed, shown back with an error

    @property
    def dom_id(self) -> str:
        return f"c-{self.column.public_id.hex[:12]}-{self.pupil.public_id.hex[:12]}"


@dataclass
class Row:
    pupil: Pupil
    cells: list[Cell]
    total: str  # weighted total, percent
    target: str


@dataclass
class Markbook:
    group: TeachingGroup
    columns: list[MarkColumn]
    rows: list[Row]
    averages: list[str]
    can_edit: bool
    targets_shown: bool = field(default=True)


def _fraction_total(cells: list[Cell]) -> str:
    """Weighted total, as a percentage: sum(weight x fraction of the column's range) / sum(weight) over the
    cells that have a value (an empty cell is left out, not counted as zero)."""
    weight = sum((c.column.weight for c in cells if c.points is not None), Decimal(0))
    if not weight:
        return ""
    total = sum(
        (c.column.weight * c.column.fraction(c.points) for c in cells if c.points is not None), Decimal(0)
    )
    return f"{(100 * total / weight).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


class _Expectations:
    """Expected points per (pupil, point) from each pupil's target and its flight path."""

    def __init__(self, targets: dict[int, Target]) -> None:
        self.targets = targets
        self._paths: dict[int, list[int]] = {}

    def expected(self, column: MarkColumn, target: Target) -> tuple[Decimal, str]:
        """What to compare with: the flight path's expected grade at the column's point, else the target."""
        if column.point_id and target.flight_path_id and target.start_points is not None:
            order = self._path(target)
            if column.point_id in order:
                index = order.index(column.point_id)
                return progress.expected_points(
                    target.start_points, target.points, index, len(order)
                ), "expected"
        return target.points, "target"

    def expected_text(self, column: MarkColumn, target: Target) -> str:
        value, what = self.expected(column, target)
        return f"{target.scale.format(value)} ({value})" if what == "expected" else ""

    def compare(self, column: MarkColumn, pupil_id: int, points: Decimal) -> tuple[str, str]:
        target = self.targets.get(pupil_id)
        if target is None or column.scale_id is None or column.scale_id != target.scale_id:
            return "", ""
        tolerance = target.flight_path.tolerance if target.flight_path else DEFAULT_TOLERANCE
        expected, what = self.expected(column, target)
        status = progress.track(points, expected, tolerance)
        gap = (Decimal(points) - expected).quantize(Decimal("0.01"))
        sign = "+" if gap > 0 else ""
        return status, f"{progress.TRACK_TEXT[status]} ({sign}{gap} vs {what})"

    def _path(self, target: Target) -> list[int]:
        path_id = target.flight_path_id
        if path_id not in self._paths:
            self._paths[path_id] = [p.pk for p in path_points(target.flight_path)]  # type: ignore[arg-type]
        return self._paths[path_id]


def cell_for(
    *, column: MarkColumn, pupil: Pupil, points: Decimal | None, expectations: _Expectations | None
) -> Cell:
    cell = Cell(column=column, pupil=pupil, points=points, text=column.format(points))
    if points is not None and expectations is not None:
        cell.status, cell.status_text = expectations.compare(column, pupil.pk, points)
    return cell


def expectations_for(*, actor: Any, teaching_group: TeachingGroup, pupils: list[Pupil]) -> _Expectations:
    targets = Target.objects.for_actor(actor, "assessment.view_targets").filter(
        pupil__in=[p.pk for p in pupils], subject=teaching_group.subject_id
    )
    # The pupil is joined because evaluating the scoped queryset records a read naming each pupil.
    found = {t.pupil_id: t for t in targets.select_related("scale", "flight_path", "pupil").defer("reason")}
    # One scale object per scale, so its grades are loaded once (not once per pupil's target).
    scales: dict[int, Any] = {}
    for target in found.values():
        target.scale = scales.setdefault(target.scale_id, target.scale)
    return _Expectations(found)


def markbook(*, actor: Any, teaching_group: TeachingGroup) -> Markbook:
    columns = list(MarkColumn.objects.filter(teaching_group=teaching_group).select_related("scale", "point"))
    scales = {c.scale_id: c.scale for c in columns if c.scale_id}
    for column in columns:  # one Grade query per scale, not per column
        if column.scale_id:
            column.scale = scales[column.scale_id]
    pupils = roster(actor=actor, teaching_group=teaching_group)
    values: dict[tuple[int, int], Decimal | None] = {
        (column_id, pupil_id): points
        for column_id, pupil_id, points in Mark.objects.for_actor(actor, "assessment.view_marks")
        .filter(column__teaching_group=teaching_group)
        .values_list("column_id", "pupil_id", "points")
    }
    if values:
        audit.record_read(
            target_type="assessment.mark",
            subjects=sorted(
                {str(p.public_id) for p in pupils if any((c.pk, p.pk) in values for c in columns)}
            ),
            categories=["attainment"],
        )
    expectations = expectations_for(actor=actor, teaching_group=teaching_group, pupils=pupils)
    for target in expectations.targets.values():  # share the columns' scale objects (grades loaded once)
        target.scale = scales.get(target.scale_id, target.scale)
    rows = []
    for pupil in pupils:
        cells = [
            cell_for(column=c, pupil=pupil, points=values.get((c.pk, pupil.pk)), expectations=expectations)
            for c in columns
        ]
        target = expectations.targets.get(pupil.pk)
        rows.append(
            Row(
                pupil=pupil,
                cells=cells,
                total=_fraction_total(cells),
                target=target.scale.format(target.points) if target else "",
            )
        )
    averages = []
    for index, column in enumerate(columns):
        mean = mean_points([r.cells[index].points for r in rows if r.cells[index].points is not None])
        averages.append(column.format(mean) if mean is not None else "")
    return Markbook(
        group=teaching_group,
        columns=columns,
        rows=rows,
        averages=averages,
        can_edit=can_edit_markbook(actor=actor, teaching_group=teaching_group),
    )


def points_for_year(*, year_group: Any) -> list[AssessmentPoint]:
    return list(AssessmentPoint.objects.filter(year_group=year_group))


# --- data drops: working-at and predicted grades for a class at a point -----------------------------------


@dataclass
class ResultCell:
    pupil: Pupil
    kind: str
    text: str
    status: str = ""
    status_text: str = ""
    error: str = ""
    typed: str = ""

    @property
    def dom_id(self) -> str:
        return f"r-{self.kind}-{self.pupil.public_id.hex[:12]}"


@dataclass
class ResultRow:
    pupil: Pupil
    target: str
    target_id: Any
    expected: str
    working_at: ResultCell
    predicted: ResultCell


@dataclass
class DataDrop:
    group: TeachingGroup
    point: AssessmentPoint | None
    points: list[AssessmentPoint]
    plan: AssessmentPlan | None
    rows: list[ResultRow]
    can_edit: bool


def _plan(teaching_group: TeachingGroup) -> AssessmentPlan | None:
    return (
        AssessmentPlan.objects.filter(
            year_group=teaching_group.year_group_id, subject=teaching_group.subject_id
        )
        .select_related("scale")
        .first()
    )


def result_cell(
    *,
    plan: AssessmentPlan,
    point: AssessmentPoint,
    pupil: Pupil,
    kind: str,
    points: Decimal | None,
    expectations: _Expectations,
) -> ResultCell:
    cell = ResultCell(pupil=pupil, kind=kind, text=plan.scale.format(points))
    if points is not None and kind == ResultKind.WORKING_AT:
        probe = SimpleNamespace(scale_id=plan.scale_id, point_id=point.pk)
        cell.status, cell.status_text = expectations.compare(probe, pupil.pk, points)  # type: ignore[arg-type]
    return cell


def data_drop(*, actor: Any, teaching_group: TeachingGroup, point_id: Any) -> DataDrop:
    """Working-at and predicted grades of a class's pupils in its subject at one point (default: the first
    point without working-at grades for the class, else the last)."""
    points = list(AssessmentPoint.objects.filter(year_group=teaching_group.year_group_id))
    plan = _plan(teaching_group)
    pupils = roster(actor=actor, teaching_group=teaching_group)
    results = Result.objects.for_actor(actor, "assessment.view_results").filter(
        subject=teaching_group.subject_id, pupil__in=[p.pk for p in pupils]
    )
    point = next((p for p in points if str(p.public_id) == str(point_id)), None)
    if point is None and points:
        done = set(results.filter(kind=ResultKind.WORKING_AT).values_list("point_id", flat=True).distinct())
        point = next((p for p in points if p.pk not in done), points[-1])
    can_edit = policy.can(actor, "assessment.edit_markbook", teaching_group)
    if plan is None or point is None:
        return DataDrop(teaching_group, point, points, plan, [], can_edit)
    values = {
        (pid, kind): pts
        for pid, kind, pts in results.filter(point=point).values_list("pupil_id", "kind", "points")
    }
    if values:
        audit.record_read(
            target_type="assessment.result",
            subjects=sorted(
                {
                    str(p.public_id)
                    for p in pupils
                    if (p.pk, ResultKind.WORKING_AT) in values or (p.pk, ResultKind.PREDICTED) in values
                }
            ),
            categories=["attainment"],
        )
    expectations = expectations_for(actor=actor, teaching_group=teaching_group, pupils=pupils)
    rows = []
    for pupil in pupils:
        target = expectations.targets.get(pupil.pk)
        expected = ""
        if target is not None:
            probe = SimpleNamespace(scale_id=plan.scale_id, point_id=point.pk)
            expected = expectations.expected_text(probe, target)  # type: ignore[arg-type]
        cells = {
            kind: result_cell(
                plan=plan,
                point=point,
                pupil=pupil,
                kind=kind,
                points=values.get((pupil.pk, kind)),
                expectations=expectations,
            )
            for kind in (ResultKind.WORKING_AT, ResultKind.PREDICTED)
        }
        rows.append(
            ResultRow(
                pupil=pupil,
                target=target.scale.format(target.points) if target else "",
                target_id=target.public_id if target else None,
                expected=expected,
                working_at=cells[ResultKind.WORKING_AT],
                predicted=cells[ResultKind.PREDICTED],
            )
        )
    return DataDrop(teaching_group, point, points, plan, rows, can_edit)


# --- curriculum objectives ---------------------------------------------------------------------------------


@dataclass
class ObjectiveCell:
    pupil: Pupil
    objective: CurriculumObjective
    level: str

    @property
    def level_text(self) -> str:
        return ObjectiveLevel(self.level).label if self.level else ""


@dataclass
class ObjectiveGrid:
    group: TeachingGroup
    objectives: list[CurriculumObjective]
    rows: list[tuple[Pupil, list[ObjectiveCell]]]
    can_edit: bool
    levels: list[tuple[str, str]] = field(default_factory=lambda: list(ObjectiveLevel.choices))


def objective_grid(*, actor: Any, teaching_group: TeachingGroup) -> ObjectiveGrid:
    objectives = list(
        CurriculumObjective.objects.filter(
            subject=teaching_group.subject_id, year_group=teaching_group.year_group_id
        )
    )
    pupils = roster(actor=actor, teaching_group=teaching_group)
    levels = {
        (pid, oid): level
        for pid, oid, level in ObjectiveMark.objects.for_actor(actor, "assessment.view_objective_marks")
        .filter(objective__in=objectives, pupil__in=[p.pk for p in pupils])
        .values_list("pupil_id", "objective_id", "level")
    }
    if levels:
        audit.record_read(
            target_type="assessment.objectivemark",
            subjects=sorted(
                {str(p.public_id) for p in pupils if any((p.pk, o.pk) in levels for o in objectives)}
            ),
            categories=["attainment"],
        )
    rows = [
        (pupil, [ObjectiveCell(pupil, o, levels.get((pupil.pk, o.pk), "")) for o in objectives])
        for pupil in pupils
    ]
    return ObjectiveGrid(
        teaching_group, objectives, rows, policy.can(actor, "assessment.edit_markbook", teaching_group)
    )


def target_get(*, actor: Any, public_id: Any) -> Target:
    found = (
        Target.objects.for_actor(actor, "assessment.view_targets")
        .filter(public_id=public_id)
        .select_related("pupil__data_key", "pupil__year_group", "subject", "scale", "flight_path", "set_by")
        .first()
    )
    if found is None:
        raise policy.NotVisible("No target matches the given query.")
    return found


def can_override_target(*, actor: Any, target: Target) -> bool:
    return policy.can(actor, "assessment.override_target", target)
