"""The database wall between schools (tutela/policy/rls.py, middleware.py), on either database.

Row-level security exists on PostgreSQL only; on SQLite (the demo's engine) the same calls must be harmless
no-ops. Each test therefore states what happens on both, and runs in both passes of scripts/test. What the
web role may see under RLS is tested in tests/test_rls.py.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from tutela.audit.models import AuditEvent
from tutela.policy import rls

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = connection.vendor == "postgresql"


def setting(name: str) -> str | None:
    if not ON_POSTGRESQL:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [name])
        return cursor.fetchone()[0]


def privilege(role: str, table: str, action: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, action])
        return cursor.fetchone()[0]


def test_every_school_table_gets_the_policy_on_postgresql_and_nothing_happens_elsewhere(settings):
    settings.TUTELA_DB_WEB_ROLE = ""  # policies only; grants are the next test's
    tables = rls.apply()
    if ON_POSTGRESQL:
        assert {"pupils_pupil", "pupils_guardian", "schools_school", "accounts_membership"} <= set(tables)
        assert set(rls.CHILD_TABLES) <= set(tables)
        assert not set(rls.AUDIT_TABLES) & set(tables)
    else:
        assert tables == []


def test_the_web_role_is_granted_data_access_but_cannot_rewrite_the_audit_log(settings):
    rls.apply()
    if not ON_POSTGRESQL:
        return  # no roles on SQLite: the hash chain is the only audit wall there (tests/audit)
    role = settings.TUTELA_DB_WEB_ROLE
    assert role, "the PostgreSQL pass sets TUTELA_TEST_PG_WEB_ROLE"
    assert privilege(role, "pupils_pupil", "SELECT") and privilege(role, "pupils_pupil", "UPDATE")
    assert privilege(role, "audit_auditevent", "INSERT")
    assert not privilege(role, "audit_auditevent", "UPDATE")
    assert not privilege(role, "audit_auditevent", "DELETE")
    assert not privilege(role, "audit_auditcheckpoint", "UPDATE")
    assert not privilege(role, "audit_audithead", "DELETE")


def test_a_request_scope_names_the_user_and_their_schools(db):
    rls.set_user(9)
    assert setting("tutela.user_id") == ("9" if ON_POSTGRESQL else None)
    rls.set_request_scope(user_id=7, school_ids=[3, 1, 3])
    assert (setting("tutela.user_id"), setting("tutela.school_ids")) == (
        ("7", "1,3") if ON_POSTGRESQL else (None, None)
    )
    rls.set_request_scope(user_id=None, school_ids=())
    assert (setting("tutela.user_id"), setting("tutela.school_ids")) == (
        ("", "") if ON_POSTGRESQL else (None, None)
    )


def test_the_system_scope_opens_all_schools_and_restores_what_was_before(db):
    if ON_POSTGRESQL:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('tutela.all_schools', '', false)")
    with rls.system_scope():
        assert setting("tutela.all_schools") == ("on" if ON_POSTGRESQL else None)
        with rls.system_scope():
            pass
        assert setting("tutela.all_schools") == ("on" if ON_POSTGRESQL else None)  # the inner one restored it
    assert setting("tutela.all_schools") == ("" if ON_POSTGRESQL else None)


def test_a_users_schools_come_from_the_accounts_app(cast):
    assert rls.schools_of(cast.trust_admin) == {cast.school.pk, cast.other_school.pk}
    assert rls.schools_of(cast.form_tutor) == {cast.school.pk}
    assert rls.schools_of(cast.no_role) == set()


def test_without_the_accounts_app_no_school_can_be_resolved(monkeypatch):
    monkeypatch.setattr(rls, "_resolver", [])
    with pytest.raises(
        RuntimeError, match=r"No school resolver registered: tutela\.accounts must be installed"
    ):
        rls.schools_of(object())


def test_crossing_schools_is_audited_once_per_session_where_there_is_a_wall_to_cross(cast, login):
    client = login(cast.trust_admin)
    for _ in range(2):
        assert client.get(reverse("pupils:list")).status_code == 200
    login(cast.school_admin).get(reverse("pupils:list"))  # one school: nothing crossed
    crossings = AuditEvent.objects.filter(action="policy.cross_school_scope")
    assert [e.actor_id for e in crossings] == ([cast.trust_admin.public_id] if ON_POSTGRESQL else [])


def test_an_anonymous_request_is_scoped_to_no_school(client, db):
    rls.set_request_scope(user_id=1, school_ids=[1])  # left over in this transaction: the request resets it
    assert client.get(reverse("healthz")).status_code == 200
    assert (setting("tutela.user_id"), setting("tutela.school_ids")) == (
        ("", "") if ON_POSTGRESQL else (None, None)
    )
