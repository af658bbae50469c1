"""Writes to behaviour records. Keyword-only, atomic, validated; saves of personal rows are audited by
tutela.audit's signals, and changes to a school's categories and thresholds are audited here."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from tutela import audit, policy
from tutela.accounts.models import TEACHING_ROLES, Membership, Role
from tutela.behaviour import periods
from tutela.behaviour.models import (
    Alert,
    Category,
    ContactMethod,
    Incident,
    IncidentStaff,
    IncidentWitness,
    Kind,
    Outcome,
    OutcomeKind,
    OutcomeState,
    Status,
    Threshold,
)
from tutela.core import clock
from tutela.pupils.models import Pupil
from tutela.schools.models import School

# Django's uniqueness checks would query the scoped default managers (which refuse to run unscoped); the
# database constraints enforce uniqueness instead.
NO_UNSCOPED_CHECKS = {"validate_unique": False, "validate_constraints": False}

# Sensible defaults, in the shape most English secondary schools use (ClassCharts' and Arbor's starter
# sets): a school changes, adds or retires them; records keep the points they were given.
DEFAULT_CATEGORIES: tuple[tuple[str, str, int], ...] = (
    (Kind.ACHIEVEMENT, "Excellent work", 2),
    (Kind.ACHIEVEMENT, "Effort", 1),
    (Kind.ACHIEVEMENT, "Helping others", 1),
    (Kind.ACHIEVEMENT, "Participation", 1),
    (Kind.ACHIEVEMENT, "Representing the school", 3),
    (Kind.ACHIEVEMENT, "Outstanding homework", 1),
    (Kind.INCIDENT, "Low-level disruption", -1),
    (Kind.INCIDENT, "No homework", -1),
    (Kind.INCIDENT, "Lateness to lesson", -1),
    (Kind.INCIDENT, "Equipment or uniform", -1),
    (Kind.INCIDENT, "Defiance", -3),
    (Kind.INCIDENT, "Truancy from lesson", -3),
    (Kind.INCIDENT, "Unkind or abusive language", -3),
    (Kind.INCIDENT, "Bullying", -5),
    (Kind.INCIDENT, "Physical aggression", -5),
)
DEFAULT_THRESHOLDS: tuple[tuple[str, str, int, str], ...] = (
    ("10 negative points in a week", Kind.INCIDENT, 10, "week"),
    ("30 negative points in a term", Kind.INCIDENT, 30, "term"),
    ("30 achievement points in a term", Kind.ACHIEVEMENT, 30, "term"),
)


def _validate(obj: Any, exclude: Sequence[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude), **NO_UNSCOPED_CHECKS)


def _audit_school_setting(obj: Category | Threshold, kind: str, fields: list[str]) -> None:
    audit.record(kind=kind, action=f"behaviour.{obj._meta.model_name}.{kind}", target=obj, fields=fields)


# --- categories and thresholds ------------------------------------------------------------------------------


def _check_category(category: Category) -> None:
    if category.kind == Kind.ACHIEVEMENT and category.points <= 0:
        raise ValidationError(
            {"points": "An achievement category carries points above zero (for example 1)."}
        )
    if category.kind == Kind.INCIDENT and category.points >= 0:
        raise ValidationError({"points": "An incident category carries points below zero (for example -1)."})


@transaction.atomic
def category_create(*, school: School, kind: str, name: str, points: int) -> Category:
    category = Category(school=school, kind=kind, name=name.strip(), points=points)
    _validate(category)
    _check_category(category)
    if Category.objects.filter(school=school, kind=kind, name__iexact=category.name).exists():
        raise ValidationError(
            {"name": f"{school.name} already has a {kind} category called {category.name!r}."}
        )
    category.save()
    _audit_school_setting(category, "create", ["kind", "name", "points"])
    return category


@transaction.atomic
def category_update(
    *, actor: Any, category: Category, points: int | None = None, active: bool | None = None
) -> Category:
    policy.require(actor, "behaviour.manage_categories", category)
    changed = []
    if points is not None and points != category.points:
        category.points, changed = points, [*changed, "points"]
    if active is not None and active != category.active:
        category.active, changed = active, [*changed, "active"]
    _validate(category)
    _check_category(category)
    if changed:
        category.save()
        _audit_school_setting(category, "update", changed)
    return category


@transaction.atomic
def threshold_update(
    *, actor: Any, threshold: Threshold, points: int | None = None, active: bool | None = None
) -> Threshold:
    policy.require(actor, "behaviour.manage_thresholds", threshold)
    changed = []
    if points is not None and points != threshold.points:
        threshold.points, changed = points, [*changed, "points"]
    if active is not None and active != threshold.active:
        threshold.active, changed = active, [*changed, "active"]
    _validate(threshold)
    if changed:
        threshold.save()
        _audit_school_setting(threshold, "update", changed)
    return threshold


@transaction.atomic
def threshold_create(
    *,
    school: School,
    name: str,
    kind: str,
    points: int,
    period: str,
    notify_tutors: bool = True,
    notify_head_of_year: bool = True,
) -> Threshold:
    threshold = Threshold(
        school=school,
        name=name,
        kind=kind,
        points=points,
        period=period,
        notify_tutors=notify_tutors,
        notify_head_of_year=notify_head_of_year,
    )
    _validate(threshold)
    if Threshold.objects.filter(school=school, name=name).exists():
        raise ValidationError({"name": f"{school.name} already has a threshold called {name!r}."})
    threshold.save()
    _audit_school_setting(threshold, "create", ["name", "kind", "points", "period"])
    return threshold


@transaction.atomic
def defaults_seed(*, school: School) -> tuple[int, int]:
    """Adds the default categories and thresholds a school does not have yet (by name); idempotent.

    Returns how many categories and thresholds were added."""
    have = set(Category.objects.filter(school=school).values_list("kind", "name"))
    added_categories = 0
    for kind, name, points in DEFAULT_CATEGORIES:
        if (kind, name) not in have:
            category_create(school=school, kind=kind, name=name, points=points)
            added_categories += 1
    named = set(Threshold.objects.filter(school=school).values_list("name", flat=True))
    added_thresholds = 0
    for name, kind, points, period in DEFAULT_THRESHOLDS:
        if name not in named:
            threshold_create(school=school, name=name, kind=kind, points=points, period=period)
            added_thresholds += 1
    return added_categories, added_thresholds


# --- incidents and achievements -----------------------------------------------------------------------------

FUTURE_SKEW = datetime.timedelta(minutes=5)  # a phone's clock may run a little ahead of the server's


def _staff_at(school: School, users: Iterable[Any]) -> list[Any]:
    users = list(users)
    if not users:
        return []
    staff = set(
        Membership.objects.filter(
            user__in=users, school=school, role__in=TEACHING_ROLES, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    if {u.pk for u in users} - staff:
        raise ValidationError({"staff_involved": "Only staff of this school can be named as involved."})
    return users


@transaction.atomic
def incident_record(
    *,
    actor: Any,
    pupils: Sequence[Pupil],
    category: Category,
    occurred_at: datetime.datetime,
    location: str = "",
    description: str = "",
    staff_involved: Iterable[Any] = (),
    witnesses: Iterable[Pupil] = (),
    shareable: bool | None = None,
) -> list[Incident]:
    """Records one occurrence: one Incident row per pupil, each sealed under that pupil's key.

    ``actor`` must be allowed to record for every pupil (``behaviour.record``) and to see every witness
    (``pupils.view``). Raises ValidationError naming the field otherwise. Checks the thresholds afterwards.
    """
    pupils = list(dict.fromkeys(pupils))
    witnesses = [w for w in dict.fromkeys(witnesses) if w not in pupils]
    if not pupils:
        raise ValidationError({"pupils": "Choose at least one pupil."})
    school_id = category.school_id
    if any(p.school_id != school_id for p in pupils + witnesses):
        raise ValidationError({"pupils": "Every pupil and witness must be at the category's school."})
    recordable = Pupil.objects.for_actor(actor, "behaviour.record").without_read_audit()
    if recordable.filter(pk__in=[p.pk for p in pupils]).count() != len(pupils):
        raise ValidationError({"pupils": "You may record behaviour only for pupils you teach or look after."})
    visible = Pupil.objects.for_actor(actor, "pupils.view").without_read_audit()
    if witnesses and visible.filter(pk__in=[w.pk for w in witnesses]).count() != len(witnesses):
        raise ValidationError({"witnesses": "Choose witnesses from pupils you can see."})
    if not category.active:
        raise ValidationError({"category": "This category is no longer in use: choose another."})
    if occurred_at > clock.now() + FUTURE_SKEW:
        raise ValidationError({"occurred_at": "This is in the future: give the date and time it happened."})
    staff = [u for u in _staff_at(category.school, staff_involved) if u.pk != actor.pk]
    if shareable is None:
        shareable = category.kind == Kind.ACHIEVEMENT
    occurrence = uuid.uuid4()
    records = []
    for pupil in pupils:
        incident = Incident(
            school_id=school_id,
            pupil=pupil,
            occurrence=occurrence,
            kind=category.kind,
            category=category,
            points=category.points,
            occurred_at=occurred_at,
            location=location,
            description=description.strip(),
            reported_by=actor,
            # An achievement needs no follow-up; an incident stays open until someone resolves it.
            status=Status.RESOLVED if category.kind == Kind.ACHIEVEMENT else Status.OPEN,
            shareable=shareable,
        )
        _validate(incident)
        incident.save()
        IncidentStaff.objects.bulk_create(
            IncidentStaff(school_id=school_id, incident=incident, user=user) for user in staff
        )
        for witness in witnesses:
            link = IncidentWitness(school_id=school_id, incident=incident, witness=witness)
            link.save()  # one by one: each link is audited (its subject is the witness)
        records.append(incident)
    for pupil in pupils:
        alerts_check(pupil=pupil, day=periods.localdate(occurred_at))
    return records


@transaction.atomic
def incident_set_status(*, actor: Any, incident: Incident, status: str) -> Incident:
    policy.require(actor, "behaviour.change", incident)
    if status not in Status.values:
        raise ValidationError({"status": f"Choose one of: {', '.join(Status.values)}."})
    if incident.status != status:
        incident.status = status
        incident.save()
    return incident


@transaction.atomic
def incident_set_shareable(*, actor: Any, incident: Incident, shareable: bool) -> Incident:
    policy.require(actor, "behaviour.change", incident)
    if incident.shareable != shareable:
        incident.shareable = shareable
        incident.save()
    return incident


@transaction.atomic
def incident_delete(*, actor: Any, incident: Incident) -> None:
    """Removes a record made by mistake (wrong pupil, duplicate): its follow-ups and witness links go with it.

    Every deleted row is audited (its id and whose it was, never its content). Alerts already raised stay:
    they were true when raised, and the recipient may have acted on them."""
    policy.require(actor, "behaviour.change", incident)
    for outcome in Outcome.system.filter(incident=incident):
        outcome.delete()
    for link in IncidentWitness.system.filter(incident=incident):
        link.delete()
    IncidentStaff.objects.filter(incident=incident).delete()
    incident.delete()


# --- follow-up actions and outcomes -------------------------------------------------------------------------


def _check_outcome(outcome: Outcome) -> None:
    errors: dict[str, str] = {}
    needs_time = {
        OutcomeKind.DETENTION: "Give the date and time of the detention.",
        OutcomeKind.PARENTAL_CONTACT: "Give when parents were contacted.",
        OutcomeKind.SUSPENSION: "Give the date the suspension starts.",
    }
    if outcome.kind in needs_time and outcome.happens_at is None:
        errors["happens_at"] = needs_time[OutcomeKind(outcome.kind)]
    if outcome.kind == OutcomeKind.PARENTAL_CONTACT:
        if not outcome.method:
            errors["method"] = "Say how parents were contacted."
        if outcome.happens_at and outcome.happens_at > clock.now() + FUTURE_SKEW:
            errors["happens_at"] = "A contact already made cannot be in the future."
    elif outcome.method:
        errors["method"] = "Only a parental contact has a method."
    if outcome.kind == OutcomeKind.SUSPENSION and not outcome.days:
        errors["days"] = "Give the suspension's length in school days (at most 45 in a year)."
    elif outcome.kind != OutcomeKind.SUSPENSION and outcome.days:
        errors["days"] = "Only a suspension has a length in days."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def outcome_add(
    *,
    actor: Any,
    incident: Incident,
    kind: str,
    happens_at: datetime.datetime | None = None,
    method: str = "",
    staff: Any = None,
    days: int | None = None,
    notes: str = "",
) -> Outcome:
    policy.require(actor, "behaviour.change", incident)
    if incident.kind != Kind.INCIDENT:
        raise ValidationError({"kind": "Follow-up actions belong to incidents, not achievements."})
    if kind == OutcomeKind.PARENTAL_CONTACT and staff is None:
        staff = actor  # "by whom": whoever records the call made it, unless they name someone else
    if staff is not None:
        _staff_at(incident.school, [staff])
    outcome = Outcome(
        school_id=incident.school_id,
        incident=incident,
        pupil_id=incident.pupil_id,
        kind=kind,
        happens_at=happens_at,
        method=method,
        staff=staff,
        days=days,
        notes=notes.strip(),
        recorded_by=actor,
        state=OutcomeState.DONE if kind == OutcomeKind.PARENTAL_CONTACT else OutcomeState.PLANNED,
    )
    if method and method not in ContactMethod.values:
        raise ValidationError({"method": f"Choose one of: {', '.join(ContactMethod.values)}."})
    _validate(outcome)
    _check_outcome(outcome)
    outcome.save()
    return outcome


@transaction.atomic
def outcome_set_state(*, actor: Any, outcome: Outcome, state: str) -> Outcome:
    """Marks a detention served or missed (or any follow-up done or cancelled): whoever may change the record,
    and the detention's supervisor."""
    policy.require(actor, "behaviour.mark_outcome", outcome)
    if state not in OutcomeState.values:
        raise ValidationError({"state": f"Choose one of: {', '.join(OutcomeState.values)}."})
    if outcome.state != state:
        outcome.state = state
        outcome.save()
    return outcome


# --- thresholds and alerts ----------------------------------------------------------------------------------


def _recipients(pupil: Pupil, threshold: Threshold) -> list[Any]:
    """The pupil's tutors and head of year who still hold a staff role at the school."""
    from tutela.accounts.models import User
    from tutela.schools.models import FormGroup

    ids: set[int] = set()
    if threshold.notify_tutors and pupil.form_group_id:
        tutors = FormGroup.objects.filter(pk=pupil.form_group_id).values_list("tutors", flat=True)
        ids |= {t for t in tutors if t}
        staff = Membership.objects.filter(user__in=ids, school=pupil.school_id, role__in=TEACHING_ROLES)
        ids = set(staff.values_list("user_id", flat=True))
    if threshold.notify_head_of_year:
        heads = Membership.objects.filter(
            role=Role.HEAD_OF_YEAR, school=pupil.school_id, year_group=pupil.year_group_id
        )
        ids |= set(heads.values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids, is_active=True))


def points_between(*, pupil: Pupil, kind: str, start: datetime.date, end: datetime.date) -> int:
    """The pupil's points of ``kind`` from ``start`` to ``end`` inclusive (school-local dates)."""
    since, until = periods.datetime_bounds(start, end)
    rows = Incident.system.filter(pupil=pupil, kind=kind, occurred_at__gte=since, occurred_at__lt=until)
    return rows.aggregate(total=Sum("points"))["total"] or 0


def alerts_check(*, pupil: Pupil, day: datetime.date) -> list[Alert]:
    """Raises an alert to each recipient for each active threshold the pupil has crossed in the period
    containing ``day``. Idempotent: a crossing already alerted (same threshold, pupil, period and
    recipient) is not alerted again. Returns the alerts raised now."""
    raised = []
    for threshold in Threshold.objects.filter(school=pupil.school_id, active=True):
        bounds = periods.bounds(threshold.period, school_id=pupil.school_id, day=day)
        if bounds is None:
            continue  # a term threshold on a day outside every term the school has set up
        start, end = bounds
        total = points_between(pupil=pupil, kind=threshold.kind, start=start, end=end)
        if abs(total) < threshold.points:
            continue
        for recipient in _recipients(pupil, threshold):
            if Alert.system.filter(
                threshold=threshold, pupil=pupil, period_start=start, recipient=recipient
            ).exists():
                continue
            alert = Alert(
                school_id=pupil.school_id,
                threshold=threshold,
                pupil=pupil,
                recipient=recipient,
                period_start=start,
                period_end=end,
                total=total,
            )
            try:
                with transaction.atomic():  # two requests crossing at once: the constraint keeps one
                    alert.save()
            except IntegrityError:
                continue
            raised.append(alert)
    return raised


@transaction.atomic
def alerts_mark_read(*, actor: Any, alerts: Sequence[Alert]) -> None:
    """Marks alerts the actor has been shown as read (their own alerts only)."""
    unread = [a for a in alerts if a.read_at is None]
    if not unread:
        return
    own = set(
        Alert.objects.for_actor(actor, "behaviour.view_alert")
        .without_read_audit()
        .filter(pk__in=[a.pk for a in unread])
        .values_list("pk", flat=True)
    )
    now = clock.now()
    for alert in unread:
        if alert.pk in own:
            alert.read_at = now
            alert.save()


@transaction.atomic
def alert_acknowledge(*, actor: Any, alert: Alert) -> Alert:
    policy.require(actor, "behaviour.view_alert", alert)
    if alert.acknowledged_at is None:
        now = clock.now()
        alert.acknowledged_at = now
        alert.read_at = alert.read_at or now
        alert.save()
    return alert
