"""How a school is organised: trust, school, years and terms, year groups, forms, subjects and classes.

None of this is personal data; pupils and staff are linked to it from their own apps.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tutela.core.models import PublicIdModel
from tutela.vault.models import Keyring


class Trust(PublicIdModel):
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class School(PublicIdModel):
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(max_length=200)
    urn = models.CharField("URN", max_length=10, unique=True, help_text="DfE unique reference number")
    keyring = models.OneToOneField(Keyring, on_delete=models.PROTECT, related_name="+")
    # Two-factor sign-in is mandatory for roles that see special-category data whatever this says; a school
    # may require it of every member of staff as well (docs/sign-in.md).
    require_2fa_for_all_staff = models.BooleanField("require two-factor sign-in for all staff", default=False)

    def __str__(self) -> str:
        return self.name


class AcademicYear(PublicIdModel):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="academic_years")
    name = models.CharField(max_length=20)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="academic_year_unique"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="academic_year_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Term(PublicIdModel):
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=40)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gt=models.F("starts_on")), name="term_order"),
        ]

    def __str__(self) -> str:
        return self.name


class YearGroup(PublicIdModel):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="year_groups")
    name = models.CharField(max_length=40)
    national_curriculum_year = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["national_curriculum_year"]
        constraints = [
            models.UniqueConstraint(fields=["school", "national_curriculum_year"], name="year_group_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class FormGroup(PublicIdModel):
    """A registration (tutor) group."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="form_groups")
    year_group = models.ForeignKey(YearGroup, on_delete=models.PROTECT, related_name="form_groups")
    name = models.CharField(max_length=40)
    room = models.CharField(max_length=40, blank=True)
    tutors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["year_group__national_curriculum_year", "name"]  # 7A before 10A
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="form_group_unique")]

    def __str__(self) -> str:
        return self.name


class Subject(PublicIdModel):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="subjects")
    name = models.CharField(max_length=80)
    code = models.CharField(max_length=10)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="subject_unique")]

    def __str__(self) -> str:
        return self.name


class TeachingGroup(PublicIdModel):
    """A class: a subject taught to a set of pupils by one or more teachers."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="teaching_groups")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="teaching_groups")
    year_group = models.ForeignKey(YearGroup, on_delete=models.PROTECT, related_name="teaching_groups")
    name = models.CharField(max_length=40)
    teachers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["year_group__national_curriculum_year", "name"]  # 7A before 10A
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="teaching_group_unique")]

    def __str__(self) -> str:
        return self.name
