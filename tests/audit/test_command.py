"""``manage.py audit verify | checkpoint | export-checkpoints``."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import ManagementUtility, call_command

from tests.audit.conftest import record_events, tampering
from tutela.audit.models import AuditCheckpoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_automatic_checkpoints(settings):
    settings.TUTELA_AUDIT_CHECKPOINT_EVERY = 0


def audit_command(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def run_from_command_line(*args: str, capsys) -> tuple[int, str, str]:
    """As ``python manage.py audit ...`` runs it: the exit status, stdout and stderr.

    System checks are skipped: they are tests/architecture's business, and an unrelated one must not hide
    the exit status under test.
    """
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "audit", "--skip-checks", *args]).execute()
        raise SystemExit(0)
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


def test_verify_reports_an_intact_chain(db):
    record_events(4)
    audit_command("checkpoint")
    assert audit_command("verify") == "Audit chain intact: 4 events, 1 signed checkpoints.\n"


def test_verify_exits_non_zero_naming_the_first_bad_event(db, capsys):
    record_events(4)
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'test.innocent' WHERE seq = 2")
    status, out, err = run_from_command_line("verify", capsys=capsys)
    assert status == 1
    assert out == ""
    assert "Audit chain BROKEN: event 2 was altered, inserted or reordered." in err


def test_checkpoint_signs_the_end_of_the_chain(db):
    assert audit_command("checkpoint") == "The log is empty.\n"
    record_events(3)
    assert audit_command("checkpoint") == "Checkpoint at event 3.\n"
    assert list(AuditCheckpoint.objects.values_list("seq", flat=True)) == [3]


def test_an_exported_checkpoint_file_is_used_by_verify(db, tmp_path, capsys):
    record_events(5)
    audit_command("checkpoint")
    path = tmp_path / "checkpoints.jsonl"
    assert audit_command("export-checkpoints", str(path)) == (
        f"Wrote {path}. Keep it somewhere the application host cannot write.\n"
    )
    assert [json.loads(line).get("seq") for line in path.read_text().splitlines()] == [None, 5]
    assert audit_command("verify", "--checkpoints", str(path)) == (
        "Audit chain intact: 5 events, 1 signed checkpoints.\n"
    )
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 5")
        cursor.execute("DELETE FROM audit_auditcheckpoint")
    status, _out, err = run_from_command_line("verify", "--checkpoints", str(path), capsys=capsys)
    assert status == 1
    assert "the log ends at event 4 but a signed checkpoint covers event 5: the tail was truncated" in err


def test_a_tampered_export_file_is_rejected(db, tmp_path, capsys):
    record_events(2)
    audit_command("checkpoint")
    path = tmp_path / "checkpoints.jsonl"
    audit_command("export-checkpoints", str(path))
    public, checkpoint = path.read_text().splitlines()
    row = json.loads(checkpoint) | {"seq": 1}
    path.write_text(f"{public}\n{json.dumps(row)}\n")
    status, _out, err = run_from_command_line("verify", "--checkpoints", str(path), capsys=capsys)
    assert status == 1
    assert "Audit chain BROKEN: exported checkpoint 1 has a bad signature." in err
