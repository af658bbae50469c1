"""Behaviour and achievement: what happened, to whom, what was done about it, and the alerts it raised.

One ``Incident`` row is one pupil's record of one occurrence. An occurrence involving three pupils is
three rows sharing an ``occurrence`` id, so each pupil's description is sealed under that pupil's own key
and erasing one pupil destroys their account of it without touching the others'. Achievements are
incidents of the positive kind (the same shape: a category, points, a date, a note), as ClassCharts and
Arbor treat them.

Every table has a direct ``school`` column, so PostgreSQL row-level security covers it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from tutela.core.models import PublicIdModel, TimeStampedModel
from tutela.policy.querysets import PersonalManager
from tutela.pupils.models import Pupil
from tutela.schools.models import School
from tutela.vault.fields import EncryptedCharField, EncryptedTextField


class Kind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    ACHIEVEMENT = "achievement", "Achievement"


class Category(PublicIdModel):
    """A school's category of incident or achievement and the points it carries (negative for incidents)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=80)
    points = models.SmallIntegerField(
        help_text="Points a record in this category carries: above zero for achievements, below zero for"
        " incidents."
    )
    active = models.BooleanField(default=True, help_text="Inactive categories are kept for old records only.")

    class Meta:
        ordering = ["kind", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["school", "kind", "name"], name="behaviour_category_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="achievement", points__gt=0) | models.Q(kind="incident", points__lt=0)
                ),
                name="behaviour_category_points_sign",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Period(models.TextChoices):
    WEEK = "week", "Week (Monday to Sunday)"
    TERM = "term", "Term"


class Threshold(PublicIdModel):
    """ "N points of this kind in a week (or term)": crossing it alerts the pupil's tutor and head of year."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    points = models.PositiveSmallIntegerField(help_text="Alert when the points of this kind reach this size.")
    period = models.CharField(max_length=8, choices=Period.choices)
    notify_tutors = models.BooleanField(default=True)
    notify_head_of_year = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "period", "points"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="behaviour_threshold_unique"),
            models.CheckConstraint(condition=models.Q(points__gt=0), name="behaviour_threshold_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Location(models.TextChoices):
    # Where schools' behaviour logs say things happen; "other" with detail in the description.
    CLASSROOM = "classroom", "Classroom"
    CORRIDOR = "corridor", "Corridor"
    PLAYGROUND = "playground", "Playground"
    CANTEEN = "canteen", "Canteen"
    TOILETS = "toilets", "Toilets"
    SPORTS = "sports", "Sports hall or field"
    LIBRARY = "library", "Library"
    OFF_SITE = "off_site", "Off site (trip, journey to or from school)"
    ONLINE = "online", "Online"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class Incident(PublicIdModel, TimeStampedModel):
    """One pupil's record of an incident or achievement."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    occurrence = models.UUIDField(default=uuid.uuid4, db_index=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    points = models.SmallIntegerField()
    occurred_at = models.DateTimeField()
    location = EncryptedCharField(max_length=20, choices=Location.choices, blank=True)
    description = EncryptedTextField(blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    shareable = models.BooleanField(
        default=False, help_text="Shown (as a summary, without the description) to the pupil and parents."
    )

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["pupil", "occurred_at"], name="behaviour_pupil_time")]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories = {"behaviour": ("location", "description")}
        plain = {
            "occurrence": "a random id linking the per-pupil records of one occurrence",
            "kind": "incident or achievement: totals and lists filter on it in SQL",
            "points": "the category's points, summed in SQL for running totals and thresholds",
            "occurred_at": "when: timelines, weeks and thresholds select on it in SQL",
            "status": "open or resolved: work lists filter on it in SQL",
            "shareable": "the family policy filters on it in SQL",
        }

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"


class IncidentStaff(models.Model):
    """Another member of staff involved in an incident (they may see it). Ids only."""

    not_personal = "ids only: which staff were involved in a record"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "user"], name="behaviour_staff_unique")]

    def __str__(self) -> str:
        return "staff involved"


class IncidentWitness(PublicIdModel):
    """Another pupil who saw what happened. Who witnessed is the *witness's* personal data: it is shown
    only to people who may see the witness (rule ``behaviour.view_witness``), and erasing the witness
    removes the link."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    witness = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "witness"], name="behaviour_witness_unique")
        ]

    class Privacy:
        key = "witness.data_key"
        subject = "witness.public_id"
        categories = {"behaviour": ()}

    def __str__(self) -> str:
        return f"witness {self.public_id}"


class OutcomeKind(models.TextChoices):
    # The sanctions and follow-ups of the DfE's "Behaviour in schools" (2024) and "Suspension and
    # permanent exclusion" (2024) guidance; suspensions and exclusions are recorded here, decided elsewhere.
    DETENTION = "detention", "Detention"
    PARENTAL_CONTACT = "parental_contact", "Parental contact"
    REMOVAL = "removal", "Removal from class"
    INTERNAL_EXCLUSION = "internal_exclusion", "Internal exclusion (isolation)"
    SUSPENSION = "suspension", "Suspension"
    PERMANENT_EXCLUSION = "permanent_exclusion", "Permanent exclusion"
    RESTORATIVE = "restorative", "Restorative conversation"
    OTHER = "other", "Other follow-up"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    MESSAGE = "message", "App or text message"
    MEETING = "meeting", "Meeting"


class OutcomeState(models.TextChoices):
    PLANNED = "planned", "Planned"
    DONE = "done", "Done (served)"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"


class Outcome(PublicIdModel, TimeStampedModel):
    """A follow-up action or outcome of an incident: a detention (when, served or not), a contact with
    parents (when, how, by whom), a removal, an internal exclusion, a suspension or a permanent exclusion."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=OutcomeKind.choices)
    happens_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the detention is, the contact was made or the suspension starts.",
    )
    days = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Length of a suspension.")
    method = models.CharField(max_length=10, choices=ContactMethod.choices, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who made the contact, or supervises the detention.",
    )
    state = models.CharField(max_length=10, choices=OutcomeState.choices, default=OutcomeState.PLANNED)
    notes = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        ordering = ["happens_at", "id"]
        indexes = [models.Index(fields=["school", "kind", "happens_at"], name="behaviour_outcome_when")]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories = {"behaviour": ("notes",)}
        plain = {
            "kind": "the type of follow-up: the detentions list filters on it in SQL",
            "happens_at": "when: the detentions list for a day selects on it in SQL",
            "days": "a suspension's length in days, a number",
            "method": "how parents were contacted: a code",
            "state": "planned, done, missed or cancelled: a code",
        }

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"


class Alert(PublicIdModel):
    """A threshold crossed by a pupil in one period, for one member of staff to read and acknowledge.

    Unique per (threshold, pupil, period, recipient): a crossing alerts each recipient once, however many
    more records follow in the same week or term."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    threshold = models.ForeignKey(Threshold, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    total = models.SmallIntegerField(
        help_text="The pupil's points of the threshold's kind when it was crossed."
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["threshold", "pupil", "period_start", "recipient"], name="behaviour_alert_once"
            )
        ]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories = {"behaviour": ()}
        plain = {
            "period_start": "the week or term the threshold was crossed in (one alert per crossing)",
            "period_end": "the end of that week or term",
            "total": "a points total, a number",
            "raised_at": "when the alert was raised",
            "read_at": "when the recipient opened it",
            "acknowledged_at": "when the recipient acknowledged it",
        }

    def __str__(self) -> str:
        return f"alert {self.public_id}"
