"""Every setting lives here; a deployment differs only through environment variables.

See docs/configuration.md for each TUTELA_* variable.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from config.env import env_bool, env_int, env_path, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# --- Instance layout -------------------------------------------------------------------------------------
# TUTELA_HOME holds the data (database, encrypted file store, logs, backups); TUTELA_KEYS holds the root
# key. They must be apart: a copy of the data alone must reveal nothing (checked at start-up).
TUTELA_HOME = env_path("TUTELA_HOME", Path.home() / ".local/share/tutela")
TUTELA_KEYS = env_path("TUTELA_KEYS", Path.home() / ".config/tutela")
TUTELA_PORT = env_int("TUTELA_PORT", 8000)
TUTELA_URL = env_str("TUTELA_URL", f"http://127.0.0.1:{TUTELA_PORT}").rstrip("/")
# Where the root key lives. file:// today; the scheme leaves room for Tink's KMS clients (gcp-kms://,
# aws-kms://) so the root key need never touch the application host.
TUTELA_ROOT_KEY_URI = env_str("TUTELA_ROOT_KEY_URI", f"file://{TUTELA_KEYS / 'root-keyset.bin'}")
# For gcp-kms:// and aws-kms:// root keys: a credentials file (mode 0600); empty = the SDK's default chain.
TUTELA_KMS_CREDENTIALS = env_str("TUTELA_KMS_CREDENTIALS", "")
TUTELA_AUDIT_SIGNING_KEY = env_path("TUTELA_AUDIT_SIGNING_KEY", TUTELA_KEYS / "audit-signing-keyset.bin")
TUTELA_AUDIT_CHECKPOINT_EVERY = env_int("TUTELA_AUDIT_CHECKPOINT_EVERY", 1000)
# Tests only: generate a missing root key instead of refusing to start.
TUTELA_VAULT_AUTOCREATE_KEYS = False

_public = urlsplit(TUTELA_URL)
TUTELA_PUBLIC_HOST = _public.hostname or "127.0.0.1"
TUTELA_PUBLIC_HTTPS = _public.scheme == "https"

DEBUG = env_bool("TUTELA_DEBUG", False)
SECRET_KEY = env_secret("TUTELA_SECRET_KEY") or ""
_secret_file = TUTELA_KEYS / "secret-key"
if not SECRET_KEY and _secret_file.exists():
    SECRET_KEY = _secret_file.read_text().strip()

_LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"]
TUTELA_EXTRA_HOSTS = [h.strip() for h in env_str("TUTELA_EXTRA_HOSTS").split(",") if h.strip()]
ALLOWED_HOSTS = [
    TUTELA_PUBLIC_HOST,
    *(_LOOPBACK_NAMES if TUTELA_PUBLIC_HOST in _LOOPBACK_NAMES else []),
    *TUTELA_EXTRA_HOSTS,
]
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"]

# --- Applications ----------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "tutela.core.apps.CoreConfig",
    "tutela.vault",
    "tutela.audit",
    "tutela.policy",
    "tutela.accounts",
    "tutela.schools",
    "tutela.pupils",
    "tutela.demo",
    "tutela.backups",
    "tutela.doctor",
    "tutela.clients",
    "tutela.attendance",
    "tutela.assessment",
    "tutela.behaviour",
    "tutela.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tutela.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Idle and absolute session limits, revocation; then the second factor (docs/sign-in.md). Both global.
    "tutela.accounts.middleware.SessionActivityMiddleware",
    "tutela.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "tutela.core.middleware.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tutela.vault.middleware.VaultScopeMiddleware",
    "tutela.audit.middleware.AuditContextMiddleware",
    "tutela.policy.middleware.SchoolScopeMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["tutela.accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tutela.core.context_processors.tutela",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------------------------
_database_url = env_secret("TUTELA_DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": TUTELA_HOME / "tutela.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL: the role the web server connects as, when migrations run as a separate owner role. The migrate
# hook grants it DML (and no UPDATE/DELETE on the audit log); see docs/deployment.md.
TUTELA_DB_WEB_ROLE = env_str("TUTELA_DB_WEB_ROLE", "")
# Where pg_dump/pg_restore are, for backups on PostgreSQL (PATH and the Debian location are tried too).
TUTELA_PG_BIN = env_str("TUTELA_PG_BIN", "")

# --- Passwords and sessions ------------------------------------------------------------------------------
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
# NCSC password guidance: a minimum length, a deny-list of common and breached passwords, no composition
# rules, no forced expiry, long passphrases welcome (no maximum below 1,000 characters).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "tutela.accounts.passwords.BreachedPasswordValidator"},
    {"NAME": "tutela.accounts.passwords.NotAboutTheUserValidator"},
    {"NAME": "tutela.accounts.passwords.MaximumLengthValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("TUTELA_PASSWORD_RESET_HOURS", 72) * 60 * 60  # enrolment and reset links
# Sessions end after this long without a request, and after this long in all (a school day), whichever
# comes first; tutela.accounts.middleware enforces both on the server, whatever the cookie says.
TUTELA_SESSION_IDLE_MINUTES = env_int("TUTELA_SESSION_IDLE_MINUTES", 30)
TUTELA_SESSION_MAX_HOURS = env_int("TUTELA_SESSION_MAX_HOURS", 10)
SESSION_COOKIE_AGE = TUTELA_SESSION_MAX_HOURS * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Failed sign-ins: an account (by the typed email's blind index) or an address (by a MAC of the IP) that
# fails this many times within the window is locked for the window (docs/sign-in.md).
TUTELA_SIGNIN_MAX_FAILURES_PER_ACCOUNT = env_int("TUTELA_SIGNIN_MAX_FAILURES_PER_ACCOUNT", 10)
TUTELA_SIGNIN_MAX_FAILURES_PER_ADDRESS = env_int("TUTELA_SIGNIN_MAX_FAILURES_PER_ADDRESS", 50)
TUTELA_SIGNIN_LOCKOUT_MINUTES = env_int("TUTELA_SIGNIN_LOCKOUT_MINUTES", 15)
# WebAuthn passkeys are bound to this site's host name and origin.
TUTELA_WEBAUTHN_RP_ID = TUTELA_PUBLIC_HOST
TUTELA_WEBAUTHN_ORIGIN = f"{_public.scheme}://{_public.netloc}"
# Email (password reset links). Console by default (the demo prints the message); smtp in production.
_email_backends = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
_email_backend = env_str("TUTELA_EMAIL_BACKEND", "console")
if _email_backend not in _email_backends:
    raise ImproperlyConfigured(f"TUTELA_EMAIL_BACKEND={_email_backend!r}: use console, file or smtp.")
EMAIL_BACKEND = _email_backends[_email_backend]
EMAIL_FILE_PATH = TUTELA_HOME / "mail"
EMAIL_HOST = env_str("TUTELA_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("TUTELA_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("TUTELA_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_secret("TUTELA_EMAIL_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("TUTELA_EMAIL_TLS", True)
DEFAULT_FROM_EMAIL = env_str("TUTELA_EMAIL_FROM", f"tutela@{TUTELA_PUBLIC_HOST}")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # HTMX sends the token from the page (hx-headers), never reads the cookie
SESSION_COOKIE_SECURE = TUTELA_PUBLIC_HTTPS
CSRF_COOKIE_SECURE = TUTELA_PUBLIC_HTTPS
SECURE_SSL_REDIRECT = TUTELA_PUBLIC_HTTPS and env_bool("TUTELA_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if TUTELA_PUBLIC_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = TUTELA_PUBLIC_HTTPS
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style, nothing from another origin. Photos are data: URIs (decrypted into the page).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
# Features no page of Tutela uses, switched off for every page.
TUTELA_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), browsing-topics=()"
)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_bool("TUTELA_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Uploads stay in memory (never a temp file on disk in the clear); photos are capped well below this.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Files -------------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = TUTELA_HOME / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = TUTELA_HOME / "files"
STORAGES = {
    "default": {"BACKEND": "tutela.vault.storage.EncryptedFileStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Source maps (megabytes, for developer tools only) are served as they are: brotli-compressing them at the
# highest quality made collectstatic, and so instance_init, take a minute.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# --- i18n --------------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TUTELA_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# --- API ---------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Machine clients first (a Bearer token answers 401 when wrong); people through their session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tutela.clients.authentication.ClientTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tutela API",
    "DESCRIPTION": "Pupil records, scoped to what the signed-in user may see. Every read is audited.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # DRF views opt out of LoginRequiredMiddleware: the schema and its docs are for signed-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Logging: ids, never names ------------------------------------------------------------------------------
TUTELA_LOG_DIR = TUTELA_HOME / "logs"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "tutela.core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env_str("TUTELA_LOG_LEVEL", "INFO")},
    "loggers": {
        # SQL with bound parameters would print ciphertext at best; never log it.
        "django.db.backends": {"level": "WARNING", "propagate": True},
        # PDF rendering narrates every step of every report at INFO; only its problems belong in the log.
        "weasyprint": {"level": "WARNING", "propagate": True},
        "fontTools": {"level": "WARNING", "propagate": True},
    },
}
ADMINS: list[tuple[str, str]] = []

# Who researchers should tell about a weakness in this instance (served in /.well-known/security.txt).
TUTELA_SECURITY_CONTACT = env_str("TUTELA_SECURITY_CONTACT", f"mailto:security@{TUTELA_PUBLIC_HOST}")
