"""The behaviour API: scoped lists, recording, one record (witnesses filtered), and the OpenAPI schema."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.behaviour.conftest import category, record
from tutela.behaviour.models import Incident
from tutela.core import clock

pytestmark = pytest.mark.django_db


def _body(cast, **changes):
    body = {
        "pupils": [str(cast.pupil_record.public_id)],
        "category": str(category(cast.school, "No homework").public_id),
        "occurred_at": (clock.now() - datetime.timedelta(minutes=1)).isoformat(),
        "description": "Homework missing for the third time",
        "location": "classroom",
    }
    body.update(changes)
    return body


def test_categories_list_the_callers_schools_only(seeded, login):
    names = login(seeded.class_teacher).get(reverse("behaviour-api:categories")).json()
    assert {c["school"] for c in names} == {str(seeded.school.public_id)}
    assert {"name": "Bullying", "points": -5, "kind": "incident"}.items() <= next(
        c for c in names if c["name"] == "Bullying"
    ).items()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("class_teacher", 201),
        ("form_tutor", 201),
        ("head_of_year", 201),
        ("other_teacher", 400),
        ("parent", 400),
    ],
)
def test_recording_through_the_api_needs_a_pupil_the_caller_teaches(seeded, login, role, status):
    response = login(getattr(seeded, role)).post(
        reverse("behaviour-api:incidents"), _body(seeded), content_type="application/json"
    )
    assert response.status_code == status, response.content
    assert Incident.system.filter(pupil=seeded.pupil_record).count() == (1 if status == 201 else 0)
    if status == 201:
        (created,) = response.json()
        assert (created["points"], created["pupil_name"]) == (-1, "Amelia Owusu")


def test_an_unknown_category_is_refused_by_name(seeded, login):
    response = login(seeded.class_teacher).post(
        reverse("behaviour-api:incidents"),
        _body(seeded, category=str(category(seeded.other_school, "Bullying").public_id)),
        content_type="application/json",
    )
    assert response.status_code == 400 and "category" in response.json()


def test_the_list_holds_only_what_the_caller_may_see(seeded, login, client):
    (mine,) = record(seeded, by=seeded.class_teacher)
    record(seeded, by=seeded.form_tutor)
    teacher = login(seeded.class_teacher).get(reverse("behaviour-api:incidents")).json()
    assert [r["id"] for r in teacher["results"]] == [str(mine.public_id)]
    client.logout()
    tutor = login(seeded.form_tutor).get(
        reverse("behaviour-api:incidents"), {"pupil": str(seeded.pupil_record.public_id)}
    )
    assert tutor.json()["count"] == 2
    achievements = client.get(reverse("behaviour-api:incidents"), {"kind": "achievement"}).json()
    assert achievements["count"] == 0
    missing = client.get(reverse("behaviour-api:incidents"), {"pupil": str(seeded.sibling_record.public_id)})
    assert missing.status_code == 404


def test_one_record_names_only_witnesses_the_caller_may_see(seeded, login, client):
    (incident,) = record(
        seeded, by=seeded.school_admin, witnesses=[seeded.sibling_record], description="Seen by Bilal"
    )
    url = reverse("behaviour-api:incident", args=[incident.public_id])
    admin = login(seeded.school_admin).get(url).json()
    assert admin["witnesses"] == [str(seeded.sibling_record.public_id)]
    assert admin["description"] == "Seen by Bilal"
    client.logout()
    tutor = login(seeded.form_tutor).get(url).json()
    assert tutor["witnesses"] == []


def test_the_schema_describes_the_behaviour_endpoints(seeded, login):
    schema = login(seeded.class_teacher).get(reverse("api-schema"), {"format": "json"}).json()
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {
        "behaviour_categories_list",
        "behaviour_incidents_list",
        "behaviour_incidents_create",
        "behaviour_incidents_retrieve",
    } <= operations
    components = schema["components"]["schemas"]
    assert {"BehaviourCategory", "BehaviourIncident", "BehaviourIncidentDetail"} <= set(components)
    assert any(name.startswith("BehaviourIncidentCreate") for name in components)
