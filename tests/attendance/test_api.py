"""The attendance REST API: read and submit registers and marks, scoped by the policy; in the schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.attendance.conftest import build_day
from tutela.attendance.models import Mark
from tutela.core import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def today_day(cast):
    return build_day(cast, clock.today())


def submit(client, register, marks, reason=""):
    return client.post(
        reverse("attendance-api:register_submit", args=[register.public_id]),
        {"marks": marks, "reason": reason},
        content_type="application/json",
    )


def test_a_tutor_lists_todays_registers_and_submits_one_twice_harmlessly(cast, today_day, login):
    client = login(cast.form_tutor)
    listed = client.get(reverse("attendance-api:registers")).json()
    assert {(r["group"], r["session"], r["kind"]) for r in listed} == {
        ("7A", "AM", "form"),
        ("7A", "PM", "form"),
    }
    body = [{"pupil": str(cast.pupil_record.public_id), "code": "L", "minutes_late": 10}]
    first = submit(client, today_day.am_7a, body)
    assert first.status_code == 200 and first.json()["written"] == [str(cast.pupil_record.public_id)]
    again = submit(client, today_day.am_7a, body)
    assert again.json() == {"written": [], "unchanged": [str(cast.pupil_record.public_id)], "conflicts": []}
    detail = client.get(reverse("attendance-api:register", args=[today_day.am_7a.public_id])).json()
    assert [(m["code"], m["minutes_late"], m["version"]) for m in detail["marks"]] == [("L", 10, 1)]


def test_a_stale_version_is_reported_as_a_conflict(cast, today_day, login):
    client = login(cast.form_tutor)
    pupil = str(cast.pupil_record.public_id)
    submit(client, today_day.am_7a, [{"pupil": pupil, "code": "N"}])
    response = submit(client, today_day.am_7a, [{"pupil": pupil, "code": "/", "version": 0}])
    assert response.json()["conflicts"] == [pupil]
    assert Mark.system.select_related("pupil__data_key").get().code == "N"


def test_an_unknown_code_or_pupil_is_refused(cast, today_day, login):
    client = login(cast.form_tutor)
    assert (
        submit(
            client, today_day.am_7a, [{"pupil": str(cast.pupil_record.public_id), "code": "H"}]
        ).status_code
        == 400
    )
    assert submit(client, today_day.am_7a, [{"pupil": str(cast.sibling_record.public_id)}]).status_code == 400


def test_the_senco_may_read_but_not_submit(cast, today_day, login):
    client = login(cast.senco)
    assert client.get(reverse("attendance-api:register", args=[today_day.am_7a.public_id])).status_code == 200
    assert submit(client, today_day.am_7a, []).status_code == 403


def test_a_pupils_marks_are_read_by_their_tutor(cast, today_day, login):
    client = login(cast.form_tutor)
    submit(client, today_day.am_7a, [{"pupil": str(cast.pupil_record.public_id), "code": "I"}])
    marks = client.get(reverse("attendance-api:pupil_marks", args=[cast.pupil_record.public_id])).json()
    assert [(m["code"], m["category"], m["possible"]) for m in marks] == [("I", "authorised", True)]


def test_the_endpoints_are_in_the_openapi_schema(cast, login):
    schema = login(cast.form_tutor).get(reverse("api-schema")).content.decode()
    for path in (
        "/api/v1/attendance/registers/",
        "/api/v1/attendance/registers/{public_id}/",
        "/api/v1/attendance/registers/{public_id}/marks/",
        "/api/v1/attendance/pupils/{public_id}/marks/",
    ):
        assert path in schema
    assert "RegisterSubmission" in schema and "MarkSubmission" in schema
