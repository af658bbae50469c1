"""On PostgreSQL the audit tables refuse UPDATE, DELETE and TRUNCATE (tutela/audit/migrations/0002).

These go through the application's own connection (the owner's role, which migrated the tables): the
trigger holds even for it. The web role's missing grants are tested in tests/test_rls.py.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from tests.audit.conftest import record_events
from tutela.audit import chain
from tutela.audit.models import AuditCheckpoint, AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def logged(db) -> None:
    record_events(3)
    chain.checkpoint_now()


def test_an_event_cannot_be_updated(logged):
    refused = "the audit log is append-only: UPDATE on audit_auditevent refused"
    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        AuditEvent.objects.filter(seq=2).update(action="test.innocent")
    assert AuditEvent.objects.get(seq=2).action == "test.event_1"


def test_an_event_cannot_be_deleted(logged):
    with (
        pytest.raises(DatabaseError, match="append-only: DELETE on audit_auditevent refused"),
        transaction.atomic(),
    ):
        AuditEvent.objects.filter(seq=2).delete()
    assert AuditEvent.objects.count() == 3


def test_the_event_table_cannot_be_truncated(logged):
    refused = "append-only: TRUNCATE on audit_auditevent refused"
    with pytest.raises(DatabaseError, match=refused), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == 3


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditcheckpoint SET seq = 1",
        "DELETE FROM audit_auditcheckpoint",
        "TRUNCATE audit_auditcheckpoint",
    ],
)
def test_a_checkpoint_cannot_be_changed_or_removed(logged, statement):
    refused = "the audit log is append-only"
    with pytest.raises(DatabaseError, match=refused), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert list(AuditCheckpoint.objects.values_list("seq", flat=True)) == [3]


def test_appending_still_works(logged):
    record_events(1)
    assert chain.verify() == chain.Verdict(True, 4, 1)


def test_the_trigger_migration_can_be_reversed_and_applied_again(logged):
    migration = importlib.import_module("tutela.audit.migrations.0002_append_only_trigger")
    with connection.schema_editor() as editor:
        migration.backward(apps, editor)
    assert AuditEvent.objects.filter(seq=2).update(action="test.innocent") == 1  # no wall without it
    with connection.schema_editor() as editor:
        migration.forward(apps, editor)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=3).update(action="test.innocent")
