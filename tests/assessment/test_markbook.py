"""The markbook: who sees which classes, cell entry and its errors, paste, undo, totals, colours with text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.assessment.helpers import build_assessment
from tests.cast import make_pupil, make_user
from tutela import audit, policy
from tutela.accounts.models import Role
from tutela.assessment import selectors, services
from tutela.assessment.models import Mark
from tutela.audit.models import AuditEvent
from tutela.pupils import services as pupil_services
from tutela.vault.scope import vault_scope

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def setup(cast, audited):
    return build_assessment(cast)


def _cell_url(setup, cast, column=None):
    column = column or setup.test_column
    return reverse("assessment:cell", args=[column.public_id, cast.pupil_record.public_id])


def _mark(setup, cast, column=None):
    return Mark.system.filter(column=column or setup.test_column, pupil=cast.pupil_record).first()


def test_a_teacher_saves_a_cell_and_the_save_is_audited(setup, cast, login):
    client = login(cast.class_teacher)
    response = client.post(_cell_url(setup, cast), {"value": "31.5"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'value="31.5"' in response.content and b"<html" not in response.content
    assert _mark(setup, cast).points == D("31.5")
    event = AuditEvent.objects.filter(action="assessment.mark.create").latest("id")
    assert event.actor_id == cast.class_teacher.public_id
    assert str(cast.pupil_record.public_id) in event.subjects


def test_a_bad_value_is_refused_in_the_cell_with_a_clear_error(setup, cast, login):
    client = login(cast.class_teacher)
    response = client.post(_cell_url(setup, cast), {"value": "41"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "41 is out of range: enter a number from 0 to 40" in body
    assert 'aria-invalid="true"' in body and "-err" in body
    assert _mark(setup, cast) is None
    response = client.post(
        _cell_url(setup, cast, setup.grade_column), {"value": "5*"}, HTTP_HX_REQUEST="true"
    )
    assert "is not a grade on GCSE 9-1 with fine grades" in response.content.decode()


def test_a_grade_shows_its_gap_to_the_flight_path_in_colour_and_in_words(setup, cast, login):
    """Autumn 1 of year 7 is point 0 of 12: expected = start = 2. Working at 3 -> +1.00: above track."""
    client = login(cast.class_teacher)
    response = client.post(_cell_url(setup, cast, setup.grade_column), {"value": "3"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "track-above" in body
    assert "Above track (+1.00 vs expected)" in body
    response = client.post(
        _cell_url(setup, cast, setup.grade_column), {"value": "2-"}, HTTP_HX_REQUEST="true"
    )
    assert "On track (-0.33 vs expected)" in response.content.decode()


def test_totals_and_averages_follow_the_documented_semantics(setup, cast):
    """Test 30/40 (weight 1) = 0.75; grade 6 on GCSE fine (weight 2): (6 - 0) / (9 - 0) = 0.6667.
    Weighted total = (1 x 0.75 + 2 x 0.6667) / 3 = 69.4%. The class average of one pupil is their value."""
    services.mark_set(actor=cast.class_teacher, column=setup.test_column, pupil=cast.pupil_record, value="30")
    services.mark_set(actor=cast.class_teacher, column=setup.grade_column, pupil=cast.pupil_record, value="6")
    book = selectors.markbook(actor=cast.class_teacher, teaching_group=cast.maths_7a)
    (row,) = book.rows
    assert row.total == "69.4%"
    assert row.target == "5"
    assert book.averages == ["30", "6"]


def test_an_empty_cell_is_left_out_of_the_total_not_counted_as_zero(setup, cast):
    services.mark_set(actor=cast.class_teacher, column=setup.test_column, pupil=cast.pupil_record, value="20")
    (row,) = selectors.markbook(actor=cast.class_teacher, teaching_group=cast.maths_7a).rows
    assert row.total == "50.0%"


def test_undo_puts_back_the_value_and_the_comment(setup, cast, login):
    client = login(cast.class_teacher)
    client.post(_cell_url(setup, cast), {"value": "12", "comment": "Rushed the last page"})
    client.post(_cell_url(setup, cast), {"value": "15", "comment": "Re-marked"})
    response = client.post(reverse("assessment:undo", args=[cast.maths_7a.public_id]))
    assert response.status_code == 302
    mark = _mark(setup, cast)
    assert (mark.points, mark.comment) == (D(12), "Rushed the last page")
    # The session holds the cell's id, never its value or comment.
    session = client.session
    assert set(session.get("assessment.last_mark", "")) <= set("0123456789abcdef-")


def test_undo_with_nothing_to_undo_says_so(setup, cast, login):
    client = login(cast.class_teacher)
    response = client.post(reverse("assessment:undo", args=[cast.maths_7a.public_id]), follow=True)
    assert "There is no change to undo." in response.content.decode()


def test_a_pasted_column_saves_every_value_in_row_order(setup, cast):
    second = make_pupil(cast.school, cast.year7, cast.form_7a, "Zara", "Adams")
    pupil_services.class_add_pupils(teaching_group=cast.maths_7a, pupils=[second])
    pupils = selectors.roster(actor=cast.class_teacher, teaching_group=cast.maths_7a)
    assert [p.last_name for p in pupils] == ["Adams", "Owusu"]
    services.column_paste(
        actor=cast.class_teacher, column=setup.test_column, pupils=pupils, text="25\t\r\n33\r\n"
    )
    values = {m.pupil_id: m.points for m in Mark.system.filter(column=setup.test_column)}
    assert values == {second.pk: D(25), cast.pupil_record.pk: D(33)}


def test_a_paste_with_one_bad_value_saves_nothing_and_names_the_row(setup, cast):
    second = make_pupil(cast.school, cast.year7, cast.form_7a, "Zara", "Adams")
    pupil_services.class_add_pupils(teaching_group=cast.maths_7a, pupils=[second])
    pupils = selectors.roster(actor=cast.class_teacher, teaching_group=cast.maths_7a)
    with pytest.raises(ValidationError, match=r"Row 2: “abs” is not a mark.*Nothing was saved"):
        services.column_paste(
            actor=cast.class_teacher, column=setup.test_column, pupils=pupils, text="25\nabs\n"
        )
    assert not Mark.system.filter(column=setup.test_column).exists()
    with pytest.raises(ValidationError, match="3 values for 2 pupils"):
        services.column_paste(
            actor=cast.class_teacher, column=setup.test_column, pupils=pupils, text="1\n2\n3"
        )


def test_the_paste_view_reports_the_row_and_saves_nothing(setup, cast, login):
    client = login(cast.class_teacher)
    url = reverse("assessment:paste", args=[setup.test_column.public_id])
    response = client.post(url, {"values": "99", "start": "0"}, follow=True)
    assert "Row 1: 99 is out of range" in response.content.decode()
    assert _mark(setup, cast) is None


def test_a_teacher_of_another_class_gets_404_for_the_marks_and_comments(setup, cast, login):
    services.mark_set(
        actor=cast.class_teacher,
        column=setup.test_column,
        pupil=cast.pupil_record,
        value="30",
        comment="Needs support with fractions",
    )
    client = login(cast.other_teacher)
    assert client.get(_cell_url(setup, cast)).status_code == 404
    assert client.post(_cell_url(setup, cast), {"value": "1"}).status_code == 404
    assert client.get(reverse("assessment:markbook", args=[cast.maths_7a.public_id])).status_code == 404
    assert Mark.objects.for_actor(cast.other_teacher, "assessment.view_marks").count() == 0


def test_the_class_teacher_reads_the_comment_on_the_cell_page(setup, cast, login):
    services.mark_set(
        actor=cast.class_teacher,
        column=setup.test_column,
        pupil=cast.pupil_record,
        value="30",
        comment="Needs support with fractions",
    )
    response = login(cast.class_teacher).get(_cell_url(setup, cast))
    assert "Needs support with fractions" in response.content.decode()


def test_the_head_of_year_reads_but_may_not_change_a_markbook(setup, cast, login):
    client = login(cast.head_of_year)
    assert client.get(reverse("assessment:markbook", args=[cast.maths_7a.public_id])).status_code == 200
    assert client.post(_cell_url(setup, cast), {"value": "1"}).status_code == 403


def test_a_head_of_department_sees_and_edits_every_class_of_their_subject(setup, cast, login):
    with audit.context(actor=None, reason="test"):
        hod = make_user("head_of_maths", role=Role.CLASS_TEACHER, school=cast.school)
        services.subject_lead_set(subject=setup.maths, user=hod)
    assert selectors.markbook_classes(actor=hod) == [cast.maths_7a]
    client = login(hod)
    page = client.get(reverse("assessment:markbook", args=[cast.maths_7a.public_id]))
    assert "Owusu, Amelia" in page.content.decode()
    assert client.post(_cell_url(setup, cast), {"value": "22"}).status_code == 302
    # ... and only their subject: history in 8A stays out of reach.
    assert (
        not policy.scope(hod, "assessment.view_markbook", type(cast.maths_7a)).filter(name="8A/Hi").exists()
    )


def test_a_head_of_department_at_another_school_sees_nothing_here(setup, cast):
    with vault_scope(), audit.context(actor=None, reason="test"):
        outsider = make_user("outsider_hod", role=Role.CLASS_TEACHER, school=cast.other_school)
        services.subject_lead_set(subject=setup.maths, user=outsider)
    assert selectors.markbook_classes(actor=outsider) == []


def test_a_markbook_page_lists_pupils_values_and_the_paste_forms(setup, cast, login):
    services.mark_set(actor=cast.class_teacher, column=setup.test_column, pupil=cast.pupil_record, value="30")
    body = (
        login(cast.class_teacher).get(reverse("assessment:markbook", args=[cast.maths_7a.public_id])).content
    )
    text = body.decode()
    assert "Owusu, Amelia" in text and 'value="30"' in text
    assert "Paste a column into “Algebra test”" in text
    assert "js/markbook.js" in text and "<script>" not in text


# --- data drops: working-at and predicted grades ---------------------------------------------------------


def _grades_url(cast):
    return reverse("assessment:grades", args=[cast.maths_7a.public_id])


def test_a_teacher_records_working_at_and_predicted_grades_at_a_point(setup, cast, login):
    """Autumn 1 of year 7 (point 0): expected 2; working at 2+ -> +0.33, on track."""
    client = login(cast.class_teacher)
    page = client.get(_grades_url(cast)).content.decode()
    assert "Grades: 7A/Ma, Autumn 1" in page and "Owusu, Amelia" in page and "2 (2.00)" in page
    point = str(setup.points7[0].public_id)
    body = {"pupil": str(cast.pupil_record.public_id), "kind": "working_at", "point": point, "value": "2+"}
    response = client.post(_grades_url(cast), body, HTTP_HX_REQUEST="true").content.decode()
    assert "On track (+0.33 vs expected)" in response and "track-on" in response
    client.post(_grades_url(cast), {**body, "kind": "predicted", "value": "6"}, HTTP_HX_REQUEST="true")
    from tutela.assessment.models import Result

    assert sorted(Result.system.values_list("kind", "points")) == [
        ("predicted", D(6)),
        ("working_at", D("2.33")),
    ]
    # The next visit opens the next point without working-at grades.
    assert "Grades: 7A/Ma, Autumn 2" in client.get(_grades_url(cast)).content.decode()


def test_a_grade_off_the_scale_is_refused_in_its_cell(setup, cast, login):
    body = {"pupil": str(cast.pupil_record.public_id), "kind": "working_at", "value": "B"}
    response = (
        login(cast.class_teacher).post(_grades_url(cast), body, HTTP_HX_REQUEST="true").content.decode()
    )
    assert "“B” is not a grade on GCSE 9-1 with fine grades" in response and 'aria-invalid="true"' in response


def test_the_head_of_year_reads_grades_but_may_not_enter_them(setup, cast, login):
    client = login(cast.head_of_year)
    assert client.get(_grades_url(cast)).status_code == 200
    body = {"pupil": str(cast.pupil_record.public_id), "kind": "working_at", "value": "3"}
    assert client.post(_grades_url(cast), body).status_code == 403
    assert login(cast.other_teacher).get(_grades_url(cast)).status_code == 404


def test_a_teacher_marks_an_objective_and_the_head_of_year_reads_it(setup, cast, login):
    from tutela.assessment.models import CurriculumObjective, ObjectiveMark

    objective = CurriculumObjective.objects.get(code="N1")
    url = reverse("assessment:objectives", args=[cast.maths_7a.public_id])
    body = {
        "pupil": str(cast.pupil_record.public_id),
        "objective": str(objective.public_id),
        "level": "secure",
    }
    response = login(cast.class_teacher).post(url, body, HTTP_HX_REQUEST="true")
    assert response.content.decode() == '<span role="status">Saved: Secure</span>'
    assert ObjectiveMark.system.get().level == "secure"
    assert login(cast.class_teacher).post(url, {**body, "level": "great"}).status_code == 400
    page = login(cast.head_of_year).get(url).content.decode()
    assert "Add fractions with different denominators" in page and "Secure" in page
    assert login(cast.head_of_year).post(url, body).status_code == 403
    assert login(cast.other_teacher).get(url).status_code == 404


def test_a_cell_escapes_what_was_typed_and_the_column_title(setup, cast, login):
    from tutela.assessment.models import MarkColumn

    MarkColumn.objects.filter(pk=setup.test_column.pk).update(title='Test "A" <b>')
    response = login(cast.class_teacher).post(
        _cell_url(setup, cast), {"value": '"><script>'}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "<script>" not in body and "&quot;&gt;&lt;script&gt;" in body
    assert 'aria-label="Test &quot;A&quot; &lt;b&gt;, Amelia Owusu"' in body


def test_a_cell_saves_to_the_pupil_its_url_names_among_several(setup, cast, login):
    """Regression: the one-pupil roster lookup once ignored the pupil id and took the first pupil."""
    first = make_pupil(cast.school, cast.year7, cast.form_7a, "Zara", "Adams")  # sorts before Owusu
    pupil_services.class_add_pupils(teaching_group=cast.maths_7a, pupils=[first])
    response = login(cast.class_teacher).post(_cell_url(setup, cast), {"value": "12"}, HTTP_HX_REQUEST="true")
    assert "Amelia Owusu" in response.content.decode()
    assert {m.pupil_id: m.points for m in Mark.system.all()} == {cast.pupil_record.pk: D(12)}
    other = reverse("assessment:cell", args=[setup.test_column.public_id, cast.sibling_record.public_id])
    assert login(cast.class_teacher).post(other, {"value": "1"}).status_code == 404  # not in the class


def test_the_markbook_page_needs_no_more_queries_for_more_pupils(
    setup, cast, login, django_assert_max_num_queries
):
    """No query per pupil or per cell: a 32 x 40 grid must cost what a 1 x 2 grid costs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.mark_set(actor=cast.class_teacher, column=setup.grade_column, pupil=cast.pupil_record, value="3")
    client = login(cast.class_teacher)
    url = reverse("assessment:markbook", args=[cast.maths_7a.public_id])
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    more = [make_pupil(cast.school, cast.year7, cast.form_7a, f"P{i}", f"Q{i}") for i in range(4)]
    pupil_services.class_add_pupils(teaching_group=cast.maths_7a, pupils=more)
    for pupil in more:
        services.baseline_set(pupil=pupil, measure="ks2-maths", scale=setup.scales["ks2-scaled"], value="101")
        services.target_generate(pupil=pupil, subject=setup.maths)
        services.mark_set(actor=cast.class_teacher, column=setup.grade_column, pupil=pupil, value="4")
    with CaptureQueriesContext(connection) as five:
        client.get(url)
    assert len(five) == len(one), "\n".join(q["sql"][:100] for q in five.captured_queries)
