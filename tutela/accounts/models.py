"""Accounts for staff, parents and pupils, and the roles they hold in each school."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models

from tutela.core.models import PublicIdModel
from tutela.vault.fields import BlindIndexField, EncryptedCharField
from tutela.vault.models import DataKey


class Role(models.TextChoices):
    TRUST_ADMIN = "trust_admin", "Trust administrator"
    SCHOOL_ADMIN = "school_admin", "School administrator"
    HEAD_OF_YEAR = "head_of_year", "Head of year"
    FORM_TUTOR = "form_tutor", "Form tutor"
    CLASS_TEACHER = "class_teacher", "Class teacher"
    SENCO = "senco", "SENCO"
    DSL = "dsl", "Designated safeguarding lead"
    DPO = "dpo", "Data protection officer"
    IT_ADMIN = "it_admin", "IT administrator"
    PARENT = "parent", "Parent or carer"
    PUPIL = "pupil", "Pupil"


# Roles under which someone may teach or tutor at a school. Being on a class's or form's list gives
# access only while the person also holds one of these at that school (a leaver loses it at once).
TEACHING_ROLES = (
    Role.SCHOOL_ADMIN,
    Role.HEAD_OF_YEAR,
    Role.FORM_TUTOR,
    Role.CLASS_TEACHER,
    Role.SENCO,
    Role.DSL,
    Role.DPO,
)


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: object) -> User:
        # USERNAME_FIELD is the blind index; email sign-in goes through accounts.backends instead.
        return self.get(email_index=username)


class User(AbstractBaseUser, PublicIdModel):
    """A person who signs in. Email and name are encrypted; sign-in finds the row by a blind index."""

    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="+")
    email = EncryptedCharField(max_length=254)
    email_index = BlindIndexField(source="email", index="user.email", unique=True, null=True)
    display_name = EncryptedCharField(max_length=150)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(auto_now_add=True)

    USERNAME_FIELD = "email_index"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()
    system = objects

    class Privacy:
        key = "data_key"
        subject = "public_id"
        scoped = False  # staff names are shown to colleagues; sign-in must find the row
        categories = {"identity": ("email", "display_name")}
        plain = {
            "password": "an Argon2 hash, not the password",
            "last_login": "account metadata: finds stale accounts",
            "date_joined": "account metadata",
            "is_active": "whether the account may sign in",
        }

    def __str__(self) -> str:
        return f"user {self.public_id}"

    @property
    def is_staff(self) -> bool:
        return False  # no Django admin: every screen goes through the policy

    @property
    def is_superuser(self) -> bool:
        return False  # no role bypasses the policy; unknown actions are denied to everyone


class Membership(models.Model):
    """A role a user holds: in one school, across a trust (trust admin), or for one year group."""

    not_personal = "ids and a role code: who holds which role where (staff structure, audited on change)"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    trust = models.ForeignKey(
        "schools.Trust", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    year_group = models.ForeignKey(
        "schools.YearGroup", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(school__isnull=False) | models.Q(trust__isnull=False),
                name="membership_has_school_or_trust",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="head_of_year") | models.Q(year_group__isnull=False),
                name="membership_head_of_year_has_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} membership"
