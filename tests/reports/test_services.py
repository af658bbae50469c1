"""Report cycles: who runs them, comment rules, and the PDFs (rendered, encrypted, in batches)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.reports.helpers import AUTUMN, amelias_report, pdf_text, year7_cycle
from tutela import policy
from tutela.reports import services
from tutela.reports.models import PupilReport, ReportComment
from tutela.reports.pdf import ExternalResourceRefused, render_pdf

pytestmark = pytest.mark.django_db


def test_the_head_of_year_runs_their_own_years_reports_only(cast, audited):
    cycle = services.cycle_create(actor=cast.head_of_year, year_group=cast.year7, name="Autumn", **AUTUMN)
    assert cycle.school == cast.school and cycle.created_by == cast.head_of_year
    with pytest.raises(PermissionDenied):
        services.cycle_create(actor=cast.head_of_year, year_group=cast.year8, name="Autumn", **AUTUMN)


@pytest.mark.parametrize("role", ["class_teacher", "form_tutor", "senco", "parent", "other_school_admin"])
def test_others_cannot_start_a_cycle(cast, audited, role):
    with pytest.raises(PermissionDenied):
        services.cycle_create(actor=getattr(cast, role), year_group=cast.year7, name="Autumn", **AUTUMN)


def test_a_cycle_needs_its_dates_in_order_and_a_name_of_its_own(cast, audited):
    year7_cycle(cast, "Autumn")
    with pytest.raises(ValidationError) as caught:
        services.cycle_create(
            actor=cast.school_admin,
            year_group=cast.year7,
            name="autumn",
            covers_from=datetime.date(2026, 12, 1),
            covers_to=datetime.date(2026, 9, 1),
        )
    errors = caught.value.message_dict
    assert errors["covers_to"] == ["The last day is before the first day."]
    assert errors["name"] == ["Year 7 already has a report cycle called 'autumn'."]


def test_a_teacher_writes_a_comment_and_an_empty_one_removes_it(cast, audited):
    cycle = year7_cycle(cast)
    comment = services.comment_save(
        actor=cast.class_teacher,
        cycle=cycle,
        pupil=cast.pupil_record,
        heading="Mathematics",
        text=" Works hard. ",
    )
    assert ReportComment.system.get(pk=comment.pk).text == "Works hard."
    services.comment_save(
        actor=cast.class_teacher, cycle=cycle, pupil=cast.pupil_record, heading="Mathematics", text="Better."
    )
    assert [c.text for c in ReportComment.system.filter(cycle=cycle)] == ["Better."]
    services.comment_save(
        actor=cast.class_teacher, cycle=cycle, pupil=cast.pupil_record, heading="Mathematics", text=""
    )
    assert not ReportComment.system.filter(cycle=cycle).exists()


def test_a_teacher_who_cannot_see_the_pupil_cannot_comment(cast, audited):
    with pytest.raises(policy.NotAllowed):
        services.comment_save(
            actor=cast.other_teacher,
            cycle=year7_cycle(cast),
            pupil=cast.pupil_record,
            heading="History",
            text="x",
        )


def test_a_comment_on_a_pupil_of_another_year_is_refused(cast, audited):
    with pytest.raises(ValidationError) as caught:
        services.comment_save(
            actor=cast.school_admin,
            cycle=year7_cycle(cast),
            pupil=cast.sibling_record,
            heading="Headteacher",
            text="x",
        )
    assert caught.value.message_dict == {"pupil": ["This pupil is not in the cycle's year group."]}


def test_an_overlong_comment_says_how_long_it_is(cast, audited):
    with pytest.raises(ValidationError) as caught:
        services.comment_save(
            actor=cast.class_teacher,
            cycle=year7_cycle(cast),
            pupil=cast.pupil_record,
            heading="Mathematics",
            text="a" * 2001,
        )
    assert caught.value.message_dict == {"text": ["Keep the comment under 2000 characters (2001 now)."]}


def test_the_report_holds_the_pupil_and_the_comments_and_is_encrypted_at_rest(cast, audited):
    report = amelias_report(cast, comment="Amelia explains her reasoning clearly.")
    plaintext = report.pdf.read_plaintext()
    assert plaintext.startswith(b"%PDF-")
    text = pdf_text(plaintext)
    assert "Amelia Owusu" in text and "Published report" in text
    assert "Mathematics" in text and "explains her reasoning clearly" in text
    with report.pdf.storage.open(report.pdf.name, "rb") as stored:
        ciphertext = stored.read()
    assert not ciphertext.startswith(b"%PDF") and b"%PDF-" not in ciphertext
    assert re.fullmatch(r"reports_pupilreport/[0-9a-f]{32}\.tink", report.pdf.name)  # not "report.pdf"


def test_regenerating_replaces_the_pdf_and_deletes_the_old_file(
    cast, audited, django_capture_on_commit_callbacks
):
    report = amelias_report(cast)
    old_name, storage = report.pdf.name, report.pdf.storage
    with django_capture_on_commit_callbacks(execute=True):
        again = services.report_generate(actor=cast.school_admin, cycle=report.cycle, pupil=cast.pupil_record)
    assert again.pk == report.pk and again.pdf.name != old_name
    assert not storage.exists(old_name) and storage.exists(again.pdf.name)
    assert PupilReport.system.filter(cycle=report.cycle).count() == 1


def test_a_comment_cannot_make_the_pdf_fetch_anything(cast, audited):
    report = amelias_report(cast, comment='<img src="file:///etc/passwd"> <b>bold</b>')
    text = pdf_text(report.pdf.read_plaintext())
    assert '<img src="file:///etc/passwd">' in text  # shown as text, never parsed as HTML
    with pytest.raises(ExternalResourceRefused):
        render_pdf("reports/tests/external_image.html", {})


def test_a_batch_generates_the_missing_reports_a_few_at_a_time(cast, audited):
    cycle = year7_cycle(cast)
    first = services.cycle_generate_next(actor=cast.school_admin, cycle=cycle, limit=1)
    assert (first.done, first.total, first.remaining, first.percent) == (1, 1, 0, 100)
    assert PupilReport.system.filter(cycle=cycle, pupil=cast.pupil_record).exists()
    again = services.cycle_generate_next(actor=cast.school_admin, cycle=cycle)
    assert (again.done, again.total) == (1, 1)
    assert services.cycle_progress(actor=cast.school_admin, cycle=cycle).remaining == 0


def test_only_those_who_run_the_cycle_generate_and_publish(cast, audited):
    cycle = year7_cycle(cast)
    with pytest.raises(policy.NotAllowed):
        services.cycle_generate_next(actor=cast.class_teacher, cycle=cycle)
    with pytest.raises(policy.NotAllowed):
        services.cycle_publish(actor=cast.class_teacher, cycle=cycle)
    services.cycle_publish(actor=cast.head_of_year, cycle=cycle, on=datetime.date(2026, 12, 19))
    assert cycle.published_on == datetime.date(2026, 12, 19)
