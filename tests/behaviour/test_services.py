"""Behaviour services and selectors: defaults, recording, totals, thresholds, alerts, witnesses, families."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from tests.behaviour.conftest import category, record
from tutela.behaviour import periods, selectors, services
from tutela.behaviour.models import Alert, Category, Incident, IncidentWitness, Outcome, Threshold
from tutela.core import clock
from tutela.pupils.models import Pupil
from tutela.schools import services as schools

pytestmark = pytest.mark.django_db


# --- defaults and categories --------------------------------------------------------------------------


def test_defaults_are_seeded_once_per_school(cast, audited):
    assert services.defaults_seed(school=cast.school) == (15, 3)
    assert services.defaults_seed(school=cast.school) == (0, 0)
    categories = Category.objects.filter(school=cast.school)
    assert all(c.points > 0 for c in categories.filter(kind="achievement"))
    assert all(c.points < 0 for c in categories.filter(kind="incident"))
    assert not Category.objects.filter(school=cast.other_school).exists()


def test_the_command_seeds_one_school_by_urn(cast, capsys):
    call_command("behaviour_seed_defaults", "--school", cast.other_school.urn)
    assert "added 15 categories, 3 thresholds" in capsys.readouterr().out
    assert Threshold.objects.filter(school=cast.other_school).count() == 3
    assert not Threshold.objects.filter(school=cast.school).exists()


def test_a_category_must_carry_points_of_its_kinds_sign(cast, audited):
    with pytest.raises(ValidationError) as refused:
        services.category_create(school=cast.school, kind="incident", name="Talking", points=2)
    assert "below zero" in str(refused.value.message_dict["points"])
    with pytest.raises(ValidationError):
        services.category_create(school=cast.school, kind="achievement", name="Kindness", points=-1)


def test_only_a_school_admin_changes_a_category(seeded):
    defiance = category(seeded.school, "Defiance")
    services.category_update(actor=seeded.school_admin, category=defiance, points=-4)
    defiance.refresh_from_db()
    assert defiance.points == -4
    from tutela.policy import NotAllowed

    with pytest.raises(NotAllowed):
        services.category_update(actor=seeded.head_of_year, category=defiance, points=-9)


# --- recording ----------------------------------------------------------------------------------------


def test_one_occurrence_makes_one_record_per_pupil_each_under_its_own_key(seeded):
    with_sibling = record(
        seeded,
        by=seeded.school_admin,
        pupils=[seeded.pupil_record, seeded.sibling_record],
        description="Argued loudly in the corridor about a lost pencil case",
    )
    amelia, bilal = with_sibling
    assert amelia.occurrence == bilal.occurrence
    assert {amelia.pupil_id, bilal.pupil_id} == {seeded.pupil_record.pk, seeded.sibling_record.pk}
    assert amelia.points == bilal.points == -3
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT description FROM behaviour_incident WHERE id IN (%s, %s)", [amelia.pk, bilal.pk]
        )
        stored = [bytes(row[0]) for row in cursor.fetchall()]
    assert stored[0] != stored[1]
    assert not any(b"pencil case" in s for s in stored)
    reread = Incident.objects.for_actor(seeded.school_admin, "behaviour.view").get(pk=bilal.pk)
    assert reread.description == "Argued loudly in the corridor about a lost pencil case"


def test_a_class_teacher_records_only_for_pupils_they_teach(seeded):
    record(seeded, by=seeded.class_teacher)  # Amelia is in 7A/Ma
    with pytest.raises(ValidationError) as refused:
        record(seeded, by=seeded.class_teacher, pupils=[seeded.sibling_record])
    assert "pupils you teach" in str(refused.value)
    with pytest.raises(ValidationError):
        record(seeded, by=seeded.dpo)  # the DPO sees pupils but does not record behaviour


def test_a_witness_must_be_a_pupil_the_recorder_can_see(seeded):
    with pytest.raises(ValidationError) as refused:
        record(seeded, by=seeded.form_tutor, witnesses=[seeded.sibling_record])  # 8A: not theirs
    assert "witnesses" in refused.value.message_dict


def test_a_category_of_another_school_is_refused(seeded):
    with pytest.raises(ValidationError):
        services.incident_record(
            actor=seeded.school_admin,
            pupils=[seeded.pupil_record],
            category=category(seeded.other_school, "Defiance"),
            occurred_at=clock.now(),
        )


def test_a_record_in_the_future_is_refused(seeded):
    with pytest.raises(ValidationError) as refused:
        record(seeded, occurred_at=clock.now() + datetime.timedelta(hours=2))
    assert "future" in str(refused.value.message_dict["occurred_at"])


def test_achievements_are_resolved_and_shared_incidents_open_and_private_by_default(seeded):
    (achievement,) = record(seeded, name="Excellent work")
    (incident,) = record(seeded)
    assert (achievement.status, achievement.shareable) == ("resolved", True)
    assert (incident.status, incident.shareable) == ("open", False)


# --- who sees what --------------------------------------------------------------------------------------


def test_witnesses_are_named_only_to_those_who_may_see_them(seeded):
    (incident,) = record(seeded, by=seeded.school_admin, witnesses=[seeded.sibling_record])
    assert IncidentWitness.system.filter(incident=incident).count() == 1
    admin_sees = selectors.incident_witnesses(actor=seeded.school_admin, incident=incident)
    assert [w.witness.first_name for w in admin_sees] == ["Bilal"]
    # The form tutor of 7A sees Amelia's record but not Bilal (8A): the witness is not named to them.
    assert selectors.incident_get(actor=seeded.form_tutor, public_id=incident.public_id) == incident
    assert selectors.incident_witnesses(actor=seeded.form_tutor, incident=incident) == []
    assert selectors.incident_witnesses(actor=seeded.head_of_year, incident=incident) == []  # Year 7 only


def test_a_class_teacher_sees_records_they_were_involved_in_and_everyones_totals(seeded):
    (by_tutor,) = record(seeded, by=seeded.form_tutor)
    (involving,) = record(
        seeded, by=seeded.form_tutor, staff_involved=[seeded.class_teacher], name="Bullying"
    )
    from tutela.policy import NotVisible

    with pytest.raises(NotVisible):
        selectors.incident_get(actor=seeded.class_teacher, public_id=by_tutor.public_id)
    assert selectors.incident_get(actor=seeded.class_teacher, public_id=involving.public_id) == involving
    assert not selectors.can_change(actor=seeded.class_teacher, incident=involving)
    summary = selectors.pupil_summary(actor=seeded.class_teacher, pupil=seeded.pupil_record)
    assert summary.week.incident == -8  # both records count towards the totals (points only)
    with pytest.raises(NotVisible):
        selectors.incident_get(actor=seeded.other_teacher, public_id=involving.public_id)


def test_families_see_achievements_and_shared_incidents_only(seeded):
    (achievement,) = record(seeded, name="Effort")
    (shared,) = record(seeded, shareable=True, name="No homework")
    record(seeded, name="Defiance")  # not shared
    parent_sees = selectors.family_incident_list(actor=seeded.parent, pupil=seeded.pupil_record)
    assert {r.pk for r in parent_sees} == {achievement.pk, shared.pk}
    assert selectors.family_summary(parent_sees).incident == -1
    pupil_sees = selectors.family_incident_list(actor=seeded.pupil, pupil=seeded.pupil_record)
    assert {r.pk for r in pupil_sees} == {achievement.pk, shared.pk}
    assert selectors.family_incident_list(actor=seeded.other_parent, pupil=seeded.pupil_record) == []


def test_a_pupil_does_not_see_an_achievement_that_was_not_shared(seeded):
    (private,) = record(seeded, name="Effort", shareable=False)
    assert selectors.family_incident_list(actor=seeded.pupil, pupil=seeded.pupil_record) == []
    assert [r.pk for r in selectors.family_incident_list(actor=seeded.parent, pupil=seeded.pupil_record)] == [
        private.pk
    ]


# --- totals and trends ----------------------------------------------------------------------------------


def test_running_totals_per_pupil_form_and_year(seeded):
    record(seeded, name="Excellent work")  # +2
    record(seeded, name="Effort")  # +1
    record(seeded, name="Defiance")  # -3
    record(seeded, by=seeded.school_admin, pupils=[seeded.sibling_record], name="Bullying")  # Year 8: -5
    summary = selectors.pupil_summary(actor=seeded.head_of_year, pupil=seeded.pupil_record)
    assert (summary.week.achievement, summary.week.incident, summary.week.net) == (3, -3, 0)
    assert summary.term is None  # no terms set up at the cast's school
    assert summary.trend[-1].achievement == 3 and sum(w.incident for w in summary.trend) == -3
    form = selectors.form_summary(actor=seeded.form_tutor, form=seeded.form_7a)
    assert [(r.pupil.first_name, r.week.achievement, r.week.incident) for r in form.rows] == [
        ("Amelia", 3, -3)
    ]
    year8 = selectors.year_summary(actor=seeded.school_admin, year=seeded.year8)
    assert year8.week.incident == -5 and year8.week.achievement == 0


def test_the_trend_buckets_points_by_school_week(seeded):
    today = clock.today()
    record(seeded, occurred_at=clock.now() - datetime.timedelta(days=7))
    record(seeded, occurred_at=clock.now() - datetime.timedelta(days=14), name="Bullying")
    trend = selectors.pupil_summary(actor=seeded.form_tutor, pupil=seeded.pupil_record, weeks=4).trend
    assert len(trend) == 4 and trend[-1].week == today - datetime.timedelta(days=today.weekday())
    assert [w.incident for w in trend] == [0, -5, -3, 0]


# --- thresholds and alerts ------------------------------------------------------------------------------


def test_a_weekly_threshold_alerts_tutor_and_head_of_year_once_per_crossing(seeded):
    for _ in range(3):
        record(seeded)  # -9: under the 10-point weekly threshold
    assert not Alert.system.exists()
    record(seeded)  # -12: crossed
    alerts = Alert.system.filter(pupil=seeded.pupil_record)
    assert {a.recipient_id for a in alerts} == {seeded.form_tutor.pk, seeded.head_of_year.pk}
    assert {a.total for a in alerts} == {-12}
    record(seeded)  # -15: the same crossing, no new alert
    assert alerts.count() == 2
    assert services.alerts_check(pupil=seeded.pupil_record, day=clock.today()) == []


def test_a_new_week_is_a_new_crossing(seeded):
    last_week = clock.now() - datetime.timedelta(days=7)
    for _ in range(4):
        record(seeded, occurred_at=last_week)
    for _ in range(4):
        record(seeded)
    starts = sorted({a.period_start for a in Alert.system.filter(recipient=seeded.form_tutor)})
    assert len(starts) == 2 and (starts[1] - starts[0]).days == 7


def test_a_term_threshold_counts_the_schools_term(seeded):
    today = clock.today()
    schools.academic_year_create(
        school=seeded.school,
        name="2026/27",
        terms=[("Autumn", today - datetime.timedelta(days=30), today + datetime.timedelta(days=30))],
    )
    for weeks_ago in range(5):  # 5 x -5 = -25 over five weeks: never 10 in one week... until the last
        record(
            seeded, occurred_at=clock.now() - datetime.timedelta(weeks=weeks_ago, minutes=1), name="Bullying"
        )
    record(seeded, name="Bullying")  # -30 in the term
    names = set(Alert.system.filter(recipient=seeded.head_of_year).values_list("threshold__name", flat=True))
    assert "30 negative points in a term" in names


def test_alerts_are_seen_and_acknowledged_by_their_recipient_only(seeded):
    for _ in range(4):
        record(seeded)
    alert = Alert.system.get(recipient=seeded.form_tutor)
    assert selectors.unread_alert_count(actor=seeded.form_tutor) == 1
    assert selectors.alert_list(actor=seeded.school_admin) == []
    services.alerts_mark_read(actor=seeded.school_admin, alerts=[alert])  # not theirs: nothing changes
    alert.refresh_from_db()
    assert alert.read_at is None
    services.alert_acknowledge(actor=seeded.form_tutor, alert=alert)
    alert.refresh_from_db()
    assert alert.acknowledged_at and alert.read_at
    assert selectors.alert_list(actor=seeded.form_tutor) == []
    assert selectors.alert_list(actor=seeded.form_tutor, include_acknowledged=True) == [alert]


# --- follow-up actions and outcomes ---------------------------------------------------------------------


def test_a_detention_needs_a_time_and_is_marked_served(seeded):
    (incident,) = record(seeded)
    with pytest.raises(ValidationError) as refused:
        services.outcome_add(actor=seeded.form_tutor, incident=incident, kind="detention")
    assert "happens_at" in refused.value.message_dict
    tomorrow = clock.now() + datetime.timedelta(days=1)
    detention = services.outcome_add(
        actor=seeded.form_tutor, incident=incident, kind="detention", happens_at=tomorrow, notes="Room 4"
    )
    assert detention.state == "planned"
    assert selectors.detentions_on(actor=seeded.head_of_year, day=periods.localdate(tomorrow)) == [detention]
    assert selectors.detentions_on(actor=seeded.other_teacher, day=periods.localdate(tomorrow)) == []
    services.outcome_set_state(actor=seeded.form_tutor, outcome=detention, state="done")
    assert Outcome.system.get(pk=detention.pk).state == "done"


def test_parental_contact_records_when_how_and_by_whom(seeded):
    (incident,) = record(seeded)
    with pytest.raises(ValidationError) as refused:
        services.outcome_add(
            actor=seeded.form_tutor, incident=incident, kind="parental_contact", happens_at=clock.now()
        )
    assert "method" in refused.value.message_dict
    contact = services.outcome_add(
        actor=seeded.form_tutor,
        incident=incident,
        kind="parental_contact",
        happens_at=clock.now(),
        method="phone",
    )
    assert (contact.staff, contact.state) == (seeded.form_tutor, "done")


def test_a_suspension_is_an_outcome_with_days_and_families_see_it(seeded):
    (incident,) = record(seeded, name="Physical aggression", shareable=True)
    with pytest.raises(ValidationError):
        services.outcome_add(
            actor=seeded.head_of_year, incident=incident, kind="suspension", happens_at=clock.now()
        )
    services.outcome_add(
        actor=seeded.head_of_year, incident=incident, kind="suspension", happens_at=clock.now(), days=2
    )
    services.outcome_add(actor=seeded.head_of_year, incident=incident, kind="restorative", notes="Met Bilal")
    seen = selectors.family_outcomes(actor=seeded.parent, pupil=seeded.pupil_record)
    assert [o.kind for o in seen] == ["suspension"]  # the restorative note stays with staff


def test_only_the_pastoral_line_or_reporter_adds_follow_up(seeded):
    (incident,) = record(seeded, by=seeded.form_tutor, staff_involved=[seeded.class_teacher])
    from tutela.policy import NotAllowed

    with pytest.raises(NotAllowed):
        services.outcome_add(actor=seeded.class_teacher, incident=incident, kind="restorative")
    with pytest.raises(NotAllowed):
        services.incident_set_status(actor=seeded.class_teacher, incident=incident, status="resolved")
    services.incident_set_status(actor=seeded.head_of_year, incident=incident, status="resolved")
    assert Incident.system.get(pk=incident.pk).status == "resolved"


# --- erasure --------------------------------------------------------------------------------------------


def test_erasing_a_pupil_removes_their_records_and_the_links_naming_them_as_witness(seeded):
    (amelias,) = record(seeded, by=seeded.school_admin, witnesses=[seeded.sibling_record])
    (bilals,) = record(seeded, by=seeded.school_admin, pupils=[seeded.sibling_record])
    Pupil.system.filter(pk=seeded.sibling_record.pk).delete()
    assert not Incident.system.filter(pk=bilals.pk).exists()
    assert Incident.system.filter(pk=amelias.pk).exists()  # Amelia's own record stays
    assert not IncidentWitness.system.filter(incident=amelias).exists()
