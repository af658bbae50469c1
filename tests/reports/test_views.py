"""The report pages: families download only published reports, downloads are audited reads, and the
progress bar drives a batch to the end."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.reports.helpers import amelias_report, pdf_text, year7_cycle
from tutela.audit.models import AuditEvent
from tutela.reports.models import PupilReport, ReportComment

pytestmark = pytest.mark.django_db


def download(client, report):
    return client.get(reverse("reports:download", args=[report.public_id]))


def test_a_parent_cannot_download_a_report_before_it_is_published(cast, login):
    report = amelias_report(cast, published=False)
    assert download(login(cast.parent), report).status_code == 404


def test_a_parent_downloads_their_childs_published_report_and_it_is_audited(cast, login):
    report = amelias_report(cast, comment="A pleasure to teach.")
    client = login(cast.parent)
    since = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    response = download(client, report)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    assert "A pleasure to teach." in pdf_text(b"".join(response.streaming_content))
    [read] = AuditEvent.objects.filter(seq__gt=since, kind="read")
    assert read.action == "reports:download"
    assert read.actor_id == cast.parent.public_id
    assert read.subjects == [str(cast.pupil_record.public_id)]
    assert read.categories == ["education"]


def test_the_index_lists_a_familys_published_reports_only(cast, login):
    amelias_report(cast, published=False)
    published = amelias_report(cast)
    page = login(cast.parent).get(reverse("reports:index")).content.decode()
    assert reverse("reports:download", args=[published.public_id]) in page
    assert "Draft report" not in page
    other = login(cast.other_parent).get(reverse("reports:index")).content.decode()
    assert "Published report" not in other


def test_a_family_never_sees_a_comment_on_its_own(cast, login):
    cycle = year7_cycle(cast, published=True)
    url = reverse("reports:comment", args=[cycle.public_id, cast.pupil_record.public_id])
    assert login(cast.parent).get(url).status_code == 404


def test_a_teacher_writes_a_comment_under_the_subject_they_teach(cast, login):
    cycle = year7_cycle(cast)
    url = reverse("reports:comment", args=[cycle.public_id, cast.pupil_record.public_id])
    client = login(cast.class_teacher)
    page = client.get(url).content.decode()
    assert '<option value="Mathematics">' in page and "Form tutor" not in page
    response = client.post(url, {"heading": "Mathematics", "text": "Careful, accurate work."})
    assert response.status_code == 302
    [comment] = ReportComment.system.filter(cycle=cycle)
    assert comment.text == "Careful, accurate work." and comment.author == cast.class_teacher
    refused = client.post(url, {"heading": "Form tutor", "text": "Not my form."})
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()


def test_the_form_tutor_writes_as_form_tutor(cast, login):
    cycle = year7_cycle(cast)
    url = reverse("reports:comment", args=[cycle.public_id, cast.pupil_record.public_id])
    page = login(cast.form_tutor).get(url).content.decode()
    assert '<option value="Form tutor">' in page and "Mathematics" not in page


def test_the_progress_bar_posts_again_until_the_batch_is_done(cast, login):
    cycle = year7_cycle(cast)
    client = login(cast.school_admin)
    page = client.get(reverse("reports:cycle", args=[cycle.public_id])).content.decode()
    assert "Reports generated: 0 of 1" in page and "Generate the missing reports" in page
    response = client.post(reverse("reports:generate", args=[cycle.public_id]), HTTP_HX_REQUEST="true")
    partial = response.content.decode()
    assert "Reports generated: 1 of 1" in partial and "All 1 reports are ready." in partial
    assert "hx-trigger" not in partial  # nothing left: the polling stops
    assert PupilReport.system.filter(cycle=cycle).count() == 1


def test_a_partial_batch_keeps_polling(cast, login, monkeypatch):
    from tutela.reports import services

    cycle = year7_cycle(cast)
    monkeypatch.setattr(services, "BATCH_SIZE", 0)
    monkeypatch.setattr(services.cycle_generate_next, "__kwdefaults__", {"limit": 0})
    partial = login(cast.school_admin).post(
        reverse("reports:generate", args=[cycle.public_id]), HTTP_HX_REQUEST="true"
    )
    assert 'hx-trigger="load"' in partial.content.decode()


def test_starting_a_cycle_with_reversed_dates_names_the_field(cast, login):
    response = login(cast.school_admin).post(
        reverse("reports:cycle_create"),
        {
            "year_group": cast.year7.public_id,
            "name": "Spring",
            "covers_from": "2027-03-01",
            "covers_to": "2027-01-01",
        },
    )
    assert response.status_code == 400
    assert "The last day is before the first day." in response.content.decode()


def test_starting_a_cycle_goes_to_its_page(cast, login):
    response = login(cast.head_of_year).post(
        reverse("reports:cycle_create"),
        {
            "year_group": cast.year7.public_id,
            "name": "Spring",
            "covers_from": "2027-01-04",
            "covers_to": "2027-03-26",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/reports/cycles/")


def test_publishing_opens_the_reports_to_families(cast, login):
    report = amelias_report(cast, published=False)
    assert download(login(cast.pupil), report).status_code == 404
    login(cast.school_admin).post(reverse("reports:publish", args=[report.cycle.public_id]))
    assert download(login(cast.pupil), report).status_code == 200
