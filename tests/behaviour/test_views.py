"""Behaviour pages: recording, the record page, follow-up, timelines, summaries, alerts and detentions."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from tests.behaviour.conftest import category, record
from tutela.behaviour import services
from tutela.behaviour.models import Alert, Incident, IncidentWitness, Outcome
from tutela.core import clock

pytestmark = pytest.mark.django_db


def _now_field() -> str:
    return (clock.now() - datetime.timedelta(minutes=2)).astimezone().strftime("%Y-%m-%dT%H:%M")


def _record_form(cast, **changes):
    data = {
        "group": f"class:{cast.maths_7a.public_id}",
        "pupils": [str(cast.pupil_record.public_id)],
        "category": str(category(cast.school, "Defiance").public_id),
        "occurred_at": _now_field(),
        "location": "classroom",
        "description": "Threw a ruler across the room during the starter",
    }
    data.update(changes)
    return data


# --- recording ------------------------------------------------------------------------------------------


def test_the_record_page_offers_the_teachers_own_classes_only(seeded, login):
    page = login(seeded.class_teacher).get(reverse("behaviour:record")).content.decode()
    assert seeded.maths_7a.name in page
    assert "8A/Hi" not in page  # the other teacher's class
    assert 'hx-get="/behaviour/record/pupils/"' in page


def test_choosing_a_class_lists_its_pupils_as_an_htmx_partial(seeded, login):
    client = login(seeded.class_teacher)
    url = reverse("behaviour:record_pupils")
    partial = client.get(url, {"group": f"class:{seeded.maths_7a.public_id}"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "Owusu, Amelia" in partial.content.decode() and "<html" not in partial.content.decode()
    assert client.get(url, {"group": f"class:{seeded.other_class.public_id}"}).status_code == 404


def test_a_teacher_records_an_incident_for_their_pupil(seeded, login):
    client = login(seeded.class_teacher)
    response = client.post(reverse("behaviour:record"), _record_form(seeded))
    assert response.status_code == 302
    (saved,) = Incident.system.filter(pupil=seeded.pupil_record)
    assert (saved.reported_by, saved.points, saved.kind, saved.location) == (
        seeded.class_teacher,
        -3,
        "incident",
        "classroom",
    )
    assert response["Location"].endswith(f"?group=class%3A{seeded.maths_7a.public_id}")  # back to the class
    after = client.get(response["Location"]).content.decode()
    assert "Recorded: incident for 1 pupil." in after and "Owusu, Amelia" in after


def test_a_pupil_from_another_class_cannot_be_slipped_into_the_form(seeded, login):
    client = login(seeded.class_teacher)
    data = _record_form(seeded, pupils=[str(seeded.sibling_record.public_id)])
    response = client.post(reverse("behaviour:record"), data)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Incident.system.exists()


def test_the_record_form_names_each_missing_field(seeded, login):
    response = login(seeded.form_tutor).post(
        reverse("behaviour:record"), {"group": f"form:{seeded.form_7a.public_id}"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("This field is required.") >= 3  # pupils, category, when
    assert "Owusu, Amelia" in page  # the form's pupils are still offered


def test_an_achievement_is_always_shared_with_the_family(seeded, login):
    data = _record_form(seeded, category=str(category(seeded.school, "Effort").public_id))
    login(seeded.class_teacher).post(reverse("behaviour:record"), data)
    (saved,) = Incident.system.all()
    assert (saved.kind, saved.shareable, saved.status) == ("achievement", True, "resolved")


def test_a_retired_category_is_not_offered(seeded, login, audited):
    services.category_update(
        actor=seeded.school_admin, category=category(seeded.school, "Defiance"), active=False
    )
    page = login(seeded.class_teacher).get(reverse("behaviour:record")).content.decode()
    assert "Defiance" not in page and "Bullying (-5)" in page


def test_a_school_without_categories_is_told_how_to_add_them(cast, login):
    page = login(cast.class_teacher).get(reverse("behaviour:record")).content.decode()
    assert "behaviour_seed_defaults" in page


# --- one record -----------------------------------------------------------------------------------------


def test_the_record_page_shows_the_note_and_only_the_witnesses_the_reader_may_see(seeded, login, client):
    (incident,) = record(
        seeded, by=seeded.school_admin, witnesses=[seeded.sibling_record], description="Kicked a bin"
    )
    url = reverse("behaviour:incident", args=[incident.public_id])
    admin_page = login(seeded.school_admin).get(url).content.decode()
    assert "Kicked a bin" in admin_page and "Bilal Owusu" in admin_page
    client.logout()
    tutor_page = login(seeded.form_tutor).get(url).content.decode()
    assert "Kicked a bin" in tutor_page
    assert "Bilal" not in tutor_page  # 8A is not the 7A tutor's: the witness is not named
    assert IncidentWitness.system.filter(incident=incident).count() == 1


def test_a_teacher_of_another_class_gets_404_for_a_pupils_incident_notes(seeded, login, client):
    (incident,) = record(seeded, by=seeded.form_tutor, description="Private note")
    for outsider in (seeded.other_teacher, seeded.class_teacher, seeded.other_school_admin):
        client.logout()
        response = login(outsider).get(reverse("behaviour:incident", args=[incident.public_id]))
        assert response.status_code == 404
        assert "Private note" not in response.content.decode()
        api = client.get(reverse("behaviour-api:incident", args=[incident.public_id]))
        assert api.status_code == 404


def test_resolving_an_incident_without_and_with_htmx(seeded, login):
    (incident,) = record(seeded)
    client = login(seeded.form_tutor)
    url = reverse("behaviour:incident_status", args=[incident.public_id])
    response = client.post(url, {"status": "resolved"})
    assert response.status_code == 302
    assert Incident.system.get(pk=incident.pk).status == "resolved"
    partial = client.post(url, {"status": "open"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "Mark resolved" in partial.content.decode()
    assert Incident.system.get(pk=incident.pk).status == "open"


def test_an_involved_teacher_may_see_but_not_resolve(seeded, login):
    (incident,) = record(seeded, staff_involved=[seeded.class_teacher])
    client = login(seeded.class_teacher)
    page = client.get(reverse("behaviour:incident", args=[incident.public_id])).content.decode()
    assert "Mark resolved" not in page
    response = client.post(
        reverse("behaviour:incident_status", args=[incident.public_id]), {"status": "resolved"}
    )
    assert response.status_code == 403
    assert Incident.system.get(pk=incident.pk).status == "open"


def test_adding_a_detention_and_a_refused_contact(seeded, login):
    (incident,) = record(seeded)
    client = login(seeded.form_tutor)
    url = reverse("behaviour:outcome_add", args=[incident.public_id])
    refused = client.post(
        url, {"kind": "parental_contact", "happens_at": _now_field()}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 400
    assert "Say how parents were contacted." in refused.content.decode()
    when = (clock.now() + datetime.timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    added = client.post(url, {"kind": "detention", "happens_at": when, "notes": "Room 4"})
    assert added.status_code == 302
    (detention,) = Outcome.system.filter(incident=incident)
    assert (detention.kind, detention.state, detention.notes) == ("detention", "planned", "Room 4")


def test_the_detentions_list_for_a_day_marks_one_served(seeded, login):
    (incident,) = record(seeded, name="Truancy from lesson")
    at = datetime.datetime.combine(clock.today(), datetime.time(15, 30)).astimezone()
    detention = services.outcome_add(
        actor=seeded.form_tutor, incident=incident, kind="detention", happens_at=at
    )
    client = login(seeded.head_of_year)
    page = client.get(reverse("behaviour:detentions"), {"date": clock.today().isoformat()}).content.decode()
    assert "Owusu, Amelia" in page and "Truancy from lesson" in page and "15:30" in page
    other_day = client.get(reverse("behaviour:detentions"), {"date": "2020-01-06"}).content.decode()
    assert "Owusu, Amelia" not in other_day
    served = client.post(
        reverse("behaviour:outcome_state", args=[detention.public_id]),
        {"state": "done", "next": "detentions"},
    )
    assert served.status_code == 302 and served["Location"].endswith(f"?date={clock.today().isoformat()}")
    assert Outcome.system.get(pk=detention.pk).state == "done"


# --- timelines and summaries ----------------------------------------------------------------------------


def test_the_timeline_shows_staff_totals_trend_and_records(seeded, login):
    record(seeded, name="Excellent work", description="Superb fractions homework")
    record(seeded)
    page = login(seeded.form_tutor).get(reverse("behaviour:pupil", args=[seeded.pupil_record.public_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Excellent work" in text and "Defiance" in text
    week = '<dt>This week</dt><dd><span class="points achievement">+2<span class="visually-hidden"> achiev'
    assert week in text
    assert (
        '</span></span> <span class="points incident">-3<span class="visually-hidden"> incident points'
        in text
    )
    # The trend: an SVG chart (tutela/core/charts.py) with its data table built from the same numbers.
    assert "<svg" in text and 'aria-label="Points per week, last 12 weeks"' in text
    monday = clock.today() - datetime.timedelta(days=clock.today().weekday())
    assert f'<th scope="row">{monday.day} {monday:%b}</th><td>2</td><td>-3</td>' in text


def test_parents_see_a_summary_without_notes_or_unshared_incidents(seeded, login):
    record(seeded, name="Excellent work", description="Superb fractions homework")
    record(seeded, name="No homework", shareable=True, description="Said the dog ate it")
    record(seeded, name="Bullying", description="Not for home")
    page = login(seeded.parent).get(reverse("behaviour:pupil", args=[seeded.pupil_record.public_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Excellent work" in text and "No homework" in text
    assert "Bullying" not in text
    for note in ("Superb fractions", "dog ate it", "Not for home"):
        assert note not in text


def test_the_behaviour_home_links_a_parent_to_their_child_only(seeded, login):
    page = login(seeded.parent).get(reverse("behaviour:home")).content.decode()
    assert reverse("behaviour:pupil", args=[seeded.pupil_record.public_id]) in page
    assert "Bilal" not in page and "New alert" not in page


def test_the_dpo_and_another_parent_get_404_for_the_timeline(seeded, login, client):
    for outsider in (seeded.dpo, seeded.other_parent):
        client.logout()
        assert (
            login(outsider).get(reverse("behaviour:pupil", args=[seeded.pupil_record.public_id])).status_code
            == 404
        )


def test_the_form_summary_totals_each_pupil(seeded, login):
    record(seeded, name="Representing the school")
    record(seeded, name="Bullying")
    page = (
        login(seeded.form_tutor)
        .get(reverse("behaviour:form", args=[seeded.form_7a.public_id]))
        .content.decode()
    )
    assert re.search(r"Owusu, Amelia</a></th>\s*<td>3</td><td>-5</td>", page)
    assert 'aria-label="Points per week, last 12 weeks"' in page
    assert (
        login(seeded.form_tutor).get(reverse("behaviour:year", args=[seeded.year7.public_id])).status_code
        == 404
    )


# --- alerts ---------------------------------------------------------------------------------------------


def test_an_alert_shows_as_a_badge_is_read_on_the_list_and_acknowledged(seeded, login):
    for _ in range(4):
        record(seeded)
    client = login(seeded.form_tutor)
    assert re.search(r"<strong>1</strong>New alert<", client.get(reverse("behaviour:home")).content.decode())
    listing = client.get(reverse("behaviour:alerts")).content.decode()
    assert "10 negative points in a week" in listing and "Owusu" in listing
    alert = Alert.system.get(recipient=seeded.form_tutor)
    assert alert.read_at is not None
    assert re.search(r"<strong>0</strong>New alerts<", client.get(reverse("behaviour:home")).content.decode())
    response = client.post(reverse("behaviour:alert_acknowledge", args=[alert.public_id]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None
    assert "No alerts." in client.get(reverse("behaviour:alerts")).content.decode()


# --- school settings ------------------------------------------------------------------------------------


def test_a_school_admin_seeds_adds_and_repoints_categories(cast, audited, login, client):
    url = reverse("behaviour:settings")
    admin = login(cast.school_admin)
    page = admin.get(url).content.decode()
    assert "Add the default categories and thresholds" in page and "Southbank" not in page
    assert admin.post(url, {"action": "seed", "school": str(cast.school.public_id)}).status_code == 302
    from tutela.behaviour.models import Category, Threshold

    assert Category.objects.filter(school=cast.school).count() == 15
    refused = admin.post(
        url,
        {
            "action": "add_category",
            "school": str(cast.school.public_id),
            "kind": "incident",
            "name": "Vaping",
            "points": "3",
        },
    )
    assert refused.status_code == 400 and "below zero" in refused.content.decode()
    added = admin.post(
        url,
        {
            "action": "add_category",
            "school": str(cast.school.public_id),
            "kind": "incident",
            "name": "Vaping",
            "points": "-4",
        },
    )
    assert added.status_code == 302
    vaping = Category.objects.get(school=cast.school, name="Vaping")
    admin.post(
        url, {"action": "change_category", "id": str(vaping.public_id), "points": "-2"}
    )  # unticked: retired
    vaping.refresh_from_db()
    assert (vaping.points, vaping.active) == (-2, False)
    weekly = Threshold.objects.get(school=cast.school, name="10 negative points in a week")
    admin.post(
        url, {"action": "change_threshold", "id": str(weekly.public_id), "points": "12", "active": "on"}
    )
    weekly.refresh_from_db()
    assert weekly.points == 12
    # Another school's category cannot be reached from here, and other staff do not get the page.
    client.logout()
    other = login(cast.other_school_admin)
    assert (
        other.post(
            url, {"action": "change_category", "id": str(vaping.public_id), "points": "-9"}
        ).status_code
        == 404
    )
    assert other.post(url, {"action": "seed", "school": str(cast.school.public_id)}).status_code == 404
    client.logout()
    assert login(cast.head_of_year).get(url).status_code == 404


def test_without_javascript_choosing_a_class_sends_only_the_class(seeded, login):
    page = login(seeded.class_teacher).get(
        reverse("behaviour:record"), {"group": f"class:{seeded.maths_7a.public_id}"}
    )
    text = page.content.decode()
    assert "Owusu, Amelia" in text
    chooser = re.search(r'<form method="get"[^>]*id="choose-group">(.*?)</form>', text, re.S)
    assert chooser and 'name="description"' not in chooser.group(1) and 'name="group"' in chooser.group(1)
    assert f'<input type="hidden" name="group" value="class:{seeded.maths_7a.public_id}">' in text


def test_the_tutor_shares_an_incident_summary_with_the_family(seeded, login, client):
    (incident,) = record(seeded, name="No homework", description="Left it on the bus")
    timeline = reverse("behaviour:pupil", args=[seeded.pupil_record.public_id])
    assert "No homework" not in login(seeded.parent).get(timeline).content.decode()
    client.logout()
    tutor = login(seeded.form_tutor)
    url = reverse("behaviour:incident_status", args=[incident.public_id])
    partial = tutor.post(url, {"shareable": "on"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Stop sharing with the family" in partial
    assert Incident.system.get(pk=incident.pk).shareable
    client.logout()
    family_page = login(seeded.parent).get(timeline).content.decode()
    assert "No homework" in family_page and "Left it on the bus" not in family_page


# --- audit ----------------------------------------------------------------------------------------------


def test_recording_and_reading_are_audited_by_pupil_without_the_note(seeded, login):
    from tutela.audit.models import AuditEvent

    client = login(seeded.class_teacher)
    client.post(
        reverse("behaviour:record"), _record_form(seeded, description="Hid the whiteboard pens again")
    )
    incident = Incident.system.get(pupil=seeded.pupil_record)
    created = AuditEvent.objects.get(action="behaviour.incident.create")
    assert created.subjects == [str(seeded.pupil_record.public_id)]
    assert created.categories == ["behaviour"] and created.actor_id == seeded.class_teacher.public_id
    client.get(reverse("behaviour:incident", args=[incident.public_id]))
    read = AuditEvent.objects.filter(kind="read", action="behaviour:incident").get()
    assert str(seeded.pupil_record.public_id) in read.subjects
    rows = AuditEvent.objects.values_list("action", "subjects", "categories", "fields", "reason")
    assert "whiteboard" not in repr(list(rows))


def test_a_detention_supervisor_sees_who_is_due_and_marks_them_without_reading_the_record(seeded, login):
    (incident,) = record(seeded, by=seeded.form_tutor, description="Swore at a dinner lady")
    when = datetime.datetime.combine(clock.today(), datetime.time(15, 30)).astimezone()
    tutor = login(seeded.form_tutor)
    tutor.post(
        reverse("behaviour:outcome_add", args=[incident.public_id]),
        {
            "kind": "detention",
            "happens_at": when.strftime("%Y-%m-%dT%H:%M"),
            "staff": str(seeded.other_teacher.public_id),
        },
    )
    detention = Outcome.system.get(incident=incident)
    assert detention.staff == seeded.other_teacher
    supervisor = login(seeded.other_teacher)  # teaches 8A/Hi: not Amelia
    page = supervisor.get(
        reverse("behaviour:detentions"), {"date": clock.today().isoformat()}
    ).content.decode()
    assert "Owusu, Amelia" in page and "Served" in page and "dinner lady" not in page
    assert reverse("behaviour:incident", args=[incident.public_id]) not in page  # no link to the record
    assert supervisor.get(reverse("behaviour:incident", args=[incident.public_id])).status_code == 404
    marked = supervisor.post(
        reverse("behaviour:outcome_state", args=[detention.public_id]), {"state": "done"}
    )
    assert marked.status_code == 302 and "/behaviour/detentions/" in marked["Location"]
    assert Outcome.system.get(pk=detention.pk).state == "done"
    # Marking is not changing: the supervisor still cannot add follow-up or resolve the record.
    refused = supervisor.post(
        reverse("behaviour:incident_status", args=[incident.public_id]), {"status": "resolved"}
    )
    assert refused.status_code == 404


def test_a_record_made_by_mistake_is_deleted_for_that_pupil_only(seeded, login, client):
    amelias, bilals = record(
        seeded,
        by=seeded.school_admin,
        pupils=[seeded.pupil_record, seeded.sibling_record],
        description="Mix-up",
    )
    services.outcome_add(actor=seeded.school_admin, incident=amelias, kind="restorative")
    url = reverse("behaviour:incident_delete", args=[amelias.public_id])
    assert login(seeded.other_teacher).post(url).status_code == 404
    client.logout()
    response = login(seeded.form_tutor).post(url)
    assert response.status_code == 302
    assert not Incident.system.filter(pk=amelias.pk).exists()
    assert not Outcome.system.filter(incident_id=amelias.pk).exists()
    assert Incident.system.filter(pk=bilals.pk).exists()
    from tutela.audit.models import AuditEvent

    deleted = AuditEvent.objects.get(action="behaviour.incident.delete")
    assert deleted.subjects == [str(seeded.pupil_record.public_id)]
