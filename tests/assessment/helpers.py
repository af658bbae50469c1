"""Assessment set-up on top of the cast (tests/cast.py), through the services as a school would do it.

- Reference scales at the cast's school; six points (Autumn 1 ... Summer 2) for years 7 and 8.
- Maths in year 7 on GCSE fine grades with a flight path from the KS2 maths scaled score over years 7-8
  (12 points), bands: from 80 start 1 target 3; from 100 start 2 target 5; from 110 start 3 target 7.
- Amelia (the cast's pupil, in 7A/Ma) has a KS2 maths score of 103, so a target of 5.
- 7A/Ma's markbook has a test out of 40 (weight 1) and a grade column on GCSE fine grades (weight 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tests.cast import Cast
from tutela import audit
from tutela.assessment import services
from tutela.assessment.models import AssessmentPoint, FlightPath, GradeScale, MarkColumn, Target
from tutela.policy import rls
from tutela.schools.models import Subject
from tutela.vault.scope import vault_scope

BANDS = [
    (Decimal(80), Decimal(1), Decimal(3)),
    (Decimal(100), Decimal(2), Decimal(5)),
    (Decimal(110), Decimal(3), Decimal(7)),
]


@dataclass
class Assessment:
    scales: dict[str, GradeScale]
    maths: Subject
    points7: list[AssessmentPoint]
    points8: list[AssessmentPoint]
    path: FlightPath
    target: Target
    test_column: MarkColumn
    grade_column: MarkColumn


def build_assessment(cast: Cast) -> Assessment:
    # rls.system_scope(): the policy matrix also builds this with row-level security enforced (PostgreSQL).
    with vault_scope(), audit.context(actor=None, reason="test assessment set-up"), rls.system_scope():
        school = cast.school
        services.reference_scales_install(school=school)
        scales = {s.code: s for s in GradeScale.objects.filter(school=school)}
        points7 = services.standard_points_create(year_group=cast.year7)
        points8 = services.standard_points_create(year_group=cast.year8)
        maths = cast.maths_7a.subject
        path = services.flight_path_create(
            school=school,
            name="KS2 maths to GCSE",
            baseline_scale=scales["ks2-scaled"],
            target_scale=scales["gcse-fine"],
            baseline_measure="ks2-maths",
            first_year=7,
            last_year=8,
            bands=BANDS,
        )
        services.plan_set(year_group=cast.year7, subject=maths, scale=scales["gcse-fine"], flight_path=path)
        services.baseline_set(
            pupil=cast.pupil_record, measure="ks2-maths", scale=scales["ks2-scaled"], value="103"
        )
        target = services.target_generate(pupil=cast.pupil_record, subject=maths)
        services.objective_create(
            subject=maths,
            year_group=cast.year7,
            code="N1",
            statement="Add fractions with different denominators",
        )
        assert target is not None
        test_column = services.column_create(
            actor=cast.class_teacher, teaching_group=cast.maths_7a, title="Algebra test", max_mark=Decimal(40)
        )
        grade_column = services.column_create(
            actor=cast.class_teacher,
            teaching_group=cast.maths_7a,
            title="Autumn 1 grade",
            weight=Decimal(2),
            scale=scales["gcse-fine"],
            point=points7[0],
        )
    return Assessment(
        scales=scales,
        maths=maths,
        points7=points7,
        points8=points8,
        path=path,
        target=target,
        test_column=test_column,
        grade_column=grade_column,
    )


def ensure_assessment(cast: Cast) -> Assessment:
    """build_assessment once per database state (the policy matrix asks for URL arguments per role)."""
    with rls.system_scope():
        return _ensure_assessment(cast)


def _ensure_assessment(cast: Cast) -> Assessment:
    existing = MarkColumn.objects.filter(teaching_group=cast.maths_7a, title="Algebra test").first()
    if existing is None:
        return build_assessment(cast)
    scales = {s.code: s for s in GradeScale.objects.filter(school=cast.school)}
    return Assessment(
        scales=scales,
        maths=cast.maths_7a.subject,
        points7=list(AssessmentPoint.objects.filter(year_group=cast.year7)),
        points8=list(AssessmentPoint.objects.filter(year_group=cast.year8)),
        path=FlightPath.objects.get(school=cast.school, name="KS2 maths to GCSE"),
        target=Target.system.get(pupil=cast.pupil_record, subject=cast.maths_7a.subject),
        test_column=existing,
        grade_column=MarkColumn.objects.get(teaching_group=cast.maths_7a, title="Autumn 1 grade"),
    )


def record_result(cast: Cast, setup: Assessment, value: str = "3", point: int = 0) -> None:
    """Amelia's working-at grade in maths at a year 7 point, entered by her teacher."""
    from tutela.assessment.models import ResultKind

    with vault_scope(), audit.context(actor=cast.class_teacher, reason="test result"), rls.system_scope():
        services.result_set(
            actor=cast.class_teacher,
            pupil=cast.pupil_record,
            subject=setup.maths,
            point=setup.points7[point],
            kind=ResultKind.WORKING_AT,
            value=value,
        )
