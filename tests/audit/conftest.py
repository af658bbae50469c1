"""Helpers for the audit tests: a few events, and tampering as someone with the database owner's rights."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection

from tests.cast import Cast, build_cast
from tutela import audit
from tutela.audit.models import AuditEvent
from tutela.vault.scope import vault_scope

AUDIT_TABLES = ("audit_auditevent", "audit_auditcheckpoint")


def record_events(count: int, *, reason: str = "test") -> list[AuditEvent]:
    with audit.context(actor=None, reason=reason):
        return [audit.record(kind="system", action=f"test.event_{n}") for n in range(count)]


def last_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").first()
    return last.seq if last else 0


def events_after(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


@contextmanager
def tampering() -> Iterator[Any]:
    """A raw cursor, as an intruder with the owner's rights would use. On PostgreSQL the append-only
    triggers are switched off first (the owner can; the web role cannot), so the chain is what must catch it.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield cursor
        if connection.vendor == "postgresql":
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


@pytest.fixture
def cast(db: None) -> Cast:
    """The shared cast, built in one vault scope (each key unwrapped once): the same data, a third faster."""
    with vault_scope():
        return build_cast()
