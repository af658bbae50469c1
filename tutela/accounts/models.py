"""Accounts for staff, parents and pupils, and the roles they hold in each school."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django_otp.models import Device, ThrottlingMixin

from tutela.core import clock
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


# --- two-factor sign-in -------------------------------------------------------------------------------------
# Devices are django-otp devices (so django_otp.login() marks a session verified and the middleware can ask
# ``user.is_verified()``), with their secrets encrypted under the user's own data key: a copy of the
# database without the root key holds no TOTP seed, no passkey and no recovery code.

_DEVICE_PLAIN = {
    "name": "a label the user chose for the device (e.g. 'Phone'); shown only to them",
    "confirmed": "whether enrolment finished",
    "throttling_failure_timestamp": "when the last wrong code was given (exponential back-off)",
    "throttling_failure_count": "how many wrong codes in a row (exponential back-off)",
    "created_at": "account metadata",
    "last_used_at": "account metadata: when the device last verified a sign-in",
}


class TOTPDevice(ThrottlingMixin, Device, PublicIdModel):
    """An authenticator app (RFC 6238: SHA-1, 6 digits, 30 s steps, as every app supports)."""

    key = EncryptedCharField(max_length=80)  # the seed, hex; encrypted under user.data_key
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)  # the last time step used: a code works once
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    STEP = 30
    DIGITS = 6
    TOLERANCE = 1  # one step either side: phones' clocks drift

    class Meta:
        verbose_name = "TOTP device"

    class Privacy:
        key = "user.data_key"
        subject = "user.public_id"
        scoped = False  # only ever read for its own user, by the sign-in code
        categories = {"credentials": ("key",)}
        plain = {
            **_DEVICE_PLAIN,
            "drift": "clock drift of the app in time steps",
            "last_t": "the last time step accepted, so a code cannot be replayed",
        }

    def __str__(self) -> str:
        return f"TOTP device {self.public_id}"

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.key)

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token: object) -> bool:
        from django_otp.oath import TOTP

        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            code = int(str(token).replace(" ", ""))
        except ValueError:
            code = -1
        totp = TOTP(self.bin_key, self.STEP, 0, self.DIGITS, self.drift)
        totp.time = clock.now().timestamp()
        verified = totp.verify(code, self.TOLERANCE, self.last_t + 1)
        if verified:
            self.last_t = totp.t()
            self.drift = totp.drift if self.confirmed else 0
            self.last_used_at = clock.now()
            self.throttle_reset(commit=False)
        else:
            self.throttle_increment(commit=False)
        self.save()
        return verified


class WebAuthnCredential(Device, PublicIdModel):
    """A passkey or security key. Its id and public key are encrypted too: they identify the person."""

    credential_id = EncryptedCharField(max_length=1400)  # base64url
    public_key = EncryptedCharField(max_length=1400)  # COSE, base64url
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "WebAuthn credential"

    class Privacy:
        key = "user.data_key"
        subject = "user.public_id"
        scoped = False
        categories = {"credentials": ("credential_id", "public_key")}
        plain = {
            **_DEVICE_PLAIN,
            "sign_count": "the authenticator's counter: a cloned key shows as a counter going backwards",
            "transports": "how the browser reaches the key (usb, nfc, internal): codes, not personal",
        }

    def __str__(self) -> str:
        return f"passkey {self.public_id}"

    def verify_token(self, token: object) -> bool:
        return False  # verified by the WebAuthn ceremony (tutela.accounts.passkeys), never by a typed code


class RecoveryCodes(ThrottlingMixin, Device, PublicIdModel):
    """One set of one-time recovery codes per user; each code is kept only as a keyed hash."""

    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "recovery codes"

    class Privacy:
        key = "user.data_key"
        subject = "user.public_id"
        scoped = False
        categories: dict[str, tuple[str, ...]] = {}
        plain = _DEVICE_PLAIN

    def __str__(self) -> str:
        return f"recovery codes {self.public_id}"

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token: object) -> bool:
        from tutela.accounts.recovery import code_digest

        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        digest = code_digest(self.user, str(token))
        used = RecoveryCode.objects.filter(codes=self, digest=digest, used_at__isnull=True).update(
            used_at=clock.now()
        )
        if used:
            self.last_used_at = clock.now()
            self.throttle_reset(commit=False)
        else:
            self.throttle_increment(commit=False)
        self.save()
        return bool(used)


class RecoveryCode(models.Model):
    not_personal = "a keyed hash of a random code and when it was used: nothing about the person"

    codes = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="+")
    digest = models.BinaryField()
    used_at = models.DateTimeField(null=True, blank=True)


# --- sign-in throttling and sessions ------------------------------------------------------------------------


class SignInThrottle(models.Model):
    """Failed sign-ins per account and per address, for lockout. Keys are keyed hashes only.

    The account key is the email's blind index (the same PRF as User.email_index), so an address that has no
    account is throttled exactly like one that has, and no email is stored; the address key is a MAC of the
    IP address under an instance key.
    """

    class Kind(models.TextChoices):
        ACCOUNT = "account"
        ADDRESS = "address"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    digest = models.BinaryField()
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "digest"], name="signin_throttle_unique")]


class UserSession(PublicIdModel):
    """One signed-in session: what the user sees on their sessions page, and what revocation deletes.

    Django's session store has no index by user; this is it. Only a SHA-256 of the session key is kept, so
    the table cannot be used to take over a session. A session whose row is gone is signed out by
    tutela.accounts.middleware.SessionActivityMiddleware.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    user_agent = EncryptedCharField(max_length=120, blank=True)
    ip_address = EncryptedCharField(max_length=64, blank=True)

    class Privacy:
        key = "user.data_key"
        subject = "user.public_id"
        scoped = False  # only ever listed for its own user
        categories = {"device": ("user_agent", "ip_address")}
        plain = {
            "key_hash": "SHA-256 of the session key: finds the row, cannot be used as a session",
            "last_seen_at": "account metadata",
        }

    def __str__(self) -> str:
        return f"session {self.public_id}"
