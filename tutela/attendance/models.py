"""Registers and attendance marks.

What is encrypted and what is not (argued in docs/security-model.md, "Attendance marks"):
- the exact code (``I`` illness, ``M`` medical appointment, ``C2`` part-time timetable ...), minutes late,
  early-leave time and reason, notes and amendment reasons are encrypted under the pupil's data key: a
  code next to a pupil id can be health data;
- a mark keeps in the clear only its statistical *category* (present, approved educational activity,
  authorised, unauthorised, exceptional, not required), whether it is a possible session, whether the
  reason is still to be established (code N, which the office must chase) and a version number for
  optimistic concurrency. Those are what attendance percentages, persistent-absence lists and the
  office's to-do list need in SQL across thousands of pupils; none of them says why a child was away.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tutela.attendance import codes
from tutela.core.models import PublicIdModel
from tutela.policy.querysets import PersonalManager
from tutela.pupils.models import Pupil
from tutela.schools.models import FormGroup, Period, School, TeachingGroup
from tutela.vault.fields import EncryptedCharField, EncryptedJSONField, EncryptedTextField
from tutela.vault.models import DataKey

CATEGORY_CHOICES = [(c.value, c.label) for c in codes.Category]


class SubCode(PublicIdModel):
    """A school's own lesson-level code (e.g. "LS" late to lesson, "SR" seen by the school nurse).

    It always maps to a national code, which is what the register and the statistics count.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=6)
    label = models.CharField(max_length=100)
    statutory_code = models.CharField(max_length=2, choices=[(c, c) for c in codes.CODES])

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="subcode_unique")]

    def __str__(self) -> str:
        return f"{self.code} ({self.statutory_code})"


class Register(PublicIdModel):
    """One register: a form's AM or PM registration session, or a class's lesson, on one date."""

    not_personal = "ids and times only: which group's register, when, taken by whom"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    form_group = models.ForeignKey(
        FormGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    teaching_group = models.ForeignKey(
        TeachingGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["date", "period__starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(form_group__isnull=False, teaching_group__isnull=True)
                | models.Q(form_group__isnull=True, teaching_group__isnull=False),
                name="register_is_form_or_class",
            ),
            models.UniqueConstraint(fields=["form_group", "date", "period"], name="form_register_unique"),
            models.UniqueConstraint(
                fields=["teaching_group", "date", "period"], name="class_register_unique"
            ),
        ]
        indexes = [models.Index(fields=["school", "date"])]

    def __str__(self) -> str:
        return f"{self.group} {self.period} {self.date}"

    @property
    def group(self) -> FormGroup | TeachingGroup:
        return self.form_group or self.teaching_group  # type: ignore[return-value]

    @property
    def is_statutory(self) -> bool:
        """AM/PM form registers are the statutory attendance register; lesson registers are not."""
        return self.form_group_id is not None


class Mark(PublicIdModel):
    """A pupil's mark in one register. Written only by services.register_submit and friends."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    register = models.ForeignKey(Register, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    code = EncryptedCharField(max_length=2)
    sub_code = EncryptedCharField(max_length=6, blank=True)
    minutes_late = EncryptedJSONField(null=True, blank=True)
    left_at = EncryptedCharField(max_length=5, blank=True, help_text="HH:MM an early leaver left")
    left_reason = EncryptedTextField(blank=True)
    note = EncryptedTextField(blank=True)
    category = models.CharField(max_length=24, choices=CATEGORY_CHOICES)
    possible = models.BooleanField()
    unexplained = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["register", "pupil"], name="mark_unique_per_register")]
        indexes = [models.Index(fields=["school", "pupil"]), models.Index(fields=["school", "unexplained"])]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories = {
            "attendance": ("code", "sub_code", "minutes_late", "left_at", "left_reason", "note"),
        }
        plain = {
            "category": "the statistical category only (present/authorised/...): percentages in SQL",
            "possible": "counts as a possible session: percentages in SQL",
            "unexplained": "code N, reason not yet established: the office's list to chase, in SQL",
            "version": "optimistic concurrency: two teachers on one register never lose a mark",
            "recorded_at": "when the mark was last written",
        }

    def __str__(self) -> str:
        return f"mark {self.public_id}"


class MarkAmendment(PublicIdModel):
    """A change to a mark after its register closed: the old and new codes and the reason, encrypted."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    mark = models.ForeignKey(Mark, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    old_code = EncryptedCharField(max_length=2)
    new_code = EncryptedCharField(max_length=2)
    reason = EncryptedTextField()
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        ordering = ["changed_at"]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories = {"attendance": ("old_code", "new_code", "reason")}
        plain = {"changed_at": "when the change was made"}

    def __str__(self) -> str:
        return f"amendment {self.public_id}"


class Visitor(PublicIdModel):
    """A visitor signed in at reception, for the emergency roll-call.

    A visitor is not a pupil: each visit gets its own data key under the school's keyring, so the name is
    encrypted like any personal data and the visit can be crypto-shredded when the log's retention ends.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="+")
    name = EncryptedCharField(max_length=120)
    organisation = EncryptedCharField(max_length=120, blank=True)
    visiting = EncryptedCharField(max_length=120, blank=True)
    badge = models.CharField(max_length=20, blank=True)
    signed_in_at = models.DateTimeField()
    signed_out_at = models.DateTimeField(null=True, blank=True)
    signed_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        ordering = ["-signed_in_at"]
        indexes = [models.Index(fields=["school", "signed_in_at"])]

    class Privacy:
        key = "data_key"
        subject = "public_id"
        categories = {"visitor": ("name", "organisation", "visiting")}
        plain = {
            "badge": "the visitor badge number handed out",
            "signed_in_at": "on site since: the roll-call selects today's visitors in SQL",
            "signed_out_at": "left the site: the roll-call selects those still on site in SQL",
        }

    def __str__(self) -> str:
        return f"visitor {self.public_id}"


class AttendanceAlert(PublicIdModel):
    """A pupil's attendance crossed a threshold (persistent absence below 90 %, severe below 50 %).

    The percentage itself is encrypted; the threshold crossed is the same fact the clear categories give.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    threshold = models.PositiveSmallIntegerField()
    percentage = EncryptedCharField(max_length=8)
    raised_on = models.DateField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        ordering = ["-raised_on"]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories = {"attendance": ("percentage",)}
        plain = {
            "threshold": "which threshold (90 or 50) was crossed: derivable from clear categories anyway",
            "raised_on": "when it was raised",
            "acknowledged_at": "when a tutor or head of year acknowledged it",
        }

    def __str__(self) -> str:
        return f"attendance alert {self.public_id}"
