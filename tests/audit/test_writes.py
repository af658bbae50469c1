"""Every write of a personal-data model is audited, naming fields, never values (tutela/audit/writes.py)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.db import transaction

from tests.audit.conftest import events_after, last_seq
from tests.cast import make_pupil
from tutela import audit
from tutela.audit.models import AuditEvent
from tutela.audit.writes import privacy_subjects
from tutela.pupils import services as pupils
from tutela.pupils.models import GuardianLink, Pupil
from tutela.schools import services as schools
from tutela.schools.models import School, YearGroup

pytestmark = pytest.mark.django_db

PLAINTEXTS = ("Zainab", "Haddad", "9 Quiet Road", "2013-05-17", "Fairhaven")


def as_stored(event: AuditEvent) -> str:
    """Everything the event's row holds, as text: what a copy of the database would show."""
    return repr(AuditEvent.objects.filter(pk=event.pk).values().get())


def assert_no_plaintext(event: AuditEvent) -> None:
    stored = as_stored(event)
    for plaintext in PLAINTEXTS:
        assert plaintext not in stored, plaintext


@dataclass
class Place:
    school: School
    year7: YearGroup


@pytest.fixture
def place(db: None) -> Place:
    """A school and a year group: all a pupil needs (lighter than the whole cast)."""
    with audit.context(actor=None, reason="test school"):
        school = schools.school_create(trust=schools.trust_create(name="Trust"), name="School", urn="100001")
        return Place(
            school=school, year7=schools.year_group_create(school=school, national_curriculum_year=7)
        )


def new_pupil(place: Place) -> Pupil:
    return make_pupil(
        place.school,
        place.year7,
        None,
        "Zainab",
        "Haddad",
        address="9 Quiet Road\nFairhaven",
        date_of_birth=datetime.date(2013, 5, 17),
    )


@pytest.fixture
def zainab(place: Place, audited: None) -> Pupil:
    return new_pupil(place)


def test_creating_a_pupil_records_one_event_naming_its_fields(place, audited):
    since = last_seq()
    pupil = new_pupil(place)
    [event] = events_after(since)
    assert (event.kind, event.action) == ("create", "pupils.pupil.create")
    assert (event.target_type, event.target_id) == ("pupils.pupil", pupil.public_id)
    assert event.subjects == [str(pupil.public_id)]
    assert event.categories == ["contact", "identity"]
    assert {"legal_first_name", "legal_last_name", "date_of_birth", "address", "upn"} <= set(event.fields)
    assert event.reason == "test"
    assert_no_plaintext(event)


def test_changing_fields_records_one_update_naming_only_those_fields(zainab, audited):
    since = last_seq()
    pupil = Pupil.system.get(pk=zainab.pk)
    pupil.legal_first_name = "Zara"
    pupil.address = "10 Quiet Road"
    pupil.save()
    [event] = events_after(since)
    assert (event.kind, event.action) == ("update", "pupils.pupil.update")
    assert event.fields == ["legal_first_name", "address"]
    assert event.categories == ["contact", "identity"]
    assert "Zara" not in as_stored(event) and "10 Quiet" not in as_stored(event)
    assert_no_plaintext(event)


def test_changing_a_plain_column_names_it_and_its_category_only_if_it_has_one(zainab, audited):
    since = last_seq()
    pupil = Pupil.system.get(pk=zainab.pk)
    pupil.on_roll = False
    pupil.save()
    [event] = events_after(since)
    assert (event.fields, event.categories) == (["on_roll"], [])


def test_saving_an_unchanged_pupil_records_nothing(zainab, audited):
    since = last_seq()
    pupil = Pupil.system.get(pk=zainab.pk)
    assert (pupil.legal_first_name, pupil.address) == (
        "Zainab",
        "9 Quiet Road\nFairhaven",
    )  # opened, not changed
    pupil.legal_first_name = "Zainab"  # read first, so compared with what was opened: the same
    pupil.save()
    Pupil.system.get(pk=zainab.pk).save()  # nothing opened, nothing assigned
    assert events_after(since) == []


def test_assigning_a_field_that_was_never_read_counts_as_a_change(zainab, audited):
    # Stored values are never decrypted just to compare them, so an unread field that is assigned is
    # recorded as changed (services compare before they assign: see pupils.services.pupil_update).
    since = last_seq()
    pupil = Pupil.system.get(pk=zainab.pk)
    pupil.legal_last_name = "Haddad"
    pupil.save()
    assert [e.fields for e in events_after(since)] == [["legal_last_name"]]


def test_a_second_save_after_a_change_records_nothing_more(zainab, audited):
    pupil = Pupil.system.get(pk=zainab.pk)
    pupil.preferred_first_name = "Zee"
    pupil.save()
    since = last_seq()
    pupil.save()
    assert events_after(since) == []


def test_saving_a_row_loaded_with_deferred_fields_names_only_what_changed(zainab, audited):
    since = last_seq()
    pupil = Pupil.system.only("id", "public_id", "data_key", "on_roll").get(pk=zainab.pk)
    pupil.on_roll = False
    pupil.save(update_fields=["on_roll"])
    assert [e.fields for e in events_after(since)] == [["on_roll"]]


def test_deleting_a_pupil_records_one_event_with_every_category(zainab, audited):
    public_id = zainab.public_id
    since = last_seq()
    Pupil.system.get(pk=zainab.pk).delete()
    [event] = events_after(since)
    assert (event.kind, event.action, event.target_id) == ("delete", "pupils.pupil.delete", public_id)
    assert event.subjects == [str(public_id)]
    assert event.categories == ["contact", "identity"]
    assert event.fields == []
    assert_no_plaintext(event)


def test_a_guardian_link_is_recorded_against_the_pupil_it_concerns(place, zainab, audited):
    guardian = pupils.guardian_create(school=place.school, first_name="Grace", last_name="Owusu")
    since = last_seq()
    link = pupils.guardian_link(
        pupil=zainab, guardian=guardian, relationship="mother", parental_responsibility=True
    )
    [event] = events_after(since)
    assert (event.action, event.target_id) == ("pupils.guardianlink.create", link.public_id)
    assert event.subjects == [str(zainab.public_id)]
    assert event.categories == ["contact"] and "relationship" in event.fields
    assert "mother" not in as_stored(event)


def test_a_row_without_its_subject_names_no_subject():
    assert privacy_subjects(GuardianLink()) == []


def test_a_write_outside_an_audit_context_raises_and_is_rolled_back(place):
    with audit.context(actor=None, reason="test"):
        pupil = new_pupil(place)
    pupil.on_roll = False
    with pytest.raises(audit.AuditContextMissing, match="outside an audit context"), transaction.atomic():
        pupil.save()
    assert Pupil.system.get(pk=pupil.pk).on_roll is True


def test_a_write_of_a_model_without_personal_data_is_not_audited(place, audited):
    since = last_seq()
    schools.subject_create(school=place.school, name="Art", code="AR")
    assert events_after(since) == []


def test_a_change_left_out_of_update_fields_is_recorded_when_it_is_saved(zainab, audited):
    pupil = Pupil.system.get(pk=zainab.pk)
    pupil.legal_first_name = "Zara"  # changed in memory...
    pupil.on_roll = False
    since = last_seq()
    pupil.save(update_fields=["on_roll"])  # ...but not written by this save
    assert [e.fields for e in events_after(since)] == [["on_roll"]]
    assert Pupil.system.get(pk=zainab.pk).legal_first_name == "Zainab"
    since = last_seq()
    pupil.save()  # now it is written, and recorded
    assert [e.fields for e in events_after(since)] == [["legal_first_name"]]
