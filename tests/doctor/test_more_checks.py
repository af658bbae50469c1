"""Doctor checks not covered in test_doctor.py: each fires on a broken configuration, passes on a good one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from tutela.backups.services import backups_dir
from tutela.doctor import findings
from tutela.doctor.findings import DatabaseFacts, judge_database
from tutela.vault import root

pytestmark = pytest.mark.django_db


def test_django_deploy_checks_pass_on_the_test_settings_and_fire_on_a_weak_one(monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # set for the browser tests only
    assert {f.level for f in findings.django_deploy_checks()} == {findings.OK}
    with override_settings(SECURE_CONTENT_TYPE_NOSNIFF=False):
        result = findings.django_deploy_checks()
    assert [(f.level, f.message[:15]) for f in result] == [(findings.WARNING, "security.W006: ")]
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    assert any(
        f.level == findings.CRITICAL and f.message.startswith("async.E001")
        for f in findings.django_deploy_checks()
    )


def test_a_root_key_inside_the_backups_is_critical(settings, tmp_path):
    settings.TUTELA_HOME = tmp_path / "home"
    settings.TUTELA_KEYS = tmp_path / "keys"
    settings.TUTELA_ROOT_KEY_URI = f"file://{tmp_path / 'keys' / 'root-keyset.bin'}"
    root.root_aead.cache_clear()
    root.create_file_key()
    assert not any("root key is inside" in f.message for f in findings.key_files())
    inside = backups_dir() / "root-keyset.bin"  # a key kept beside the backups travels with them
    settings.TUTELA_ROOT_KEY_URI = f"file://{inside}"
    root.create_file_key()
    result = findings.key_files()
    assert any(
        f.level == findings.CRITICAL and f.message == f"the root key is inside {backups_dir().resolve()}"
        for f in result
    ), result
    root.root_aead.cache_clear()


GOOD = DatabaseFacts(
    superuser=False,
    bypass_rls=False,
    owned_tables=0,
    listen_addresses="localhost",
    unix_socket=True,
    ssl=False,
    hba_rules=[("local", "", "peer"), ("host", "127.0.0.1/255.255.255.255", "scram-sha-256")],
)


def test_a_well_set_up_database_passes():
    assert [f.level for f in judge_database(GOOD)] == [findings.OK]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"superuser": True}, "superuser"),
        ({"bypass_rls": True}, "bypasses row-level security"),
        ({"listen_addresses": "*", "unix_socket": False}, "this connection is not TLS"),
        (
            {"listen_addresses": "*", "hba_rules": [("host", "0.0.0.0/0.0.0.0", "password")]},
            "pg_hba.conf lets 0.0.0.0/0.0.0.0 connect with host/password",
        ),
        (
            {"listen_addresses": "*", "hba_rules": [("hostssl", "10.0.0.0/255.0.0.0", "trust")]},
            "with hostssl/trust",
        ),
    ],
    ids=["superuser", "bypassrls", "remote-without-tls", "remote-password-without-tls", "remote-trust"],
)
def test_a_database_open_to_the_network_or_too_powerful_is_critical(change, expected):
    facts = DatabaseFacts(**{**GOOD.__dict__, **change})
    result = judge_database(facts)
    assert any(f.level == findings.CRITICAL and expected in f.message for f in result), result


def test_remote_lines_with_tls_and_scram_pass():
    facts = DatabaseFacts(
        **{**GOOD.__dict__, "listen_addresses": "*", "ssl": True, "unix_socket": False,
           "hba_rules": [("hostssl", "10.0.0.0/255.0.0.0", "scram-sha-256")]}
    )  # fmt: skip
    assert [f.level for f in judge_database(facts)] == [findings.OK]


@pytest.mark.postgres
def test_the_database_facts_come_from_postgresql():
    facts = findings._database_facts()
    assert facts.superuser is False and facts.owned_tables > 0  # the test role migrated its tables
    assert connection.vendor == "postgresql"
