"""The REST API (tutela/pupils/api.py): same scope and audit as the pages, 404 out of scope, fields named.

Which role reaches which endpoint at all is in tests/test_policy_matrix.py; these tests check payloads,
PATCH and its validation, and the OpenAPI schema.
"""

from __future__ import annotations

import io
import json
import re
import uuid

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from drf_spectacular.drainage import reset_generator_stats

from tests.cast import PASSWORD
from tests.pupils.helpers import from_db
from tests.support.two_factor import verify_client
from tutela import audit
from tutela.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def detail_url(pupil) -> str:
    return reverse("pupils-api:detail", args=[pupil.public_id])


def patch(client: Client, pupil, data: dict) -> object:
    return client.patch(detail_url(pupil), json.dumps(data), content_type="application/json")


def first_names(payload: list[dict]) -> list[str]:
    return [row["first_name"] for row in payload]


# --- list, detail, search, classes --------------------------------------------------------------------------


def test_the_list_is_paginated_and_scoped_to_the_class_teachers_pupils(cast, login):
    response = login(cast.class_teacher).get(reverse("pupils-api:list"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": str(cast.pupil_record.public_id),
            "first_name": "Amelia",
            "last_name": "Owusu",
            "year_group": "Year 7",
            "form_group": "7A",
        }
    ]


def test_the_list_is_sorted_by_surname_and_pages_with_limit_and_offset(cast, login):
    client = login(cast.school_admin)
    first = client.get(reverse("pupils-api:list"), {"limit": 2}).json()
    assert first["count"] == 3
    assert first_names(first["results"]) == ["Dami", "Amelia"]
    rest = client.get(first["next"]).json()
    assert first_names(rest["results"]) == ["Bilal"]


def test_the_list_is_empty_for_the_it_admin(cast, login):
    body = login(cast.it_admin).get(reverse("pupils-api:list")).json()
    assert (body["count"], body["results"]) == (0, [])


def test_the_detail_gives_the_identity_fields(cast, login):
    body = login(cast.head_of_year).get(detail_url(cast.pupil_record)).json()
    assert body["id"] == str(cast.pupil_record.public_id)
    assert body["upn"] == cast.pupil_record.upn
    assert (body["legal_first_name"], body["legal_last_name"]) == ("Amelia", "Owusu")
    assert (body["date_of_birth"], body["sex"], body["enrolled_on"], body["left_on"]) == (
        "2014-10-01",
        "F",
        "2026-09-02",
        None,
    )
    assert "address" not in body  # contact data is not part of this endpoint


def test_the_detail_of_a_pupil_out_of_scope_is_the_same_404_as_a_missing_one(cast, login):
    client = login(cast.other_school_admin)
    forbidden = client.get(detail_url(cast.pupil_record))
    missing = client.get(reverse("pupils-api:detail", args=[uuid.uuid4()]))
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    assert b"Amelia" not in forbidden.content


def test_the_detail_records_one_audited_read(cast, login):
    client = login(cast.dpo)
    before = AuditEvent.objects.count()
    client.get(detail_url(cast.pupil_record))
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [(e.kind, e.action, e.subjects) for e in events] == [
        ("read", "pupils-api:detail", [str(cast.pupil_record.public_id)])
    ]


def test_search_finds_within_scope_only(cast, login):
    response = login(cast.head_of_year).post(
        reverse("pupils-api:search"), {"q": "ow"}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert first_names(body["results"]) == ["Amelia"]
    assert (body["more"], body["too_short"]) == (False, False)


def test_search_with_several_words_matches_all_of_them(cast, login):
    client = login(cast.school_admin)
    url = reverse("pupils-api:search")
    assert first_names(client.post(url, {"q": "ow"}, content_type="application/json").json()["results"]) == [
        "Amelia",
        "Bilal",
    ]
    assert first_names(
        client.post(url, {"q": "bi ow"}, content_type="application/json").json()["results"]
    ) == ["Bilal"]


def test_search_says_when_the_query_is_too_short(cast, login):
    body = (
        login(cast.school_admin)
        .post(reverse("pupils-api:search"), {"q": "a"}, content_type="application/json")
        .json()
    )
    assert body == {"results": [], "more": False, "too_short": True}


def test_search_without_a_query_names_the_missing_field(cast, login):
    response = login(cast.school_admin).post(
        reverse("pupils-api:search"), {}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["q"]


def test_search_is_post_only(cast, login):
    assert login(cast.school_admin).get(reverse("pupils-api:search"), {"q": "amelia"}).status_code == 405


def test_the_class_list_is_scoped(cast, login):
    body = login(cast.class_teacher).get(reverse("pupils-api:classes")).json()
    assert body == [
        {
            "id": str(cast.maths_7a.public_id),
            "name": "7A/Ma",
            "subject": "Mathematics",
            "year_group": "Year 7",
        }
    ]


def test_the_class_detail_lists_its_pupils(cast, login):
    body = (
        login(cast.class_teacher)
        .get(reverse("pupils-api:class_detail", args=[cast.maths_7a.public_id]))
        .json()
    )
    assert body["name"] == "7A/Ma"
    assert [p["id"] for p in body["pupils"]] == [str(cast.pupil_record.public_id)]


def test_the_class_detail_is_404_for_a_teacher_of_another_class(cast, login):
    response = login(cast.other_teacher).get(
        reverse("pupils-api:class_detail", args=[cast.maths_7a.public_id])
    )
    assert response.status_code == 404
    assert b"7A/Ma" not in response.content


def test_the_api_refuses_an_anonymous_caller_without_redirecting(cast, client):
    response = client.get(reverse("pupils-api:list"))
    assert response.status_code == 403
    assert "Location" not in response


# --- PATCH --------------------------------------------------------------------------------------------------


def test_a_school_admin_can_change_a_pupils_name(cast, login):
    response = patch(login(cast.school_admin), cast.pupil_record, {"preferred_first_name": "Millie"})
    assert response.status_code == 200
    assert response.json()["first_name"] == "Millie"
    assert from_db(cast.pupil_record).preferred_first_name == "Millie"


def test_a_patch_writes_one_update_event_naming_the_changed_field(cast, login):
    client = login(cast.school_admin)
    before = AuditEvent.objects.order_by("-seq").first().seq
    patch(client, cast.pupil_record, {"preferred_first_name": "Millie", "sex": "F"})
    updates = list(AuditEvent.objects.filter(seq__gt=before, action="pupils.pupil.update"))
    assert [e.fields for e in updates] == [["preferred_first_name"]]


def test_a_patch_can_move_a_pupil_to_another_form_of_the_same_year_and_school(cast, login, audited):
    from tutela.schools import services as schools

    form_7b = schools.form_group_create(school=cast.school, year_group=cast.year7, name="7B")
    response = patch(login(cast.school_admin), cast.pupil_record, {"form_group": str(form_7b.public_id)})
    assert response.status_code == 200
    assert response.json()["form_group"] == "7B"


def test_a_form_tutor_who_sees_the_pupil_gets_403_on_patch_and_nothing_changes(cast, login):
    response = patch(login(cast.form_tutor), cast.pupil_record, {"preferred_first_name": "Millie"})
    assert response.status_code == 403
    assert from_db(cast.pupil_record).preferred_first_name == ""


def test_a_parent_gets_403_on_patch(cast, login):
    response = patch(login(cast.parent), cast.pupil_record, {"preferred_first_name": "Millie"})
    assert response.status_code == 403


def test_another_schools_admin_gets_404_on_patch_and_nothing_changes(cast, login):
    response = patch(login(cast.other_school_admin), cast.pupil_record, {"preferred_first_name": "Millie"})
    assert response.status_code == 404
    assert from_db(cast.pupil_record).preferred_first_name == ""


def test_a_patch_for_a_missing_pupil_is_404(cast, login):
    response = login(cast.school_admin).patch(
        reverse("pupils-api:detail", args=[uuid.uuid4()]), "{}", content_type="application/json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"upn": "A12345678901"}, "upn"),  # 12 characters: wrong shape
        ({"date_of_birth": "1 October"}, "date_of_birth"),
        ({"sex": "X"}, "sex"),
        ({"legal_first_name": ""}, "legal_first_name"),
        ({"left_on": "2026-09-01"}, "left_on"),  # before enrolment
        ({"year_group": "not-a-uuid"}, "year_group"),
    ],
)
def test_an_invalid_patch_is_400_naming_the_field(cast, login, change, field):
    response = patch(login(cast.school_admin), cast.pupil_record, change)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    stored = from_db(cast.pupil_record)
    assert (stored.upn, stored.legal_first_name, stored.left_on) == (cast.pupil_record.upn, "Amelia", None)


def test_a_upn_with_a_wrong_check_letter_is_400_on_upn(cast, login):
    upn = cast.pupil_record.upn
    wrong = ("B" if upn[0] != "B" else "C") + upn[1:]
    response = patch(login(cast.school_admin), cast.pupil_record, {"upn": wrong})
    assert response.status_code == 400
    assert response.json() == {"upn": ["This UPN's check letter is wrong: check it was copied correctly."]}


def test_another_pupils_upn_is_400_on_upn(cast, login):
    response = patch(login(cast.school_admin), cast.pupil_record, {"upn": cast.sibling_record.upn})
    assert response.json() == {"upn": ["Another pupil at this school has this UPN."]}


def test_a_year_group_of_another_school_is_400_on_year_group(cast, login):
    other_year = cast.other_school_pupil.year_group
    response = patch(login(cast.school_admin), cast.pupil_record, {"year_group": str(other_year.public_id)})
    assert response.status_code == 400
    assert response.json() == {"year_group": ["No such year group at this school."]}
    assert from_db(cast.pupil_record).year_group_id == cast.year7.pk


def test_a_form_of_another_year_is_400_on_form_group(cast, login):
    response = patch(login(cast.school_admin), cast.pupil_record, {"form_group": str(cast.form_8a.public_id)})
    assert response.status_code == 400
    assert response.json() == {"form_group": ["This form is in a different year group."]}


def test_a_patch_without_the_csrf_token_is_refused(cast):
    client = Client(enforce_csrf_checks=True)
    with audit.context(actor=None, reason="test sign-in"):
        assert client.login(username=cast.school_admin.email, password=PASSWORD)
    verify_client(client, cast.school_admin)
    response = patch(client, cast.pupil_record, {"preferred_first_name": "Millie"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert from_db(cast.pupil_record).preferred_first_name == ""


# --- the OpenAPI schema -------------------------------------------------------------------------------------


def api_paths_in_urlconf() -> set[str]:
    """Every route under /api/v1/ (every app's ``<app>-api`` namespace), as OpenAPI path templates."""
    found = set()
    for api in get_resolver().url_patterns:
        if not str(getattr(api, "namespace", None) or "").endswith("-api"):
            continue
        prefix = "/" + str(api.pattern)
        for entry in api.url_patterns:
            assert isinstance(entry, URLPattern)
            found.add(prefix + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(entry.pattern)))
    return found


def test_the_schema_describes_every_api_route(cast, login):
    response = login(cast.school_admin).get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert set(schema["paths"]) == api_paths_in_urlconf()
    assert schema["info"]["title"] == "Tutela API"


def test_the_schema_describes_the_list_as_paginated(cast, login):
    response = login(cast.school_admin).get(reverse("api-schema"), {"format": "json"})
    listing = json.loads(response.content)["paths"]["/api/v1/pupils/"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"limit", "offset"}
    envelope = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert envelope == "#/components/schemas/PaginatedPupilSummaryList"


def test_the_schema_generates_and_validates_without_a_warning(tmp_path):
    reset_generator_stats()  # count only this run's warnings, not those of schemas built by earlier tests
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=io.StringIO())
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == api_paths_in_urlconf()
