"""Machine clients: API integrations and devices, each with its own credential and its own service account."""

from __future__ import annotations

from django.db import models

from tutela.accounts.models import Role, User
from tutela.core.models import PublicIdModel

# The roles a client may act under. Its service account holds one of them at the client's school, so the
# policy rules that apply to people apply to it unchanged. No trust-wide or family role: a device is one
# school's, and a credential that reads like a parent would be a way round the portal's rules.
CLIENT_ROLES = (Role.SCHOOL_ADMIN, Role.IT_ADMIN)
MAX_LIFETIME_DAYS = 366  # a year (and a leap day): a credential nobody renews is one nobody watches


class Access(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class ApiClient(PublicIdModel):
    """One credential: ``tutela_<key_id>_<secret>``. Only a keyed MAC of the secret is stored."""

    not_personal = (
        "a machine credential: a label an administrator gives a device, a MAC of its secret, its role, "
        "dates and the address it last called from; the service account's name is encrypted in accounts"
    )

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    service_user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=100, help_text="What the device or integration is; no personal data.")
    role = models.CharField(max_length=20, choices=[(r.value, r.label) for r in CLIENT_ROLES])
    access = models.CharField(max_length=5, choices=Access.choices, default=Access.READ)
    key_id = models.CharField(max_length=16, unique=True)  # the token's public half: finds the row
    secret_mac = models.BinaryField()  # HMAC-SHA256 (vault system key) of key id and secret
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"API client {self.key_id}"

    @property
    def read_only(self) -> bool:
        return self.access == Access.READ
