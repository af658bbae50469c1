"""Pupils, their guardians and their classes. Every personal field is encrypted under the pupil's key.

Each personal model says in ``Privacy`` where its key is, whose data it is, which category each field
belongs to and which clear-text columns it has and why; system checks hold it to that.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tutela.core.models import PublicIdModel, TimeStampedModel
from tutela.policy.querysets import PersonalManager
from tutela.schools.models import FormGroup, School, TeachingGroup, YearGroup
from tutela.vault.fields import (
    BlindIndexField,
    EncryptedBooleanField,
    EncryptedCharField,
    EncryptedDateField,
    EncryptedTextField,
)
from tutela.vault.models import DataKey
from tutela.vault.storage import EncryptedImageField


class Sex(models.TextChoices):
    # As recorded for the school census (DfE common basic data set).
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class Pupil(PublicIdModel, TimeStampedModel):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="+")
    upn = EncryptedCharField("UPN", max_length=13, help_text="Unique pupil number (13 characters)")
    upn_index = BlindIndexField(source="upn", index="pupil.upn", null=True)
    legal_first_name = EncryptedCharField(max_length=100)
    legal_last_name = EncryptedCharField(max_length=100)
    preferred_first_name = EncryptedCharField(max_length=100, blank=True)
    preferred_last_name = EncryptedCharField(max_length=100, blank=True)
    date_of_birth = EncryptedDateField()
    sex = EncryptedCharField(max_length=1, choices=Sex.choices)
    address = EncryptedTextField(blank=True)
    year_group = models.ForeignKey(YearGroup, on_delete=models.PROTECT, related_name="+")
    form_group = models.ForeignKey(
        FormGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    enrolled_on = EncryptedDateField()
    left_on = EncryptedDateField(null=True, blank=True)
    on_roll = models.BooleanField(default=True)
    photo = EncryptedImageField(blank=True)
    photo_thumbnail = EncryptedImageField(blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "upn_index"], name="pupil_upn_unique_per_school")
        ]

    class Privacy:
        key = "data_key"
        subject = "public_id"
        categories = {
            "identity": (
                "upn",
                "legal_first_name",
                "legal_last_name",
                "preferred_first_name",
                "preferred_last_name",
                "date_of_birth",
                "sex",
                "enrolled_on",
                "left_on",
                "photo",
                "photo_thumbnail",
            ),
            "contact": ("address",),
        }
        search = {
            "pupil.name": (
                "legal_first_name",
                "legal_last_name",
                "preferred_first_name",
                "preferred_last_name",
            ),
        }
        plain = {
            "on_roll": "on roll or left: every list and the policy filter on it in SQL",
            "photo": "an encrypted file's random name",
            "photo_thumbnail": "an encrypted file's random name",
        }

    def __str__(self) -> str:
        return f"pupil {self.public_id}"

    @property
    def first_name(self) -> str:
        return self.preferred_first_name or self.legal_first_name

    @property
    def last_name(self) -> str:
        return self.preferred_last_name or self.legal_last_name

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.last_name.casefold(), self.first_name.casefold())


class Guardian(PublicIdModel, TimeStampedModel):
    """A parent, carer or other contact. Linked to pupils through GuardianLink."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="+")
    title = EncryptedCharField(max_length=20, blank=True)
    first_name = EncryptedCharField(max_length=100)
    last_name = EncryptedCharField(max_length=100)
    email = EncryptedCharField(max_length=254, blank=True)
    phone = EncryptedCharField(max_length=30, blank=True)
    address = EncryptedTextField(blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PersonalManager()
    system = models.Manager()

    class Privacy:
        key = "data_key"
        subject = "public_id"
        categories = {"contact": ("title", "first_name", "last_name", "email", "phone", "address")}

    def __str__(self) -> str:
        return f"guardian {self.public_id}"

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)


class Relationship(models.TextChoices):
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    PARENT = "parent", "Parent"
    STEP_PARENT = "step_parent", "Step-parent"
    GRANDPARENT = "grandparent", "Grandparent"
    FOSTER_CARER = "foster_carer", "Foster carer"
    CARER = "carer", "Carer"
    SOCIAL_WORKER = "social_worker", "Social worker"
    OTHER = "other", "Other relative or contact"


class GuardianLink(PublicIdModel):
    """A guardian of a pupil. The relationship is encrypted: "foster carer" says a child is looked after."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="+")
    relationship = EncryptedCharField(max_length=20, choices=Relationship.choices)
    parental_responsibility = EncryptedBooleanField(default=False)
    contact_priority = models.PositiveSmallIntegerField(default=1)
    portal_access = models.BooleanField(
        default=False, help_text="May this guardian's account see the pupil in the parents' portal?"
    )

    objects = PersonalManager()
    system = models.Manager()

    class Meta:
        ordering = ["contact_priority"]
        constraints = [models.UniqueConstraint(fields=["pupil", "guardian"], name="guardian_link_unique")]

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories = {"contact": ("relationship", "parental_responsibility")}
        plain = {
            "contact_priority": "the order contacts are called in (1, 2, 3)",
            "portal_access": "the parents' portal filters on it in SQL",
        }

    def __str__(self) -> str:
        return f"guardian link {self.public_id}"


class ClassMembership(models.Model):
    """A pupil in a class. Ids only: the pupil's identity stays behind the pupils policy."""

    not_personal = "ids only: which class a pupil is in"

    teaching_group = models.ForeignKey(TeachingGroup, on_delete=models.CASCADE, related_name="memberships")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["teaching_group", "pupil"], name="class_membership_unique")
        ]

    def __str__(self) -> str:
        return "class membership"


class SendStatus(models.TextChoices):
    # The school census SEN provision codes (DfE common basic data set, CS010).
    NONE = "N", "No special educational need"
    SUPPORT = "K", "SEN support"
    EHC_PLAN = "E", "Education, health and care plan"


class PupilGroups(PublicIdModel):
    """The groups a school reports progress by: disadvantaged (pupil premium) and EAL.

    Encrypted like the rest of the record: being eligible for free school meals says something about a
    family's income. Dashboards decrypt these per pupil (a year group is a few hundred rows).
    SEND status is apart (PupilSend), behind its own, narrower rule.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.OneToOneField(Pupil, on_delete=models.CASCADE, related_name="+")
    disadvantaged = EncryptedBooleanField(
        default=False,
        help_text="Pupil premium: eligible for free school meals in the last six years, "
        "looked after or previously looked after (DfE pupil premium conditions of grant).",
    )
    eal = EncryptedBooleanField("EAL", default=False, help_text="English as an additional language")

    objects = PersonalManager()
    system = models.Manager()

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories = {"groups": ("disadvantaged", "eal")}

    def __str__(self) -> str:
        return "pupil groups"


class PupilSend(PublicIdModel):
    """SEND status: special-category data (health), seen at SENCO level only (rules.py: pupils.view_send)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    pupil = models.OneToOneField(Pupil, on_delete=models.CASCADE, related_name="+")
    status = EncryptedCharField(max_length=1, choices=SendStatus.choices, default=SendStatus.NONE)

    objects = PersonalManager()
    system = models.Manager()

    class Privacy:
        key = "pupil.data_key"
        subject = "pupil.public_id"
        categories = {"send": ("status",)}

    def __str__(self) -> str:
        return "pupil SEND status"
