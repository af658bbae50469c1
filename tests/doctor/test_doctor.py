"""Each doctor check fires on a deliberately broken deployment and passes on a good one."""

from __future__ import annotations

import datetime
import os
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from tests.support.two_factor import enrol_totp
from tutela import audit
from tutela.accounts import services
from tutela.accounts.models import TOTPDevice, User
from tutela.audit.models import AuditEvent
from tutela.backups.services import backups_dir
from tutela.core import clock
from tutela.doctor import findings
from tutela.vault import archive, root
from tutela.vault.scope import vault_scope

pytestmark = pytest.mark.django_db


def levels(check: findings.Check) -> set[str]:
    return {f.level for f in check()}


@pytest.fixture
def keys_in_place() -> None:
    root.root_aead()
    archive.ensure_key()
    from tutela.vault import signing

    signing.public_keyset_json()


def test_keys_pass_when_in_place_and_private(keys_in_place):
    assert levels(findings.key_files) == {findings.OK}


def test_a_root_key_readable_by_others_is_critical(keys_in_place):
    path = root.location().path
    path.chmod(0o644)
    try:
        result = findings.key_files()
    finally:
        path.chmod(0o600)
    assert any(
        f.level == findings.CRITICAL and "mode 644" in f.message and "chmod 600" in f.message for f in result
    )


def test_a_missing_backup_key_is_critical(keys_in_place, tmp_path):
    key = archive.key_path()
    moved = tmp_path / "backup-keyset.bin"
    key.rename(moved)
    try:
        result = findings.key_files()
    finally:
        moved.rename(key)
    assert any(f.level == findings.CRITICAL and "backup key" in f.message for f in result)


def test_debug_is_critical():
    with override_settings(DEBUG=True):
        assert levels(findings.debug) == {findings.CRITICAL}
    assert levels(findings.debug) == {findings.OK}


def test_plain_http_is_a_warning_and_https_with_hsts_passes():
    assert levels(findings.tls) == {findings.WARNING}
    with override_settings(
        TUTELA_PUBLIC_HTTPS=True, SECURE_HSTS_SECONDS=31536000, TUTELA_URL="https://t.example"
    ):
        assert levels(findings.tls) == {findings.OK}
    with override_settings(TUTELA_PUBLIC_HTTPS=True, SECURE_HSTS_SECONDS=0):
        assert levels(findings.tls) == {findings.WARNING}


def test_backups_missing_old_and_fresh(tmp_path):
    with override_settings(TUTELA_HOME=tmp_path):
        assert "no backup" in findings.backups()[0].message
        backups_dir().mkdir()
        old = backups_dir() / "tutela-old.backup"
        old.write_bytes(b"x")
        two_days_ago = time.time() - 2 * 86400
        os.utime(old, (two_days_ago, two_days_ago))
        assert findings.backups()[0].level == findings.WARNING
        (backups_dir() / "tutela-new.backup").write_bytes(b"x")
        assert levels(findings.backups) == {findings.OK}


def test_stale_accounts_are_reported(cast):
    assert levels(findings.stale_accounts) == {findings.OK}
    User.objects.filter(pk=cast.dpo.pk).update(last_login=clock.now() - datetime.timedelta(days=91))
    result = findings.stale_accounts()
    assert result[0].level == findings.WARNING and result[0].message.startswith("1 active account")


def test_a_broken_audit_chain_is_critical(cast):
    assert levels(findings.audit_chain) == {findings.OK}
    last = AuditEvent.objects.order_by("-seq").first()
    forged = AuditEvent(
        seq=last.seq + 1, occurred_at=last.occurred_at, kind="read", action="forged", mac=b"\0" * 32
    )
    forged.save()  # INSERT is allowed everywhere; the MAC chain is what catches a forged event
    result = findings.audit_chain()
    assert result[0].level == findings.CRITICAL and f"event {forged.seq}" in result[0].message


@pytest.mark.postgres
def test_row_level_security_missing_on_a_table_is_critical():
    assert levels(findings.row_level_security) == {findings.OK}
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE pupils_pupil NO FORCE ROW LEVEL SECURITY")
    result = findings.row_level_security()
    assert result[0].level == findings.CRITICAL and "pupils_pupil" in result[0].message


@pytest.mark.postgres
def test_an_owner_role_is_a_warning():
    result = findings.database_role()
    assert any(f.level == findings.WARNING and "owns" in f.message for f in result)
    assert not any(f.level == findings.CRITICAL for f in result)


def test_the_database_check_knows_the_engine():
    result = findings.database_role()
    if connection.vendor == "sqlite":
        assert [f.level for f in result] == [findings.WARNING] and "SQLite" in result[0].message
    else:  # the test role owns its tables (it migrated them): a warning, not a critical
        assert findings.CRITICAL not in {f.level for f in result}


def test_a_check_that_crashes_becomes_a_critical_finding(monkeypatch):
    def explodes() -> list[findings.Finding]:
        raise RuntimeError("boom")

    monkeypatch.setattr(findings, "CHECKS", [explodes])
    assert findings.run_all() == [
        findings.Finding("explodes", findings.CRITICAL, "could not run: RuntimeError: boom")
    ]


def test_the_command_exits_non_zero_on_a_critical_finding(keys_in_place, capsys):
    with override_settings(DEBUG=True), pytest.raises(SystemExit) as exit_info:
        call_command("doctor")
    assert exit_info.value.code == 1
    assert "CRITICAL  DEBUG: DEBUG is on" in capsys.readouterr().out


def test_the_command_passes_with_warnings_only(keys_in_place, capsys, monkeypatch):
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE would (rightly) be critical in a deployment.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    call_command("doctor")
    out = capsys.readouterr().out
    assert "0 critical" in out, out


def test_a_school_admin_does_not_see_instance_wide_health(cast, login):
    assert login(cast.school_admin).get(reverse("doctor:report")).status_code == 404


def test_it_admins_see_the_page_and_teachers_get_404(cast, login):
    assert login(cast.it_admin).get(reverse("doctor:report")).status_code == 200


def test_a_teacher_cannot_see_the_page(cast, login):
    assert login(cast.form_tutor).get(reverse("doctor:report")).status_code == 404


def test_the_page_names_each_check(cast, login, keys_in_place):
    content = login(cast.trust_admin).get(reverse("doctor:report")).content.decode()
    for name in ("keys", "audit", "backups", "TLS", "DEBUG"):
        assert f"<td>{name}</td>" in content
    assert Path(root.location().path).name not in content or "root" in content


def test_two_factor_coverage_fires_while_a_privileged_member_has_no_confirmed_device(cast):
    privileged = ("senco", "dsl", "dpo", "school_admin", "trust_admin", "it_admin", "other_school_admin")
    result = findings.two_factor_coverage()
    assert [f.level for f in result] == [findings.WARNING]
    assert result[0].message.startswith(f"{len(privileged)} active accounts")
    for role in privileged[:-1]:
        enrol_totp(getattr(cast, role))
    assert "1 active accounts" in findings.two_factor_coverage()[0].message
    # An unconfirmed device (enrolment started, never finished) does not count.
    with vault_scope(), audit.context(actor=None, reason="test"):
        services.totp_device_start(user=cast.other_school_admin)
    assert levels(findings.two_factor_coverage) == {findings.WARNING}
    enrol_totp(cast.other_school_admin)
    assert levels(findings.two_factor_coverage) == {findings.OK}
    # A leaver (inactive) no longer counts; roles without special-category access never did.
    with audit.context(actor=None, reason="test"):
        TOTPDevice.objects.filter(user=cast.dsl).delete()
    User.objects.filter(pk=cast.dsl.pk).update(is_active=False)
    assert levels(findings.two_factor_coverage) == {findings.OK}
