"""The assessment API: scales, a markbook's assessments and marks, one cell, results; scope and schema.

Which role reaches which endpoint at all is in tests/matrix/assessment.py; these check payloads and errors.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.assessment.helpers import build_assessment, record_result
from tutela.assessment import services
from tutela.assessment.models import Mark

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(cast, audited):
    return build_assessment(cast)


def _mark_url(setup, cast):
    return reverse("assessment-api:mark", args=[setup.test_column.public_id, cast.pupil_record.public_id])


def test_scales_list_their_grades_in_points_order(setup, cast, login):
    scales = login(cast.class_teacher).get(reverse("assessment-api:scales")).json()
    fine = next(s for s in scales if s["code"] == "gcse-fine")
    assert [g["label"] for g in fine["grades"][:3]] == ["U", "1-", "1"]
    assert fine["grades"][1]["points"] == "0.67"
    ks2 = next(s for s in scales if s["code"] == "ks2-scaled")
    assert (ks2["minimum"], ks2["maximum"], ks2["grades"]) == ("80.00", "120.00", [])


def test_another_schools_scales_are_not_listed(setup, cast, login):
    assert login(cast.other_school_admin).get(reverse("assessment-api:scales")).json() == []


def test_the_markbook_gives_columns_and_cells_by_id(setup, cast, login):
    services.mark_set(actor=cast.class_teacher, column=setup.grade_column, pupil=cast.pupil_record, value="3")
    data = (
        login(cast.class_teacher)
        .get(reverse("assessment-api:markbook", args=[cast.maths_7a.public_id]))
        .json()
    )
    assert [c["title"] for c in data["columns"]] == ["Algebra test", "Autumn 1 grade"]
    assert data["cells"] == [
        {
            "column": str(setup.grade_column.public_id),
            "pupil": str(cast.pupil_record.public_id),
            "value": "3",
            "points": "3.00",
            "track": "above",
            "track_text": "Above track (+1.00 vs expected)",
        }
    ]


def test_put_saves_a_mark_and_its_comment_and_get_reads_them(setup, cast, login):
    client = login(cast.class_teacher)
    body = json.dumps({"value": "28", "comment": "Good method"})
    response = client.put(_mark_url(setup, cast), body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["value"] == "28"
    assert client.get(_mark_url(setup, cast)).json()["comment"] == "Good method"


def test_put_refuses_a_bad_value_naming_the_field(setup, cast, login):
    response = login(cast.class_teacher).put(
        _mark_url(setup, cast), json.dumps({"value": "forty"}), content_type="application/json"
    )
    assert response.status_code == 400
    assert "is not a mark" in response.json()["value"][0]
    assert not Mark.system.exists()


def test_a_teacher_of_another_class_gets_404_for_a_mark_and_its_comment(setup, cast, login):
    services.mark_set(
        actor=cast.class_teacher,
        column=setup.test_column,
        pupil=cast.pupil_record,
        value="30",
        comment="Private",
    )
    client = login(cast.other_teacher)
    assert client.get(_mark_url(setup, cast)).status_code == 404
    assert b"Private" not in client.get(_mark_url(setup, cast)).content  # 7 bytes: not a chance match


def test_results_give_working_at_expected_target_and_track(setup, cast, login):
    record_result(cast, setup, "2+")
    params = {"year": str(cast.year7.public_id), "point": str(setup.points7[0].public_id)}
    rows = login(cast.head_of_year).get(reverse("assessment-api:results"), params).json()
    assert rows == [
        {
            "pupil": str(cast.pupil_record.public_id),
            "subject": str(setup.maths.public_id),
            "working_at": "2+",
            "expected": "2.00",
            "target": "5",
            "track": "on",
        }
    ]
    assert login(cast.other_teacher).get(reverse("assessment-api:results"), params).json() == []
