"""Termly reports to parents: a cycle per year group and term, teachers' comments, and the PDFs.

Comments and PDFs are the pupil's personal data, encrypted under the pupil's key: erasing the pupil's key
erases their reports too. A cycle itself holds no personal data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tutela.core.models import PublicIdModel, TimeStampedModel
from tutela.policy.querysets import PersonalManager
from tutela.pupils.models import Pupil
from tutela.schools.models import School, YearGroup
from tutela.vault.fields import EncryptedTextField
from tutela.vault.storage import EncryptedFileField


class ReportCycle(PublicIdModel, TimeStampedModel):
    """One round of reports, e.g. "Year 7 autumn report", covering a date range."""

    not_personal = "a year group's report round: names, dates and which member of staff started it"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year_group = models.ForeignKey(YearGroup, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=80)
    covers_from = models.DateField(help_text="First day the report covers (attendance, behaviour).")
    covers_to = models.DateField(help_text="Last day the report covers.")
    published_on = models.DateField(
        null=True, blank=True, help_text="From this day parents and pupils can download their reports."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-covers_to", "name"]
        constraints = [
            models.UniqueConstraint(fields=["year_group", "name"], name="report_cycle_name_unique_per_year"),
            models.CheckConstraint(
                condition=models.Q(covers_to__gte=models.F("covers_from")), name="report_cycle_dates_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReportComment(PublicIdModel, TimeStampedModel):
    """A teacher's comment on one pupil for one cycle, under a heading (a subject, or "Form tutor")."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(ReportCycle, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    heading = models.CharField(max_length=80)
    text = EncryptedTextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        ordering = ["heading"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "pupil", "heading"], name="report_comment_one_per_heading"
            )
        ]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories = {"education": ("text",)}
        plain = {"heading": "a subject's name or 'Form tutor': the school's structure, not the pupil's"}

    def __str__(self) -> str:
        return f"report comment {self.public_id}"


class PupilReport(PublicIdModel):
    """The PDF sent home. Regenerating replaces it; every download is an audited read."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(ReportCycle, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    pdf = EncryptedFileField()
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "pupil"], name="pupil_report_one_per_cycle")]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories = {"education": ("pdf",)}
        plain = {
            "pdf": "an encrypted file's random name",
            "generated_at": "when the school produced the document, not a fact about the pupil",
        }

    def __str__(self) -> str:
        return f"report {self.public_id}"
