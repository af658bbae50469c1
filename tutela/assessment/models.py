"""Assessment: grade scales (as data), assessment points, baselines, targets, flight paths, working-at and
predicted grades, curriculum objectives and the class markbook.

Semantics (docs/assessment.md has the worked examples; tests/assessment/test_semantics.py checks them):
- Every grade has ``points``: its order and its value. Grades compare by points, and averages are means of
  points. A mean is reported as points (two decimals, half up) and as the nearest grade; a mean exactly
  between two grades goes to the lower one (never overstate attainment).
- Fine grades (5+, 5, 5-) are thirds: 5+ = 5.33, 5 = 5.00, 5- = 4.67. U = 0.
- Number scales (KS2 scaled scores 80-120, percentages) have a range and a number of decimals; a value is
  its own points.

What is personal and what is in the clear (docs/security-model.md, "Marks"): comments and reasons about a
pupil are encrypted under the pupil's key; bare marks, grades and points are in the clear so dashboards can
aggregate them in SQL. A mark row names its pupil by integer key only, and the pupil's identity is
encrypted, so a stolen row says "some pupil scored 5" and no more without the keys.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from tutela.core.models import PublicIdModel, TimeStampedModel
from tutela.policy.querysets import PersonalManager
from tutela.pupils.models import Pupil
from tutela.schools.models import School, Subject, TeachingGroup, YearGroup
from tutela.vault.fields import EncryptedTextField

TWO_PLACES = Decimal("0.01")


class ScaleKind(models.TextChoices):
    GRADES = "grades", "Grades from a list (ordinal)"
    NUMBER = "number", "Numbers in a range (scores, percentages)"


class GradeScale(PublicIdModel):
    """A way of recording attainment. Reference scales are installed per school (install_grade_scales);
    schools add their own the same way, through services.scale_create."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=ScaleKind.choices)
    minimum = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    maximum = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    decimals = models.PositiveSmallIntegerField(default=0)
    is_reference = models.BooleanField(default=False)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="grade_scale_unique")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == ScaleKind.NUMBER and (
            self.minimum is None or self.maximum is None or self.minimum >= self.maximum
        ):
            raise ValidationError({"maximum": "A number scale needs a minimum below its maximum."})

    # --- semantics ---------------------------------------------------------------------------------------

    def grade_list(self) -> list[Grade]:
        cached = self.__dict__.get("_grades")
        if cached is None:
            cached = list(Grade.objects.filter(scale=self).order_by("points"))
            self.__dict__["_grades"] = cached
        return cached

    @property
    def low(self) -> Decimal:
        if self.kind == ScaleKind.NUMBER:
            return self.minimum  # type: ignore[return-value]
        return self.grade_list()[0].points

    @property
    def high(self) -> Decimal:
        if self.kind == ScaleKind.NUMBER:
            return self.maximum  # type: ignore[return-value]
        return self.grade_list()[-1].points

    def describe_values(self) -> str:
        if self.kind == ScaleKind.NUMBER:
            return f"a number from {self.format(self.minimum)} to {self.format(self.maximum)}"
        return "one of " + ", ".join(g.label for g in self.grade_list())

    def parse(self, text: str) -> tuple[Decimal, Grade | None]:
        """``(points, grade)`` for what a teacher typed, or ValidationError saying what is allowed."""
        text = text.strip()
        if self.kind == ScaleKind.NUMBER:
            try:
                value = Decimal(text)
            except InvalidOperation:
                raise ValidationError(f"“{text}” is not a number: enter {self.describe_values()}.") from None
            if not value.is_finite() or not (self.minimum <= value <= self.maximum):  # type: ignore[operator]
                raise ValidationError(f"{text} is out of range: enter {self.describe_values()}.")
            step = Decimal(1).scaleb(-self.decimals)
            if value != value.quantize(step):
                raise ValidationError(f"{text} has too many decimal places for {self.name}.")
            return value, None
        wanted = text.casefold()
        for grade in self.grade_list():
            if wanted in (grade.label.casefold(), grade.name.casefold()):
                return grade.points, grade
        raise ValidationError(f"“{text}” is not a grade on {self.name}: enter {self.describe_values()}.")

    def nearest_grade(self, points: Decimal) -> Grade | None:
        """The grade closest to ``points``; exactly between two grades, the lower one."""
        grades = self.grade_list()
        if self.kind == ScaleKind.NUMBER or not grades:
            return None
        return min(grades, key=lambda g: (abs(g.points - points), g.points))

    def format(self, points: Decimal | None) -> str:
        """How a value is shown: the grade's label, or the number to the scale's decimals."""
        if points is None:
            return ""
        if self.kind == ScaleKind.NUMBER:
            step = Decimal(1).scaleb(-self.decimals)
            return str(Decimal(points).quantize(step, rounding=ROUND_HALF_UP))
        grade = self.nearest_grade(Decimal(points))
        return grade.label if grade else ""

    def fraction(self, points: Decimal) -> Decimal:
        """Where ``points`` sits between the bottom (0) and top (1) of the scale: for weighted totals."""
        span = self.high - self.low
        return (Decimal(points) - self.low) / span if span else Decimal(0)


def mean_points(values: list[Decimal]) -> Decimal | None:
    """The mean of some points, to two decimals, half up; None for no values (not zero)."""
    if not values:
        return None
    total = sum((Decimal(v) for v in values), Decimal(0))
    return (total / len(values)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


class Grade(models.Model):
    """One grade of a scale. ``points`` orders the grades and is their value in averages."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    scale = models.ForeignKey(GradeScale, on_delete=models.CASCADE, related_name="grades")
    label = models.CharField(max_length=12, help_text="What teachers type and see: 5+, GDS, S")
    name = models.CharField(max_length=80, blank=True, help_text="In full: Greater depth, Secure")
    points = models.DecimalField(max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["points"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "label"], name="grade_label_unique"),
            models.UniqueConstraint(fields=["scale", "points"], name="grade_points_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class AssessmentPoint(PublicIdModel):
    """A data drop: Autumn 1 ... Summer 2 for one year group (``sequence`` orders them within the year)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year_group = models.ForeignKey(YearGroup, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=40)
    sequence = models.PositiveSmallIntegerField()
    due_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["year_group__national_curriculum_year", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["year_group", "sequence"], name="assessment_point_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year_group} {self.name}"


class FlightPath(PublicIdModel):
    """From a baseline to a target, and the expected grade at every point in between.

    A band (FlightPathBand) maps a baseline (e.g. KS2 scaled score 100-104) to the grade a pupil is
    expected to be working at the first point (``start_points``) and the target at the last
    (``target_points``), on ``target_scale``. The expected grade at point k of N (k = 0 ... N-1, over the
    assessment points of years ``first_year`` to ``last_year`` in order) is
    start + (target - start) x k / (N - 1). A pupil is on track when their working-at grade is within
    ``tolerance`` points of that (inclusive), above or below otherwise.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    baseline_scale = models.ForeignKey(GradeScale, on_delete=models.PROTECT, related_name="+")
    target_scale = models.ForeignKey(GradeScale, on_delete=models.PROTECT, related_name="+")
    baseline_measure = models.SlugField(max_length=40, help_text="Which baseline it starts from: ks2-maths")
    first_year = models.PositiveSmallIntegerField(help_text="National curriculum year of the first point")
    last_year = models.PositiveSmallIntegerField(help_text="National curriculum year of the target")
    tolerance = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.5"))

    def __str__(self) -> str:
        return self.name


class FlightPathBand(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    flight_path = models.ForeignKey(FlightPath, on_delete=models.CASCADE, related_name="bands")
    baseline_from = models.DecimalField(
        max_digits=7, decimal_places=2, help_text="Lowest baseline (inclusive)"
    )
    start_points = models.DecimalField(max_digits=6, decimal_places=2)
    target_points = models.DecimalField(max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["baseline_from"]
        constraints = [
            models.UniqueConstraint(fields=["flight_path", "baseline_from"], name="flight_path_band_unique")
        ]

    def __str__(self) -> str:
        return f"band from {self.baseline_from}"


class AssessmentPlan(PublicIdModel):
    """How a subject is assessed in a year group: its scale, and the flight path its targets follow."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year_group = models.ForeignKey(YearGroup, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    scale = models.ForeignKey(GradeScale, on_delete=models.PROTECT, related_name="+")
    flight_path = models.ForeignKey(
        FlightPath, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year_group", "subject"], name="assessment_plan_unique")
        ]

    def __str__(self) -> str:
        return f"{self.subject} in {self.year_group}"


class SubjectLead(models.Model):
    """A head of department: sees and edits every class and result of their subject at their school."""

    not_personal = "ids only: who leads which department (staff structure)"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject", "user"], name="subject_lead_unique")]

    def __str__(self) -> str:
        return "subject lead"


# --- per pupil ----------------------------------------------------------------------------------------------

_MARK_PLAIN_REASON = (
    "a bare value: the row names its pupil by integer key only and the identity is encrypted; dashboards "
    "aggregate it in SQL (docs/security-model.md, Marks)"
)


class Baseline(PublicIdModel, TimeStampedModel):
    """A prior-attainment measure, e.g. the KS2 scaled score in maths."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    measure = models.SlugField(max_length=40, help_text="e.g. ks2-maths, ks2-reading, ks2-average")
    scale = models.ForeignKey(GradeScale, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(max_digits=7, decimal_places=2)

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pupil", "measure"], name="baseline_unique")]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories: dict[str, tuple[str, ...]] = {"attainment": ()}
        plain = {"measure": "which measure (a code)", "points": _MARK_PLAIN_REASON}

    def __str__(self) -> str:
        return "baseline"


class TargetSource(models.TextChoices):
    FLIGHT_PATH = "flight_path", "From the flight path"
    OVERRIDE = "override", "Set by a teacher (overrides the flight path)"


class Target(PublicIdModel, TimeStampedModel):
    """A pupil's target in a subject: generated from the flight path, or overridden with a reason."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    scale = models.ForeignKey(GradeScale, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(max_digits=7, decimal_places=2)
    start_points = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="Expected at the first point"
    )
    generated_points = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="What the flight path gave"
    )
    source = models.CharField(max_length=20, choices=TargetSource.choices)
    flight_path = models.ForeignKey(
        FlightPath, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = EncryptedTextField(blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pupil", "subject"], name="target_unique")]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories = {"attainment": ("reason",)}
        plain = {
            "points": _MARK_PLAIN_REASON,
            "start_points": _MARK_PLAIN_REASON,
            "generated_points": _MARK_PLAIN_REASON,
            "source": "flight path or override (a code)",
        }

    def __str__(self) -> str:
        return "target"


class ResultKind(models.TextChoices):
    WORKING_AT = "working_at", "Working at"
    PREDICTED = "predicted", "Predicted"


class Result(PublicIdModel, TimeStampedModel):
    """A working-at or predicted grade for a pupil in a subject at an assessment point."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    point = models.ForeignKey(AssessmentPoint, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ResultKind.choices)
    scale = models.ForeignKey(GradeScale, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(max_digits=7, decimal_places=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "subject", "point", "kind"], name="result_unique")
        ]
        indexes = [models.Index(fields=["school", "point", "subject"], name="result_dashboard")]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories: dict[str, tuple[str, ...]] = {"attainment": ()}
        plain = {"kind": "working at or predicted (a code)", "points": _MARK_PLAIN_REASON}

    def __str__(self) -> str:
        return "result"


# --- curriculum objectives ----------------------------------------------------------------------------------


class ObjectiveLevel(models.TextChoices):
    NOT_YET = "not_yet", "Not yet"
    WORKING_TOWARDS = "working_towards", "Working towards"
    SECURE = "secure", "Secure"
    EXCEEDING = "exceeding", "Exceeding"


class CurriculumObjective(PublicIdModel):
    """A statement of what pupils should know or do ("Add fractions with different denominators")."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    year_group = models.ForeignKey(YearGroup, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=20)
    statement = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "year_group", "code"], name="objective_unique")
        ]

    def __str__(self) -> str:
        return self.code


class ObjectiveMark(PublicIdModel, TimeStampedModel):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    objective = models.ForeignKey(CurriculumObjective, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=20, choices=ObjectiveLevel.choices)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pupil", "objective"], name="objective_mark_unique")]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories: dict[str, tuple[str, ...]] = {"attainment": ()}
        plain = {"level": _MARK_PLAIN_REASON}

    def __str__(self) -> str:
        return "objective mark"


# --- markbook -----------------------------------------------------------------------------------------------


class MarkColumn(PublicIdModel):
    """A column of a class's markbook: a test out of ``max_mark``, or a grade on ``scale``."""

    not_personal = "a class's assessment column: title, weight and settings; no pupil data"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    teaching_group = models.ForeignKey(TeachingGroup, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=60)
    weight = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(1))
    max_mark = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    scale = models.ForeignKey(GradeScale, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    point = models.ForeignKey(
        AssessmentPoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if (self.max_mark is None) == (self.scale_id is None):
            raise ValidationError({"max_mark": "Give a column either a maximum mark or a grade scale."})
        if self.max_mark is not None and self.max_mark <= 0:
            raise ValidationError({"max_mark": "The maximum mark must be above zero."})
        if self.weight is not None and self.weight < 0:
            raise ValidationError({"weight": "The weight cannot be negative."})

    def parse(self, text: str) -> Decimal:
        """The points for what a teacher typed in this column, or ValidationError saying what is allowed."""
        if self.scale_id is not None:
            return self.scale.parse(text)[0]
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            raise ValidationError(
                f"“{text.strip()}” is not a mark: enter a number from 0 to {self.max_text}."
            ) from None
        if not value.is_finite() or not (0 <= value <= self.max_mark):  # type: ignore[operator]
            raise ValidationError(
                f"{text.strip()} is out of range: enter a number from 0 to {self.max_text}."
            )
        if value != value.quantize(Decimal("0.1")):
            raise ValidationError(f"{text.strip()} has too many decimal places: use at most one.")
        return value

    @property
    def max_text(self) -> str:
        return self.format(self.max_mark) if self.max_mark is not None else ""

    def format(self, points: Decimal | None) -> str:
        if points is None:
            return ""
        if self.scale_id is not None:
            return self.scale.format(points)
        return f"{Decimal(points).quantize(Decimal('0.1')).normalize():f}"

    def fraction(self, points: Decimal) -> Decimal:
        if self.scale_id is not None:
            return self.scale.fraction(points)
        return Decimal(points) / self.max_mark  # type: ignore[operator]


class Mark(PublicIdModel, TimeStampedModel):
    """One cell of a markbook. The value is in the clear (see the module docstring); the comment is not.

    ``previous_*`` hold the cell as it was before the last change, for undo (swapping them back).
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    column = models.ForeignKey(MarkColumn, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    points = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    comment = EncryptedTextField(blank=True)
    previous_points = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    previous_comment = EncryptedTextField(blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["column", "pupil"], name="mark_unique")]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories = {"attainment": ("comment", "previous_comment")}
        plain = {"points": _MARK_PLAIN_REASON, "previous_points": _MARK_PLAIN_REASON}

    def __str__(self) -> str:
        return "mark"
