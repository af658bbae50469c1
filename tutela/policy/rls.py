"""PostgreSQL row-level security: the second wall between schools.

The policy layer (``tutela.policy``) already filters every query in SQL. RLS is the wall behind it: if a
query forgets the school (a bug, a raw query, an injection), PostgreSQL itself returns no other school's
rows and refuses to write them.

How it works:
- After every ``migrate`` (post_migrate), every table with a ``school_id`` column gets ``ENABLE`` and
  ``FORCE ROW LEVEL SECURITY`` and one policy, ``tutela_school``, for reads and writes. A new table with a
  school column is therefore covered the moment it is migrated; ``tests/test_rls.py`` walks the
  catalogue to prove it. Child tables without a school column (``CHILD_TABLES``) are scoped through their
  parent, whose own policy applies inside the check.
- Each request runs in one transaction that first sets ``tutela.user_id`` and ``tutela.school_ids`` with
  ``set_config(..., true)`` (transaction-local, so nothing leaks to the next request on a pooled connection).
- Commands and scripts that work across schools say so: ``system_scope()`` sets ``tutela.all_schools``.
- Settings read with ``current_setting(name, true)`` come back as ``''`` once set in an earlier transaction,
  hence the ``NULLIF``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

POLICY = "tutela_school"

# Tables holding school data without a school column: visible when their parent row is visible.
CHILD_TABLES: dict[str, tuple[str, str]] = {
    "schools_term": ("academic_year_id", "schools_academicyear"),
    "schools_formgroup_tutors": ("formgroup_id", "schools_formgroup"),
    "schools_teachinggroup_teachers": ("teachinggroup_id", "schools_teachinggroup"),
    "pupils_guardianlink": ("pupil_id", "pupils_pupil"),
    "pupils_classmembership": ("teaching_group_id", "schools_teachinggroup"),
}

# tutela.all_schools is for commands (system_scope). It is never honoured for the web role: a setting any
# session can change must not be able to widen what the server's own connections see.
VISIBLE_FUNCTION = """
CREATE OR REPLACE FUNCTION tutela_school_visible(school bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT (COALESCE(NULLIF(current_setting('tutela.all_schools', true), ''), 'off') = 'on'
          AND current_user <> %(web_role)s)
      OR school = ANY (
           string_to_array(NULLIF(current_setting('tutela.school_ids', true), ''), ',')::bigint[]
         )
$$;
CREATE OR REPLACE FUNCTION tutela_current_user() RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT NULLIF(current_setting('tutela.user_id', true), '')::bigint
$$;
"""

AUDIT_TABLES = ("audit_auditevent", "audit_auditcheckpoint", "audit_audithead")


# Memberships: a user may *read* their own (that is how a request learns its schools) but may only
# write memberships of schools in scope, so nobody can grant themselves a role elsewhere.
OWN_MEMBERSHIPS = "user_id = tutela_current_user()"


def _expression(table: str) -> str:
    if table == "schools_school":
        # A trust administrator learns their trust's schools here: the explicit path across schools.
        return (
            "tutela_school_visible(id) OR trust_id IN (SELECT m.trust_id FROM accounts_membership m "
            "WHERE m.user_id = tutela_current_user() AND m.role = 'trust_admin')"
        )
    if table in CHILD_TABLES:
        column, parent = CHILD_TABLES[table]
        # Identifiers from CHILD_TABLES above, never from input.
        return f"EXISTS (SELECT 1 FROM {parent} parent WHERE parent.id = {table}.{column})"  # noqa: S608
    return "tutela_school_visible(school_id)"


def school_tables(cursor: Any) -> list[str]:
    """Every table of the current schema with a school_id column, plus the school table and CHILD_TABLES."""
    cursor.execute(
        "SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND column_name = 'school_id' ORDER BY table_name"
    )
    found = {row[0] for row in cursor.fetchall()}
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    existing = {row[0] for row in cursor.fetchall()}
    return sorted(found | ({"schools_school", *CHILD_TABLES} & existing))


def apply(connection: BaseDatabaseWrapper | None = None) -> list[str]:
    """(Re)creates the RLS policies; returns the tables covered. Idempotent; a no-op on SQLite."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        web_role = getattr(settings, "TUTELA_DB_WEB_ROLE", "") or ""
        cursor.execute(VISIBLE_FUNCTION, {"web_role": web_role})
        tables = school_tables(cursor)
        for table in tables:
            expression = _expression(table)
            cursor.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
            cursor.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
            cursor.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
            cursor.execute(f'DROP POLICY IF EXISTS {POLICY}_self ON "{table}"')
            cursor.execute(
                f'CREATE POLICY {POLICY} ON "{table}" USING ({expression}) WITH CHECK ({expression})'
            )
            if table == "accounts_membership":
                cursor.execute(
                    f'CREATE POLICY {POLICY}_self ON "{table}" FOR SELECT USING ({OWN_MEMBERSHIPS})'
                )
        grant_web_role(cursor)
    return tables


def grant_web_role(cursor: Any) -> None:
    """Gives the serving role (TUTELA_DB_WEB_ROLE) what it needs and nothing more: no DDL, no rewriting
    or deleting audit rows. The migrating (owner) role keeps ownership."""
    role = getattr(settings, "TUTELA_DB_WEB_ROLE", "")
    if not role:
        return
    quoted = '"' + role.replace('"', '""') + '"'
    cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
    cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
    cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
    cursor.execute(
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent, audit_auditcheckpoint FROM {quoted}"
    )
    cursor.execute(f"REVOKE DELETE, TRUNCATE ON audit_audithead FROM {quoted}")


def _set(cursor: Any, name: str, value: str, *, local: bool) -> None:
    cursor.execute("SELECT set_config(%s, %s, %s)", [name, value, local])


def set_request_scope(*, user_id: int | None, school_ids: Iterable[int]) -> None:
    """Scopes the current transaction to a user and their schools (transaction-local settings)."""
    if default_connection.vendor != "postgresql":
        return
    with default_connection.cursor() as cursor:
        _set(cursor, "tutela.user_id", str(user_id or ""), local=True)
        _set(cursor, "tutela.school_ids", ",".join(str(int(s)) for s in sorted(set(school_ids))), local=True)


def set_user(user_id: int | None) -> None:
    if default_connection.vendor != "postgresql":
        return
    with default_connection.cursor() as cursor:
        _set(cursor, "tutela.user_id", str(user_id or ""), local=True)


@contextmanager
def system_scope() -> Iterator[None]:
    """All schools, for commands, imports and migrations that work across schools. Never for requests.

    Restores whatever was set before, so nested or repeated use cannot widen or narrow an outer scope.
    """
    if default_connection.vendor != "postgresql":
        yield
        return
    with default_connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('tutela.all_schools', true)")
        previous = cursor.fetchone()[0] or ""
        _set(cursor, "tutela.all_schools", "on", local=False)
    try:
        yield
    finally:
        with default_connection.cursor() as cursor:
            _set(cursor, "tutela.all_schools", previous, local=False)


def on_post_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    apply(connections[using])


# --- which schools a request may touch -------------------------------------------------------------------

SchoolResolver = Callable[[Any], set[int]]
_resolver: list[SchoolResolver] = []


def register_school_resolver(resolver: SchoolResolver) -> None:
    """The accounts app tells the policy which schools a user belongs to (the policy cannot import it)."""
    _resolver[:] = [resolver]


def schools_of(user: Any) -> set[int]:
    if not _resolver:
        raise RuntimeError("No school resolver registered: tutela.accounts must be installed.")
    return _resolver[0](user)
