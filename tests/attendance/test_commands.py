from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from tests.attendance.conftest import MONDAY
from tutela.attendance.management.commands.seed_attendance import weekdays_back
from tutela.attendance.models import AttendanceAlert, Mark, Register

pytestmark = pytest.mark.django_db


def test_weekdays_back_skips_weekends():
    assert weekdays_back(MONDAY, 2) == [MONDAY - datetime.timedelta(days=3), MONDAY]


def test_the_generator_takes_every_form_register_once_and_is_idempotent(cast):
    out = io.StringIO()
    call_command("seed_attendance", "--days", "2", "--end", MONDAY.isoformat(), "--urn", "100001", stdout=out)
    forms_registers = Register.objects.filter(school=cast.school, form_group__isnull=False)
    assert forms_registers.count() == 2 * 2 * 2  # 7A and 8A, AM and PM, two days
    assert all(r.taken_at for r in forms_registers)
    marks = Mark.system.count()
    assert marks == 2 * 2 * 3  # Amelia in 7A; Bilal and Dami in 8A
    call_command("seed_attendance", "--days", "2", "--end", MONDAY.isoformat(), "--urn", "100001", stdout=out)
    assert Mark.system.count() == marks


def test_the_alerts_command_alerts_the_tutor_about_an_absent_pupil(cast, login):
    from tests.attendance.conftest import build_day
    from tutela import audit
    from tutela.attendance import services
    from tutela.core import clock

    with audit.context(actor=None, reason="test"):
        day = build_day(cast, clock.today())
        services.register_submit(
            actor=cast.form_tutor, register=day.am_7a, marks=[services.MarkInput(cast.pupil_record.pk, "N")]
        )
    out = io.StringIO()
    call_command("attendance_alerts", "--urn", "100001", stdout=out)
    assert "100001: 2 alert(s) raised" in out.getvalue()
    assert sorted(AttendanceAlert.system.values_list("threshold", flat=True)) == [50, 90]
    page = login(cast.form_tutor).get("/attendance/")
    assert b"Amelia Owusu" in page.content
