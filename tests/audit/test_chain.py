"""The hash chain and its signed checkpoints (tutela/audit/chain.py): tampering is named, event by event.

Tampering goes through a raw cursor, as an intruder with the database owner's rights would (on PostgreSQL
the append-only triggers are switched off first; tests/audit/test_append_only.py shows they hold).
"""

from __future__ import annotations

import json
import uuid

import pytest

from tests.audit.conftest import record_events, tampering
from tutela.audit import chain
from tutela.audit.models import AuditCheckpoint, AuditEvent
from tutela.core import clock
from tutela.vault import keys

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_automatic_checkpoints(settings):
    settings.TUTELA_AUDIT_CHECKPOINT_EVERY = 0


def verdict(external: str | None = None) -> tuple[bool, str, int | None]:
    found = chain.verify(external)
    return found.ok, found.problem, found.first_bad_seq


def remac_from(seq: int) -> None:
    """What someone holding the chain's MAC key could do: recompute every MAC from ``seq`` on."""
    mac_key = keys.system_mac(chain.CHAIN_KEY)
    previous = AuditEvent.objects.filter(seq=seq - 1).first()
    prev = bytes(previous.mac) if previous else b""
    with tampering() as cursor:
        for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
            mac = mac_key.compute_mac(prev + event.canonical())
            cursor.execute("UPDATE audit_auditevent SET mac = %s WHERE id = %s", [mac, event.pk])
            prev = mac
        cursor.execute("UPDATE audit_audithead SET mac = %s", [prev])


def rewind_head_to(seq: int) -> None:
    """What an intruder who deletes the newest events would also do: point the head at the new last one."""
    last = AuditEvent.objects.get(seq=seq)
    with tampering() as cursor:
        cursor.execute("UPDATE audit_audithead SET seq = %s, mac = %s", [seq, bytes(last.mac)])


# --- intact chains ------------------------------------------------------------------------------------------


def test_an_empty_log_verifies(db):
    assert chain.verify() == chain.Verdict(True, 0, 0)


def test_an_untouched_chain_verifies(db):
    record_events(6)
    chain.checkpoint_now()
    assert chain.verify() == chain.Verdict(True, 6, 1)


def test_events_are_numbered_in_order_and_each_mac_covers_the_one_before(db):
    events = record_events(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert len({bytes(e.mac) for e in events}) == 3
    assert str(events[0]) == "audit #1 system test.event_0"


def test_a_checkpoint_is_signed_automatically_every_n_events(db, settings):
    settings.TUTELA_AUDIT_CHECKPOINT_EVERY = 3
    record_events(7)
    assert list(AuditCheckpoint.objects.values_list("seq", flat=True)) == [3, 6]
    assert chain.verify() == chain.Verdict(True, 7, 2)


def test_a_checkpoint_of_an_empty_log_is_nothing(db):
    assert chain.checkpoint_now() is None
    assert not AuditCheckpoint.objects.exists()


def test_checkpointing_twice_at_the_same_event_signs_once(db):
    record_events(2)
    first = chain.checkpoint_now()
    assert chain.checkpoint_now() == first
    assert AuditCheckpoint.objects.count() == 1


# --- tampering with events ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        "action = 'test.innocent'",
        "kind = 'read'",
        "reason = 'edited'",
        "subjects = '[\"00000000-0000-0000-0000-000000000000\"]'",
        "fields = '[\"legal_first_name\"]'",
    ],
)
def test_an_edited_event_is_named(db, change):
    record_events(5)
    with tampering() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET {change} WHERE seq = 3")  # noqa: S608 (test constants)
    assert verdict() == (False, "event 3 was altered, inserted or reordered", 3)


def test_a_deleted_event_is_named(db):
    record_events(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 3")
    assert verdict() == (False, "event 3 is missing (deleted, or the sequence was altered)", 3)


def test_a_deleted_first_event_is_named(db):
    record_events(3)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 1")
    assert verdict() == (False, "event 1 is missing (deleted, or the sequence was altered)", 1)


def test_a_forged_event_inserted_in_the_middle_is_named(db):
    events = record_events(5)
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET seq = seq + 100 WHERE seq >= 3")
        cursor.execute("UPDATE audit_auditevent SET seq = seq - 99 WHERE seq >= 103")
    AuditEvent.objects.create(
        seq=3,
        occurred_at=events[2].occurred_at,
        kind="system",
        action="test.forged",
        mac=bytes(events[2].mac),  # even a copied genuine MAC does not fit here
    )
    assert AuditEvent.objects.count() == 6
    assert verdict() == (False, "event 3 was altered, inserted or reordered", 3)


def test_a_forged_event_appended_at_the_end_is_named(db):
    record_events(4)
    AuditEvent.objects.create(
        seq=5, occurred_at=clock.now(), kind="system", action="test.forged", mac=b"\x00" * 37
    )
    assert verdict() == (False, "event 5 was altered, inserted or reordered", 5)


def test_two_swapped_events_are_named(db):
    record_events(5)
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET seq = -1 WHERE seq = 2")
        cursor.execute("UPDATE audit_auditevent SET seq = 2 WHERE seq = 4")
        cursor.execute("UPDATE audit_auditevent SET seq = 4 WHERE seq = -1")
    assert verdict() == (False, "event 2 was altered, inserted or reordered", 2)


def test_a_truncated_tail_is_caught_by_the_signed_checkpoint(db):
    record_events(6)
    chain.checkpoint_now()
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq > 4")
    assert verdict() == (
        False,
        "the log ends at event 4 but a signed checkpoint covers event 6: the tail was truncated",
        5,
    )


def test_events_deleted_since_the_last_checkpoint_are_caught_by_the_head(db):
    record_events(4)
    chain.checkpoint_now()
    record_events(3)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq > 5")
    assert verdict() == (
        False,
        "the log ends at event 5 but the chain's head records event 7: "
        "the newest events were deleted or the head was altered",
        6,
    )


def test_a_head_rewound_with_the_deleted_tail_is_not_caught_without_a_checkpoint(db):
    """The limit of the head check: checkpoints (exported off the host) are what prove the tail."""
    record_events(4)
    chain.checkpoint_now()
    record_events(3)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq > 5")
    rewind_head_to(5)
    assert chain.verify() == chain.Verdict(True, 5, 1)


def test_a_chain_recomputed_with_the_mac_key_is_caught_by_the_signed_checkpoint(db):
    record_events(4)
    chain.checkpoint_now()
    record_events(2)
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'test.innocent' WHERE seq = 3")
    remac_from(3)
    assert verdict() == (False, "event 4 does not match its checkpoint", 4)


# --- tampering with checkpoints -----------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["mac", "signature"])
def test_a_checkpoint_with_a_changed_mac_or_signature_is_refused(db, column):
    record_events(3)
    checkpoint = chain.checkpoint_now()
    with tampering() as cursor:
        cursor.execute(
            f"UPDATE audit_auditcheckpoint SET {column} = %s WHERE seq = 3",  # noqa: S608 (test constants)
            [bytes(getattr(checkpoint, column))[:-1] + b"\x00"],
        )
    assert verdict() == (False, "checkpoint at event 3 has a bad signature", 3)


# --- exported checkpoints -----------------------------------------------------------------------------------


def test_the_export_holds_the_public_key_and_every_checkpoint(db, settings):
    settings.TUTELA_AUDIT_CHECKPOINT_EVERY = 2
    record_events(4)
    lines = [json.loads(line) for line in chain.export_checkpoints().splitlines()]
    assert "EcdsaPublicKey" in lines[0]["public_keyset"]
    assert [line["seq"] for line in lines[1:]] == [2, 4]
    assert set(lines[1]) == {"seq", "mac", "created_at", "signature"}
    assert chain.verify(chain.export_checkpoints()) == chain.Verdict(True, 4, 2)


def test_a_tail_cut_with_its_checkpoint_is_caught_by_the_exported_copy(db):
    record_events(6)
    chain.checkpoint_now()
    exported = chain.export_checkpoints()
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq > 4")
        cursor.execute("DELETE FROM audit_auditcheckpoint")
    rewind_head_to(4)
    assert chain.verify().ok  # the database alone no longer shows it
    assert verdict(exported) == (
        False,
        "the log ends at event 4 but a signed checkpoint covers event 6: the tail was truncated",
        5,
    )


def test_a_rewritten_and_re_signed_chain_is_caught_by_the_exported_copy(db):
    record_events(6)
    chain.checkpoint_now()
    exported = chain.export_checkpoints()
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'test.innocent' WHERE seq = 3")
        cursor.execute("DELETE FROM audit_auditcheckpoint")
    remac_from(3)
    chain.checkpoint_now()  # re-signed with the instance's own signing key
    assert chain.verify().ok
    assert verdict(exported) == (False, "checkpoint 6 differs from the exported copy", 6)


def test_a_tampered_export_is_refused(db):
    record_events(3)
    chain.checkpoint_now()
    public, checkpoint = chain.export_checkpoints().splitlines()
    row = json.loads(checkpoint)
    row["mac"] = "00" * (len(row["mac"]) // 2)
    assert verdict(f"{public}\n{json.dumps(row)}\n") == (
        False,
        "exported checkpoint 3 has a bad signature",
        3,
    )


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", json.dumps({"seq": 3, "mac": "00", "signature": "00"}) + "\n", "not json at all\n"],
)
def test_an_export_that_is_not_a_checkpoint_file_is_refused(db, text):
    record_events(3)
    ok, problem, _ = verdict(text)
    assert not ok
    assert problem in {
        "the checkpoint file does not start with the public key",
        "the checkpoint file is not JSON lines of checkpoints",
    }


def test_an_export_with_a_damaged_checkpoint_line_is_refused(db):
    record_events(3)
    chain.checkpoint_now()
    public = chain.export_checkpoints().splitlines()[0]
    damaged = f"{public}\n" + json.dumps({"seq": 3, "mac": "zz", "signature": str(uuid.uuid4())}) + "\n"
    assert verdict(damaged) == (False, "the checkpoint file is not JSON lines of checkpoints", None)
