"""The deployment assesses itself: each check returns findings, each finding names its fix.

Run by ``manage.py doctor`` (exit status 1 on any critical finding) and shown to IT administrators at
/doctor/. The criticals that can be checked before serving are also start-up checks (tutela.core.checks,
tutela.vault.checks): the server refuses to start on those.
"""

from __future__ import annotations

import datetime
import json
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import checks as django_checks
from django.db import connection

from tutela.accounts.models import User
from tutela.audit import chain
from tutela.backups.services import backups_dir
from tutela.core import clock
from tutela.doctor import dependencies
from tutela.policy import rls
from tutela.vault import archive, root, signing

CRITICAL, WARNING, OK = "critical", "warning", "ok"
STALE_AFTER = datetime.timedelta(days=90)
BACKUP_MAX_AGE = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Finding:
    check: str
    level: str
    message: str
    fix: str = ""


Check = Callable[[], list[Finding]]
CHECKS: list[Check] = []


def check(function: Check) -> Check:
    CHECKS.append(function)
    return function


def run_all() -> list[Finding]:
    findings: list[Finding] = []
    for function in CHECKS:
        try:
            findings.extend(function())
        except Exception as exc:  # a check that cannot run is itself a finding, not a crash
            findings.append(
                Finding(function.__name__, CRITICAL, f"could not run: {type(exc).__name__}: {exc}")
            )
    return findings


@check
def django_deploy_checks() -> list[Finding]:
    messages = django_checks.run_checks(include_deployment_checks=True)
    found = [
        Finding(
            "django check --deploy",
            CRITICAL if m.is_serious() else WARNING,
            f"{m.id}: {m.msg}",
            m.hint or "",
        )
        for m in messages
        # HSTS, SSL redirect and secure cookies follow TUTELA_URL; the TLS check below judges it.
        if m.id not in {"security.W004", "security.W008", "security.W012", "security.W016"}
    ]
    return found or [Finding("django check --deploy", OK, "no issues")]


def _mode_problem(path: Path, label: str) -> Finding | None:
    if not path.exists():
        return Finding("keys", CRITICAL, f"the {label} {path} is missing", "python manage.py vault_init")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return Finding("keys", CRITICAL, f"the {label} {path} has mode {mode:o}", f"chmod 600 {path}")
    return None


@check
def key_files() -> list[Finding]:
    findings = [Finding("keys", CRITICAL, problem, "see docs/keys.md") for problem in root.problems()]
    for path, label in (
        (Path(settings.TUTELA_AUDIT_SIGNING_KEY), "audit signing key"),
        (archive.key_path(), "backup key"),
    ):
        problem = _mode_problem(path, label)
        if problem:
            findings.append(problem)
    keys_dir = Path(settings.TUTELA_KEYS)
    if keys_dir.exists() and stat.S_IMODE(keys_dir.stat().st_mode) & 0o077:
        findings.append(
            Finding("keys", WARNING, f"{keys_dir} is readable by others", f"chmod 700 {keys_dir}")
        )
    location = root.location()
    if location.is_file:
        key = location.path.resolve()
        for data_dir in (Path(settings.TUTELA_HOME).resolve(), backups_dir().resolve()):
            if key.is_relative_to(data_dir):
                findings.append(
                    Finding(
                        "keys", CRITICAL, f"the root key is inside {data_dir}", "move TUTELA_KEYS elsewhere"
                    )
                )
    return findings or [Finding("keys", OK, "root, audit signing and backup keys are in place, mode 0600")]


@dataclass(frozen=True)
class DatabaseFacts:
    """What PostgreSQL says about the connection Tutela serves with (read by ``_database_facts``)."""

    superuser: bool
    bypass_rls: bool
    owned_tables: int
    listen_addresses: str
    unix_socket: bool
    ssl: bool
    # (type, addresses, auth method) of each pg_hba.conf line; None when the role may not read the file.
    hba_rules: list[tuple[str, str, str]] | None


LOOPBACK = {"127.0.0.1/32", "::1/128", "samehost", "127.0.0.1", "::1"}
WEAK_AUTH = {"trust", "password", "ident"}  # no password, a cleartext password, or a claim by the client


def _database_facts() -> DatabaseFacts:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        superuser, bypass = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user"
        )
        owned = cursor.fetchone()[0]
        cursor.execute("SELECT setting FROM pg_settings WHERE name = 'listen_addresses'")
        listen = cursor.fetchone()[0]
        cursor.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        row = cursor.fetchone()
        using_ssl = bool(row and row[0])
        cursor.execute("SELECT inet_server_addr() IS NULL")
        unix_socket = cursor.fetchone()[0]
        cursor.execute("SELECT has_table_privilege('pg_catalog.pg_hba_file_rules', 'SELECT')")
        hba: list[tuple[str, str, str]] | None = None
        if cursor.fetchone()[0]:
            cursor.execute(
                "SELECT type, coalesce(address, '') || coalesce('/' || netmask, ''), auth_method "
                "FROM pg_hba_file_rules WHERE error IS NULL"
            )
            hba = [(t, a, m) for t, a, m in cursor.fetchall()]
    return DatabaseFacts(superuser, bypass, owned, listen, unix_socket, using_ssl, hba)


def judge_database(facts: DatabaseFacts) -> list[Finding]:
    findings = []
    if facts.superuser or facts.bypass_rls:
        findings.append(
            Finding(
                "database",
                CRITICAL,
                "Tutela connects as a superuser or a role that bypasses row-level security",
                "connect as a NOSUPERUSER NOBYPASSRLS web role (docs/deployment.md)",
            )
        )
    if facts.owned_tables:
        findings.append(
            Finding(
                "database",
                WARNING,
                f"Tutela's role owns {facts.owned_tables} tables: it could disable security on them",
                "migrate as an owner role and serve as TUTELA_DB_WEB_ROLE (docs/deployment.md)",
            )
        )
    local_only = facts.listen_addresses in ("", "localhost", "127.0.0.1", "::1")
    if not local_only and not facts.unix_socket and not facts.ssl:
        findings.append(
            Finding(
                "database",
                CRITICAL,
                f"PostgreSQL listens on {facts.listen_addresses!r} and this connection is not TLS",
                "connect over the unix socket, or require hostssl in pg_hba.conf",
            )
        )
    for kind, address, method in facts.hba_rules or []:
        remote = kind.startswith("host") and address.split("/")[0] not in {a.split("/")[0] for a in LOOPBACK}
        if not local_only and remote and (method in WEAK_AUTH or kind in ("host", "hostnossl")):
            findings.append(
                Finding(
                    "database",
                    CRITICAL,
                    f"pg_hba.conf lets {address or 'any address'} connect with {kind}/{method}: "
                    "the network can reach the database without TLS or without a real password",
                    "use hostssl with scram-sha-256 for remote lines, or listen on localhost only",
                )
            )
    return findings or [Finding("database", OK, "non-superuser, non-owner role; local or TLS connection")]


@check
def database_role() -> list[Finding]:
    if connection.vendor != "postgresql":
        return [
            Finding(
                "database",
                WARNING,
                "SQLite (embedded): fine for a trial or a very small school; no row-level security",
                "run PostgreSQL for production (docs/deployment.md)",
            )
        ]
    return judge_database(_database_facts())


@check
def row_level_security() -> list[Finding]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        tables = rls.school_tables(cursor)
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relname = ANY(%s) AND c.relrowsecurity "
            "AND c.relforcerowsecurity AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)",
            [tables],
        )
        protected = {row[0] for row in cursor.fetchall()}
    missing = sorted(set(tables) - protected)
    if missing:
        return [
            Finding(
                "row-level security",
                CRITICAL,
                f"no forced policy on: {', '.join(missing)}",
                "python manage.py migrate (re-applies the policies)",
            )
        ]
    return [Finding("row-level security", OK, f"forced on all {len(tables)} tables holding school data")]


@check
def tls() -> list[Finding]:
    if settings.TUTELA_PUBLIC_HTTPS:
        if not settings.SECURE_HSTS_SECONDS:
            return [Finding("TLS", WARNING, "HTTPS without HSTS", "leave TUTELA_URL https:// (HSTS follows)")]
        return [Finding("TLS", OK, f"served as {settings.TUTELA_URL} with HSTS")]
    return [
        Finding(
            "TLS",
            WARNING,
            f"{settings.TUTELA_URL} is plain HTTP (loopback only)",
            "put a TLS reverse proxy in front and set TUTELA_URL=https://... (docs/deployment.md)",
        )
    ]


@check
def debug() -> list[Finding]:
    if settings.DEBUG:
        return [Finding("DEBUG", CRITICAL, "DEBUG is on", "unset TUTELA_DEBUG")]
    return [Finding("DEBUG", OK, "off")]


@check
def stale_accounts() -> list[Finding]:
    cutoff = clock.now() - STALE_AFTER
    stale = User.objects.filter(is_active=True, last_login__lt=cutoff).count()
    never = User.objects.filter(is_active=True, last_login__isnull=True, date_joined__lt=cutoff).count()
    if stale or never:
        return [
            Finding(
                "accounts",
                WARNING,
                f"{stale + never} active accounts have not signed in for 90 days",
                "deactivate accounts of people who have left",
            )
        ]
    return [Finding("accounts", OK, "no active account unused for 90 days")]


@check
def backups() -> list[Finding]:
    archives = sorted(backups_dir().glob("*.backup"), key=lambda p: p.stat().st_mtime)
    if not archives:
        return [
            Finding("backups", WARNING, "no backup archive found", "schedule manage.py backup create daily")
        ]
    age = clock.now() - datetime.datetime.fromtimestamp(archives[-1].stat().st_mtime, tz=datetime.UTC)
    if age > BACKUP_MAX_AGE:
        return [
            Finding(
                "backups",
                WARNING,
                f"the newest backup is {age.days} days old",
                "schedule manage.py backup create daily (docs/backups.md)",
            )
        ]
    return [Finding("backups", OK, f"newest backup {archives[-1].name}")]


@check
def audit_chain() -> list[Finding]:
    verdict = chain.verify()
    if not verdict.ok:
        return [
            Finding(
                "audit",
                CRITICAL,
                f"audit chain broken: {verdict.problem}",
                "investigate as a possible breach; restore from a backup (docs/audit.md)",
            )
        ]
    return [
        Finding(
            "audit", OK, f"chain intact: {verdict.events} events, {verdict.checkpoints} signed checkpoints"
        )
    ]


@check
def dependency_vulnerabilities() -> list[Finding]:
    path = dependencies.report_path()
    if not path.exists():
        return [
            Finding(
                "dependencies",
                WARNING,
                "no pip-audit report: the pinned dependencies are not checked for known vulnerabilities",
                f"python manage.py doctor --audit-dependencies (needs https://pypi.org), or put CI's report "
                f"at {path}",
            )
        ]
    try:
        vulnerable, skipped = dependencies.parse_report(json.loads(path.read_text()))
    except (ValueError, KeyError, TypeError) as exc:
        return [
            Finding(
                "dependencies",
                CRITICAL,
                f"the pip-audit report {path} is unreadable ({type(exc).__name__})",
                "python manage.py doctor --audit-dependencies",
            )
        ]
    found = []
    fixable = [v for v in vulnerable if v.fixes]
    unfixed = [v for v in vulnerable if not v.fixes]
    if fixable:
        found.append(
            Finding(
                "dependencies",
                CRITICAL,
                "known vulnerabilities: " + "; ".join(v.describe() for v in fixable),
                "raise the pins (scripts/lock --upgrade-package NAME), test, and redeploy",
            )
        )
    if unfixed:
        found.append(
            Finding(
                "dependencies",
                WARNING,
                "known vulnerabilities without a fixed release: " + "; ".join(v.describe() for v in unfixed),
                "read each advisory: decide whether Tutela uses the affected code, and watch for a fix",
            )
        )
    if skipped:
        found.append(
            Finding(
                "dependencies",
                WARNING,
                "not audited: " + ", ".join(s.split(":")[0] for s in skipped),
                "pip-audit could not look these up: re-run where https://pypi.org answers",
            )
        )
    mtime = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
    age = clock.now() - mtime
    if age > dependencies.REPORT_MAX_AGE:
        found.append(
            Finding(
                "dependencies",
                WARNING,
                f"the pip-audit report is {age.days} days old: newer advisories are not in it",
                "python manage.py doctor --audit-dependencies (daily, with the backup)",
            )
        )
    return found or [
        Finding("dependencies", OK, f"pip-audit found no known vulnerability ({mtime:%Y-%m-%d %H:%M} UTC)")
    ]


@check
def signing_key_usable() -> list[Finding]:
    signing.public_keyset_json()
    return []


@check
def two_factor_coverage() -> list[Finding]:
    """Every active holder of a role that sees special-category data has a confirmed second factor.

    Sign-in already refuses them everything until they enrol (tutela.accounts.middleware); this names how
    many have not, so IT can follow up before they next need the system.
    """
    from tutela.accounts.selectors import users_lacking_second_factor

    lacking = users_lacking_second_factor()
    if lacking:
        return [
            Finding(
                "sign-in",
                WARNING,
                f"{lacking} active accounts with a privileged role (SENCO, DSL, DPO, administrators) have no "
                "confirmed authenticator app or passkey",
                "ask them to sign in and set one up (they cannot reach any data until they do)",
            )
        ]
    return [Finding("sign-in", OK, "every privileged account has two-factor sign-in set up")]
