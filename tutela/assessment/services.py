"""Writes for assessment. Keyword-only, atomic, validated; saves of personal rows (marks, results, targets,
baselines, objective marks) are audited by tutela.audit's signals in the same transaction.

Errors name the row, the field and the fix; they never quote a comment or a reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from tutela import audit, policy
from tutela.assessment import progress
from tutela.assessment.models import (
    AssessmentPlan,
    AssessmentPoint,
    Baseline,
    CurriculumObjective,
    FlightPath,
    FlightPathBand,
    Grade,
    GradeScale,
    Mark,
    MarkColumn,
    ObjectiveMark,
    Result,
    ScaleKind,
    SubjectLead,
    Target,
    TargetSource,
)
from tutela.assessment.rules import may_enter_results
from tutela.pupils.models import ClassMembership, Pupil
from tutela.schools.models import School, Subject, TeachingGroup, YearGroup

NO_UNSCOPED_CHECKS = {"validate_unique": False, "validate_constraints": False}
REFERENCE_SCALES = Path(__file__).parent / "data" / "reference_scales.json"


# --- scales -------------------------------------------------------------------------------------------------


def _fine_gcse_grades() -> list[tuple[str, str, Decimal]]:
    grades = [("U", "Ungraded", Decimal(0))]
    third = Decimal("0.33")
    for n in range(1, 10):
        grades.append((f"{n}-", "", Decimal(n) - third))
        grades.append((str(n), "", Decimal(n)))
        if n < 9:
            grades.append((f"{n}+", "", Decimal(n) + third))
    return grades


@transaction.atomic
def scale_create(
    *,
    school: School,
    code: str,
    name: str,
    kind: str,
    grades: list[tuple[str, str, Decimal]] | None = None,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    decimals: int = 0,
    description: str = "",
    is_reference: bool = False,
) -> GradeScale:
    """A school's own scale (or a reference one). ``grades`` are (label, name, points) for grade scales."""
    if GradeScale.objects.filter(school=school, code=code).exists():
        raise ValidationError({"code": f"This school already has a scale with the code {code!r}."})
    scale = GradeScale(
        school=school,
        code=code,
        name=name,
        kind=kind,
        minimum=minimum,
        maximum=maximum,
        decimals=decimals,
        description=description,
        is_reference=is_reference,
    )
    scale.full_clean(**NO_UNSCOPED_CHECKS)
    if kind == ScaleKind.GRADES:
        if not grades:
            raise ValidationError({"grades": "A grade scale needs at least one grade."})
        labels = [g[0].casefold() for g in grades]
        points = [Decimal(g[2]) for g in grades]
        if len(set(labels)) != len(labels) or len(set(points)) != len(points):
            raise ValidationError({"grades": "Each grade needs its own label and its own points."})
    scale.save()
    for label, full_name, value in grades or []:
        grade = Grade(school=school, scale=scale, label=label, name=full_name, points=Decimal(value))
        grade.full_clean(exclude=["scale", "school"], **NO_UNSCOPED_CHECKS)
        grade.save()
    return scale


@transaction.atomic
def reference_scales_install(*, school: School) -> list[GradeScale]:
    """Installs the reference scales (data/reference_scales.json) a school does not have yet."""
    spec = json.loads(REFERENCE_SCALES.read_text())
    installed = []
    for entry in spec["scales"]:
        if GradeScale.objects.filter(school=school, code=entry["code"]).exists():
            continue
        grades = None
        if entry["kind"] == ScaleKind.GRADES:
            grades = (
                _fine_gcse_grades()
                if entry.get("fine")
                else [(label, name, Decimal(points)) for label, name, points in entry["grades"]]
            )
        installed.append(
            scale_create(
                school=school,
                code=entry["code"],
                name=entry["name"],
                kind=entry["kind"],
                grades=grades,
                minimum=Decimal(entry["minimum"]) if "minimum" in entry else None,
                maximum=Decimal(entry["maximum"]) if "maximum" in entry else None,
                decimals=entry.get("decimals", 0),
                description=entry.get("description", ""),
                is_reference=True,
            )
        )
    return installed


# --- structure: points, plans, flight paths, departments ----------------------------------------------------


def _same_school(school: School, **parts: Any) -> None:
    wrong = [name for name, part in parts.items() if part is not None and part.school_id != school.pk]
    if wrong:
        raise ValidationError({name: "This belongs to another school." for name in wrong})


@transaction.atomic
def point_create(
    *, school: School, year_group: YearGroup, name: str, sequence: int, due_on: Any = None
) -> AssessmentPoint:
    _same_school(school, year_group=year_group)
    if AssessmentPoint.objects.filter(year_group=year_group, sequence=sequence).exists():
        raise ValidationError({"sequence": f"{year_group} already has a point number {sequence}."})
    point = AssessmentPoint(school=school, year_group=year_group, name=name, sequence=sequence, due_on=due_on)
    point.full_clean(**NO_UNSCOPED_CHECKS)
    point.save()
    return point


STANDARD_POINTS = ("Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2")


@transaction.atomic
def standard_points_create(*, year_group: YearGroup) -> list[AssessmentPoint]:
    """Autumn 1 ... Summer 2 for a year group (the six half-terms)."""
    return [
        point_create(school=year_group.school, year_group=year_group, name=name, sequence=i)
        for i, name in enumerate(STANDARD_POINTS, start=1)
    ]


@transaction.atomic
def flight_path_create(
    *,
    school: School,
    name: str,
    baseline_scale: GradeScale,
    target_scale: GradeScale,
    baseline_measure: str,
    first_year: int,
    last_year: int,
    bands: list[tuple[Decimal, Decimal, Decimal]],
    tolerance: Decimal = Decimal("0.5"),
) -> FlightPath:
    """``bands`` are (baseline from, start points, target points), on the target scale."""
    _same_school(school, baseline_scale=baseline_scale, target_scale=target_scale)
    if last_year < first_year:
        raise ValidationError({"last_year": "The target year is before the first year."})
    path = FlightPath(
        school=school,
        name=name,
        baseline_scale=baseline_scale,
        target_scale=target_scale,
        baseline_measure=baseline_measure,
        first_year=first_year,
        last_year=last_year,
        tolerance=tolerance,
    )
    path.full_clean(**NO_UNSCOPED_CHECKS)
    path.save()
    for start_from, start, target in bands:
        for label, value in (("start", start), ("target", target)):
            if not target_scale.low <= Decimal(value) <= target_scale.high:
                raise ValidationError(
                    {"bands": f"Band from {start_from}: the {label} is off {target_scale}."}
                )
        FlightPathBand.objects.create(
            school=school,
            flight_path=path,
            baseline_from=Decimal(start_from),
            start_points=Decimal(start),
            target_points=Decimal(target),
        )
    return path


@transaction.atomic
def plan_set(
    *, year_group: YearGroup, subject: Subject, scale: GradeScale, flight_path: FlightPath | None = None
) -> AssessmentPlan:
    school = year_group.school
    _same_school(school, subject=subject, scale=scale, flight_path=flight_path)
    plan = AssessmentPlan.objects.filter(year_group=year_group, subject=subject).first() or AssessmentPlan(
        school=school, year_group=year_group, subject=subject, scale=scale
    )
    plan.scale = scale
    plan.flight_path = flight_path
    plan.save()
    return plan


@transaction.atomic
def subject_lead_set(*, subject: Subject, user: Any) -> SubjectLead:
    lead, _ = SubjectLead.objects.get_or_create(school=subject.school, subject=subject, user=user)
    audit.record(kind="update", action="assessment.subjectlead.add", target=subject, fields=["leads"])
    return lead


def path_points(flight_path: FlightPath) -> list[AssessmentPoint]:
    """The flight path's points in order: every point of years first_year..last_year at its school."""
    return list(
        AssessmentPoint.objects.filter(
            school=flight_path.school_id,
            year_group__national_curriculum_year__gte=flight_path.first_year,
            year_group__national_curriculum_year__lte=flight_path.last_year,
        )
        .select_related("year_group")
        .order_by("year_group__national_curriculum_year", "sequence")
    )


# --- per pupil: baselines, targets, results, objectives -----------------------------------------------------


@transaction.atomic
def baseline_set(*, pupil: Pupil, measure: str, scale: GradeScale, value: str) -> Baseline:
    """Records a baseline (from the KS2 results file or the MIS): ``value`` as the scale writes it."""
    _same_school(pupil.school, scale=scale)
    points, _ = scale.parse(value)
    baseline = Baseline.system.filter(pupil=pupil, measure=measure).first() or Baseline(
        school=pupil.school, pupil=pupil, measure=measure
    )
    baseline.scale = scale
    baseline.points = points
    baseline.full_clean(**NO_UNSCOPED_CHECKS)
    baseline.save()
    return baseline


def _plan_for(pupil: Pupil, subject: Subject) -> AssessmentPlan:
    plan = (
        AssessmentPlan.objects.filter(year_group=pupil.year_group_id, subject=subject)
        .select_related("scale", "flight_path")
        .first()
    )
    if plan is None:
        fix = "set one (its scale and flight path)"
        raise ValidationError({"subject": f"{subject} has no assessment plan for {pupil.year_group}: {fix}."})
    return plan


@transaction.atomic
def target_generate(*, pupil: Pupil, subject: Subject) -> Target | None:
    """The flight path's target for the pupil in the subject, from their baseline.

    An overridden target keeps its points (its generated_points is brought up to date); no baseline or no
    flight path: no target (None), and nothing is guessed.
    """
    plan = _plan_for(pupil, subject)
    path = plan.flight_path
    if path is None:
        return None
    baseline = Baseline.system.filter(pupil=pupil, measure=path.baseline_measure).first()
    if baseline is None:
        return None
    band = progress.band_for(list(path.bands.all()), baseline.points)
    if band is None:
        return None
    target = Target.system.filter(pupil=pupil, subject=subject).first() or Target(
        school=pupil.school, pupil=pupil, subject=subject, source=TargetSource.FLIGHT_PATH
    )
    target.scale = path.target_scale
    target.flight_path = path
    target.generated_points = band.target_points
    target.start_points = band.start_points
    if target.source == TargetSource.FLIGHT_PATH:
        target.points = band.target_points
    target.full_clean(**NO_UNSCOPED_CHECKS)
    target.save()
    return target


@transaction.atomic
def target_override(*, actor: Any, target: Target, value: str, reason: str) -> Target:
    """A head of department (or leader) sets the target by hand; the reason is required and encrypted."""
    policy.require(actor, "assessment.override_target", target)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the target differs from the flight path."})
    points, _ = target.scale.parse(value)
    target.points = points
    target.source = TargetSource.OVERRIDE
    target.reason = reason.strip()
    target.set_by = actor
    target.full_clean(**NO_UNSCOPED_CHECKS)
    target.save()
    return target


@transaction.atomic
def target_reset(*, actor: Any, target: Target) -> Target:
    """Back to the flight path's target (the override's reason is cleared)."""
    policy.require(actor, "assessment.override_target", target)
    if target.generated_points is None:
        raise ValidationError({"points": "This target has no flight-path value to go back to."})
    target.points = target.generated_points
    target.source = TargetSource.FLIGHT_PATH
    target.reason = ""
    target.set_by = actor
    target.save()
    return target


@transaction.atomic
def result_set(
    *, actor: Any, pupil: Pupil, subject: Subject, point: AssessmentPoint, kind: str, value: str
) -> Result | None:
    """Enters a working-at or predicted grade; an empty value deletes it. ValidationError names the fix."""
    if not may_enter_results(actor, pupil=pupil, subject=subject):
        raise policy.NotVisible("No pupil matches the given query.")
    if point.year_group_id != pupil.year_group_id:
        raise ValidationError(
            {"point": f"{point.name} is a point of {point.year_group}, not the pupil's year."}
        )
    plan = _plan_for(pupil, subject)
    existing = Result.system.filter(pupil=pupil, subject=subject, point=point, kind=kind).first()
    if not value.strip():
        if existing:
            existing.delete()
        return None
    try:
        points, _ = plan.scale.parse(value)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from None
    result = existing or Result(school=pupil.school, pupil=pupil, subject=subject, point=point, kind=kind)
    result.scale = plan.scale
    result.points = points
    result.entered_by = actor
    result.full_clean(**NO_UNSCOPED_CHECKS)
    result.save()
    return result


@transaction.atomic
def objective_create(
    *, subject: Subject, year_group: YearGroup, code: str, statement: str, position: int = 0
) -> CurriculumObjective:
    _same_school(subject.school, year_group=year_group)
    objective = CurriculumObjective(
        school=subject.school,
        subject=subject,
        year_group=year_group,
        code=code,
        statement=statement,
        position=position,
    )
    objective.full_clean(**NO_UNSCOPED_CHECKS)
    objective.save()
    return objective


@transaction.atomic
def objective_mark_set(
    *, actor: Any, pupil: Pupil, objective: CurriculumObjective, level: str
) -> ObjectiveMark:
    if not may_enter_results(actor, pupil=pupil, subject=objective.subject):
        raise policy.NotVisible("No pupil matches the given query.")
    mark = ObjectiveMark.system.filter(pupil=pupil, objective=objective).first() or ObjectiveMark(
        school=pupil.school, pupil=pupil, objective=objective
    )
    mark.level = level
    mark.set_by = actor
    mark.full_clean(**NO_UNSCOPED_CHECKS)
    mark.save()
    return mark


# --- markbook -----------------------------------------------------------------------------------------------


@transaction.atomic
def column_create(
    *,
    actor: Any,
    teaching_group: TeachingGroup,
    title: str,
    weight: Decimal = Decimal(1),
    max_mark: Decimal | None = None,
    scale: GradeScale | None = None,
    point: AssessmentPoint | None = None,
) -> MarkColumn:
    policy.require(actor, "assessment.edit_markbook", teaching_group)
    _same_school(teaching_group.school, scale=scale, point=point)
    position = MarkColumn.objects.filter(teaching_group=teaching_group).count()
    column = MarkColumn(
        school=teaching_group.school,
        teaching_group=teaching_group,
        title=title.strip(),
        weight=weight,
        max_mark=max_mark,
        scale=scale,
        point=point,
        position=position,
        created_by=actor,
    )
    column.full_clean(**NO_UNSCOPED_CHECKS)
    column.save()
    return column


def _check_member(column: MarkColumn, pupil: Pupil) -> None:
    if not ClassMembership.objects.filter(teaching_group=column.teaching_group_id, pupil=pupil).exists():
        raise policy.NotVisible("No pupil matches the given query.")


def _apply(mark: Mark, points: Decimal | None, comment: str | None, actor: Any) -> None:
    mark.previous_points = mark.points
    mark.previous_comment = mark.comment if mark.pk else ""
    mark.points = points
    if comment is not None:
        mark.comment = comment
    mark.entered_by = actor


@transaction.atomic
def mark_set(*, actor: Any, column: MarkColumn, pupil: Pupil, value: str, comment: str | None = None) -> Mark:
    """Saves one cell. ``value`` as typed ("" clears it); ``comment`` None leaves the comment as it is.

    Raises ValidationError({"value": ...}) with what the column accepts; NotAllowed (403) when the actor
    may see but not change the markbook.
    """
    policy.require(actor, "assessment.edit_markbook", column.teaching_group)
    _check_member(column, pupil)
    points = column.parse(value) if value.strip() else None
    if comment is not None and len(comment) > 2000:
        raise ValidationError({"comment": "Keep a comment under 2,000 characters."})
    mark = Mark.system.select_for_update().filter(column=column, pupil=pupil).first() or Mark(
        school=column.school, column=column, pupil=pupil
    )
    _apply(mark, points, comment.strip() if comment is not None else None, actor)
    mark.save()
    return mark


@transaction.atomic
def mark_undo(*, actor: Any, mark: Mark) -> Mark:
    """Puts the cell back as it was before its last change (a second undo redoes it)."""
    policy.require(actor, "assessment.edit_markbook", mark.column.teaching_group)
    points, comment = mark.previous_points, mark.previous_comment
    mark.previous_points, mark.previous_comment = mark.points, mark.comment
    mark.points, mark.comment = points, comment
    mark.entered_by = actor
    mark.save()
    return mark


@dataclass(frozen=True)
class PasteRow:
    pupil: Pupil
    text: str


def parse_pasted_column(text: str) -> list[str]:
    """The values of a column pasted from a spreadsheet: one per line; a row's first cell if it has tabs.

    Trailing empty lines (spreadsheets add one) are dropped; empty lines inside clear their cell.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return [line.split("\t")[0].strip() for line in lines]


@transaction.atomic
def column_paste(*, actor: Any, column: MarkColumn, pupils: list[Pupil], text: str) -> list[Mark]:
    """Pastes values down a column, in the order ``pupils`` are shown: all or nothing.

    A bad value refuses the whole paste with an error naming its row (1-based) and the pupil's position,
    never their name (errors can end up in logs).
    """
    policy.require(actor, "assessment.edit_markbook", column.teaching_group)
    values = parse_pasted_column(text)
    if not values:
        raise ValidationError({"paste": "Nothing to paste: copy a column of marks from the spreadsheet."})
    if len(values) > len(pupils):
        raise ValidationError(
            {"paste": f"{len(values)} values for {len(pupils)} pupils: paste at most one value per pupil."}
        )
    parsed: list[Decimal | None] = []
    for number, value in enumerate(values, start=1):
        try:
            parsed.append(column.parse(value) if value else None)
        except ValidationError as exc:
            raise ValidationError(
                {"paste": f"Row {number}: {exc.messages[0]} Nothing was saved; correct it and paste again."}
            ) from None
    saved = []
    for pupil, points in zip(pupils, parsed, strict=False):
        _check_member(column, pupil)
        mark = Mark.system.select_for_update().filter(column=column, pupil=pupil).first() or Mark(
            school=column.school, column=column, pupil=pupil
        )
        _apply(mark, points, None, actor)
        mark.save()
        saved.append(mark)
    return saved
