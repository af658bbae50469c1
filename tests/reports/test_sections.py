"""The report's attendance, progress and behaviour sections against small worked examples, built through
each app's services; a section is left out when there is nothing to say; the PDF carries their text."""

from __future__ import annotations

import datetime

import pytest

from tests.assessment.helpers import ensure_assessment, record_result
from tests.reports.helpers import pdf_text, year7_cycle
from tests.reports.worked import autumn_behaviour, freeze_after_term, mark_sessions, record, set_due
from tutela import audit
from tutela.assessment import services as assessment
from tutela.assessment.models import ResultKind
from tutela.audit.models import AuditEvent
from tutela.behaviour import services as behaviour
from tutela.reports import services
from tutela.reports.sections import (
    Window,
    attendance_section,
    behaviour_section,
    build_sections,
    overview_sections,
    progress_section,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def after_term(monkeypatch):
    freeze_after_term(monkeypatch)


TERM = Window(datetime.date(2026, 9, 2), datetime.date(2026, 12, 18), for_family=True)
STAFF_TERM = Window(TERM.start, TERM.end, for_family=False)


# --- attendance ---------------------------------------------------------------------------------------------


def test_ten_sessions_with_one_unauthorised_absence_is_ninety_per_cent(cast, audited):
    mark_sessions(cast, ["/", "\\", "/", "\\", "/", "N", "/", "\\", "/", "\\"])
    section = attendance_section(cast.school_admin, cast.pupil_record, TERM)
    summary = section.context["summary"]
    assert summary.rate.display == "90.0 %"
    assert (summary.rate.possible, summary.present, summary.unauthorised, summary.authorised) == (10, 9, 1, 0)
    assert summary.lates == 0


def test_the_counts_follow_the_dfe_definitions(cast, audited):
    # X is not a possible session; L is present (and late); U is late after the register closed, which
    # counts as an unauthorised absence; I is authorised; V is an approved educational activity.
    mark_sessions(cast, ["/", "/", "L", "/", "I", "V", "U", "/", "X", "/"])
    summary = attendance_section(cast.head_of_year, cast.pupil_record, TERM).context["summary"]
    assert (summary.rate.possible, summary.rate.attended) == (9, 7)
    assert summary.rate.display == "77.8 %"
    assert (summary.present, summary.activity, summary.authorised, summary.unauthorised) == (6, 1, 1, 1)
    assert summary.lates == 2


def test_attendance_is_left_out_without_marks_in_the_range(cast, audited):
    mark_sessions(cast, ["/", "\\"])
    assert attendance_section(cast.school_admin, cast.pupil_record, TERM) is not None
    before = Window(datetime.date(2026, 9, 2), datetime.date(2026, 11, 20), for_family=True)
    assert attendance_section(cast.school_admin, cast.pupil_record, before) is None


def test_attendance_is_left_out_for_a_teacher_who_sees_lessons_only(cast, audited):
    mark_sessions(cast, ["/", "\\"])
    assert attendance_section(cast.class_teacher, cast.pupil_record, TERM) is None


# --- progress -----------------------------------------------------------------------------------------------


def test_progress_shows_target_latest_grades_and_track_in_words(cast, audited):
    setup = ensure_assessment(cast)
    set_due(setup, 0, datetime.date(2026, 10, 20))
    set_due(setup, 1, datetime.date(2026, 12, 15))
    set_due(setup, 2, datetime.date(2027, 2, 10))  # after the term: not this report's
    record_result(cast, setup, "2", point=0)
    record_result(cast, setup, "3", point=1)
    record_result(cast, setup, "1", point=2)
    with audit.context(actor=cast.class_teacher, reason="test"):
        assessment.result_set(
            actor=cast.class_teacher,
            pupil=cast.pupil_record,
            subject=setup.maths,
            point=setup.points7[1],
            kind=ResultKind.PREDICTED,
            value="5",
        )
    [row] = progress_section(cast.school_admin, cast.pupil_record, TERM).context["rows"]
    # Target 5 on a flight path from 2 over 12 points: expected at Autumn 2 (index 1) is 2 + 3/11 = 2.27;
    # working at 3 is 0.73 above, beyond the 0.5 tolerance.
    assert (row.subject, row.target, row.point) == (setup.maths.name, "5", setup.points7[1].name)
    assert (row.working_at, row.predicted, row.track) == ("3", "5", "Above track")


def test_progress_on_track_within_the_tolerance(cast, audited):
    setup = ensure_assessment(cast)
    set_due(setup, 0, datetime.date(2026, 10, 20))
    record_result(cast, setup, "2", point=0)  # expected 2 at the first point
    [row] = progress_section(cast.school_admin, cast.pupil_record, TERM).context["rows"]
    assert (row.working_at, row.predicted, row.track) == ("2", "", "On track")


def test_progress_is_left_out_without_grades_and_for_those_who_may_not_see_them(cast, audited):
    setup = ensure_assessment(cast)
    assert progress_section(cast.school_admin, cast.pupil_record, TERM) is None
    set_due(setup, 0, datetime.date(2026, 10, 20))
    record_result(cast, setup, "2", point=0)
    assert progress_section(cast.form_tutor, cast.pupil_record, TERM) is None  # tutors: no grades


# --- behaviour ----------------------------------------------------------------------------------------------


def test_the_family_pdf_counts_only_what_is_shared_with_families(cast, audited, after_term):
    autumn_behaviour(cast)
    summary = behaviour_section(cast.school_admin, cast.pupil_record, TERM).context["summary"]
    assert (summary.achievements, summary.achievement_points) == (2, 3)
    assert (summary.incidents, summary.incident_points) == (1, -3)
    assert (summary.detentions, summary.detentions_served, summary.net_points) == (1, 1, 0)
    assert summary.shared_only


def test_staff_see_every_record_they_may_count(cast, audited, after_term):
    autumn_behaviour(cast)
    since = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    with audit.context(actor=cast.school_admin, reason="test"):  # reads are written when it ends
        summary = behaviour_section(cast.school_admin, cast.pupil_record, STAFF_TERM).context["summary"]
    assert (summary.achievements, summary.achievement_points) == (2, 3)
    assert (summary.incidents, summary.incident_points) == (2, -8)
    assert (summary.detentions, summary.detentions_served) == (2, 1)
    assert not summary.shared_only
    [read] = AuditEvent.objects.filter(seq__gt=since, kind="read")  # counts only: read all the same
    assert (read.categories, read.subjects) == (["behaviour"], [str(cast.pupil_record.public_id)])


def test_behaviour_is_left_out_when_nothing_is_recorded_or_shared(cast, audited, after_term):
    behaviour.defaults_seed(school=cast.school)
    assert behaviour_section(cast.school_admin, cast.pupil_record, TERM) is None
    record(cast, "Bullying", datetime.date(2026, 10, 6))  # not shared
    assert behaviour_section(cast.school_admin, cast.pupil_record, TERM) is None
    assert behaviour_section(cast.school_admin, cast.pupil_record, STAFF_TERM) is not None


# --- the PDF ------------------------------------------------------------------------------------------------


def test_the_pdf_carries_the_three_sections_and_never_notes_or_staff_names(cast, audited, after_term):
    mark_sessions(cast, ["/", "\\", "/", "\\", "/", "N", "/", "\\", "/", "\\"])
    setup = ensure_assessment(cast)
    set_due(setup, 0, datetime.date(2026, 10, 20))
    record_result(cast, setup, "2", point=0)
    autumn_behaviour(cast)
    cycle = year7_cycle(cast)
    with audit.context(actor=cast.school_admin, reason="test"):
        report = services.report_generate(actor=cast.school_admin, cycle=cycle, pupil=cast.pupil_record)
    text = pdf_text(report.pdf.read_plaintext())
    assert "Attendance" in text and "90.0 %" in text and "Unauthorised absences" in text
    assert "Progress" in text and setup.maths.name in text and "On track" in text
    assert "Behaviour" in text and "Achievements" in text and "Detentions: 1 (1 served)" in text
    assert "shares with families" in text
    assert "Private notes" not in text
    assert cast.form_tutor.display_name not in text


def test_an_empty_report_has_none_of_the_sections(cast, audited):
    cycle = year7_cycle(cast)
    assert build_sections(cast.school_admin, cast.pupil_record, cycle) == []
    assert overview_sections(cast.school_admin, cast.pupil_record, TERM.start, TERM.end) == []
