"""PostgreSQL row-level security: the second wall between schools (tutela/policy/rls.py).

These tests switch off the test suite's cross-school setting and act as the web role (``SET LOCAL ROLE``),
so they see exactly what the server's own database role would see.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from tutela.policy import rls

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def enforced() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('tutela.all_schools', '', false)")
    yield


@pytest.fixture
def as_web_role(enforced: None) -> Iterator[object]:
    role = settings.TUTELA_DB_WEB_ROLE
    assert role, "TUTELA_TEST_PG_WEB_ROLE must name the cluster's non-owner web role"
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{role}"')
        cursor.execute("SELECT current_user, usesuper FROM pg_user WHERE usename = current_user")
        assert cursor.fetchone() == (role, False)
        yield cursor
        cursor.execute("RESET ROLE")


def _count(cursor: object, table: str) -> int:
    cursor.execute(f"SELECT count(*) FROM {table}")  # type: ignore[attr-defined]  # noqa: S608 (test constants)
    return cursor.fetchone()[0]  # type: ignore[attr-defined]


def test_every_table_with_a_school_column_has_a_forced_policy():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname IN ("
            "  SELECT table_name FROM information_schema.columns "
            "  WHERE table_schema = current_schema() AND column_name = 'school_id')",
            [rls.POLICY],
        )
        rows = cursor.fetchall()
    assert len(rows) >= 8
    unprotected = [name for name, enabled, forced, policy in rows if not (enabled and forced and policy)]
    assert unprotected == [], f"tables with a school column but no forced RLS policy: {unprotected}"


def test_school_and_child_tables_are_protected_too():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relrowsecurity AND relforcerowsecurity",
            [["schools_school", *rls.CHILD_TABLES]],
        )
        protected = {row[0] for row in cursor.fetchall()}
    assert protected == {"schools_school", *rls.CHILD_TABLES}


def test_a_query_that_forgets_the_school_sees_no_rows(cast, as_web_role):
    for table in (
        "pupils_pupil",
        "pupils_guardian",
        "pupils_guardianlink",
        "schools_school",
        "schools_formgroup",
    ):
        assert _count(as_web_role, table) == 0, table


def test_a_scoped_transaction_sees_only_its_school(cast, as_web_role):
    rls.set_request_scope(user_id=cast.school_admin.pk, school_ids=[cast.school.pk])
    as_web_role.execute("SELECT DISTINCT school_id FROM pupils_pupil")
    assert [row[0] for row in as_web_role.fetchall()] == [cast.school.pk]
    assert _count(as_web_role, "pupils_classmembership") == 2  # the other school's class is hidden
    rls.set_request_scope(user_id=cast.other_school_admin.pk, school_ids=[cast.other_school.pk])
    as_web_role.execute("SELECT public_id FROM pupils_pupil")
    assert [row[0] for row in as_web_role.fetchall()] == [cast.other_school_pupil.public_id]


def test_writing_another_schools_row_fails(cast, as_web_role):
    rls.set_request_scope(user_id=cast.other_school_admin.pk, school_ids=[cast.other_school.pk])
    with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        as_web_role.execute(
            "INSERT INTO schools_subject (public_id, school_id, name, code) "
            "VALUES (gen_random_uuid(), %s, 'X', 'X')",
            [cast.school.pk],
        )


def test_an_update_of_another_schools_row_changes_nothing(cast, as_web_role):
    rls.set_request_scope(user_id=cast.other_school_admin.pk, school_ids=[cast.other_school.pk])
    as_web_role.execute("UPDATE schools_subject SET name = 'Renamed' WHERE school_id = %s", [cast.school.pk])
    assert as_web_role.rowcount == 0


def test_a_user_can_read_their_own_memberships_before_their_schools_are_known(cast, as_web_role):
    rls.set_request_scope(user_id=cast.form_tutor.pk, school_ids=[])
    as_web_role.execute("SELECT user_id FROM accounts_membership")
    assert {row[0] for row in as_web_role.fetchall()} == {cast.form_tutor.pk}


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent", "TRUNCATE audit_auditevent"],
)
def test_the_web_role_cannot_rewrite_the_audit_log(cast, as_web_role, statement):
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        as_web_role.execute(statement)


def test_the_web_role_cannot_change_the_schema(as_web_role):
    with pytest.raises(DatabaseError, match=r"must be owner|permission denied"), transaction.atomic():
        as_web_role.execute("ALTER TABLE pupils_pupil DISABLE ROW LEVEL SECURITY")


def test_pages_work_under_row_level_security(cast, login, enforced):
    client = login(cast.form_tutor)
    response = client.get(reverse("pupils:profile", args=[cast.pupil_record.public_id]))
    assert response.status_code == 200
    assert b"Amelia" in response.content


def test_another_schools_admin_is_walled_off_by_the_database_too(cast, login, enforced):
    client = login(cast.other_school_admin)
    assert client.get(reverse("pupils:profile", args=[cast.pupil_record.public_id])).status_code == 404
    with connection.cursor() as cursor:  # the request's scope is still set in this test's transaction
        cursor.execute("SELECT count(*) FROM pupils_pupil WHERE school_id = %s", [cast.school.pk])
        assert cursor.fetchone()[0] == 0


def test_a_trust_admin_crosses_schools_through_the_audited_path(cast, login, enforced):
    from tutela.audit.models import AuditEvent

    client = login(cast.trust_admin)
    assert client.get(reverse("pupils:profile", args=[cast.other_school_pupil.public_id])).status_code == 200
    client.get(reverse("pupils:list"))
    crossings = AuditEvent.objects.filter(
        action="policy.cross_school_scope", actor_id=cast.trust_admin.public_id
    )
    assert crossings.count() == 1


def test_the_web_role_cannot_switch_on_all_schools_itself(cast, as_web_role):
    """An injected set_config must not widen the wall: all_schools is for commands, never the web role."""
    rls.set_request_scope(user_id=cast.other_school_admin.pk, school_ids=[cast.other_school.pk])
    as_web_role.execute("SELECT set_config('tutela.all_schools', 'on', true)")
    as_web_role.execute("SELECT DISTINCT school_id FROM pupils_pupil")
    assert [row[0] for row in as_web_role.fetchall()] == [cast.other_school.pk]


def test_a_user_cannot_grant_themselves_a_role_at_another_school(cast, as_web_role):
    rls.set_request_scope(user_id=cast.other_school_admin.pk, school_ids=[cast.other_school.pk])
    with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        as_web_role.execute(
            "INSERT INTO accounts_membership (user_id, role, school_id) VALUES (%s, 'school_admin', %s)",
            [cast.other_school_admin.pk, cast.school.pk],
        )
    with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        as_web_role.execute(
            "UPDATE accounts_membership SET school_id = %s WHERE user_id = %s",
            [cast.school.pk, cast.other_school_admin.pk],
        )
