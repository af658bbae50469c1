"""Behaviour pages. Thin: parse, call one selector or service, render.

Staff-only pages answer 404 to accounts with no staff role (parents, pupils, IT): the same answer as a
page that does not exist. Families see behaviour on the pupil's timeline page only, as a summary.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela import policy
from tutela.accounts.models import TEACHING_ROLES, Role
from tutela.accounts.selectors import roles_of, school_ids_of
from tutela.behaviour import periods, selectors, services
from tutela.behaviour.forms import (
    CategoryChangeForm,
    CategoryForm,
    DayForm,
    OutcomeForm,
    OutcomeStateForm,
    RecordForm,
    StatusForm,
    ThresholdChangeForm,
    ThresholdForm,
)
from tutela.behaviour.models import Category, Kind, Threshold
from tutela.core import clock
from tutela.core.charts import Series, bar_chart
from tutela.pupils import selectors as pupils
from tutela.pupils.models import Pupil
from tutela.schools.models import FormGroup, TeachingGroup


def _is_staff(user: Any) -> bool:
    return roles_of(user).has(*TEACHING_ROLES, Role.TRUST_ADMIN)


# Achievement green and incident red, as the points badges; the chart also tells them apart by pattern.
TREND_COLOURS = ("#0b6b34", "#9b1c1c")


def _trend_chart(title: str, trend: list[selectors.WeekPoint]) -> Any:
    """Points per school week as stacked bars (achievements up, incidents down), with its data table."""
    return bar_chart(
        title=title,
        labels=[f"{w.week.day} {w.week:%b}" for w in trend],
        series=[
            Series("Achievement points", [w.achievement for w in trend]),
            Series("Incident points", [w.incident for w in trend]),
        ],
        stacked=True,
        label_header="Week of",
        colours=TREND_COLOURS,
    )


def _require_staff(user: Any) -> None:
    if not _is_staff(user):
        raise policy.NotVisible("No page here.")


def _groups(user: Any) -> dict[str, TeachingGroup | FormGroup]:
    classes, forms = selectors.recording_groups(actor=user)
    found: dict[str, TeachingGroup | FormGroup] = {f"form:{f.public_id}": f for f in forms}
    found.update({f"class:{c.public_id}": c for c in classes})
    return found


def _pupil_choices(user: Any, group: TeachingGroup | FormGroup | None) -> list[Pupil]:
    return selectors.group_pupils(actor=user, group=group) if group is not None else []


def _add_errors(form: Any, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Staff: the alert badge, summaries and their recent records. Families: links to their children's
    (or their own) behaviour summary. Anyone else: an empty page (the main menu links here for everyone)."""
    if not _is_staff(request.user):
        children = (
            pupils.pupil_list(actor=request.user)
            if roles_of(request.user).has(Role.PARENT, Role.PUPIL)
            else []
        )
        return render(request, "behaviour/home_family.html", {"children": children})
    context = {
        "unread": selectors.unread_alert_count(actor=request.user),
        "forms": selectors.form_list(actor=request.user),
        "years": selectors.year_list(actor=request.user),
        "recent": selectors.incident_list(actor=request.user, reported_by=request.user, limit=10),
        "can_set_up": selectors.manageable_schools(actor=request.user).exists(),
    }
    return render(request, "behaviour/home.html", context)


@require_http_methods(["GET", "POST"])
def record(request: HttpRequest) -> HttpResponse:
    """Record an incident or achievement for pupils of one of the teacher's classes or forms (phone-first)."""
    _require_staff(request.user)
    groups = _groups(request.user)
    chosen_key = (request.POST or request.GET).get("group", "")
    group = groups.get(chosen_key)
    choices = _pupil_choices(request.user, group)
    schools = {g.school_id for g in groups.values()} or school_ids_of(request.user)
    categories = list(selectors.category_list(actor=request.user).filter(school__in=schools))
    staff = selectors.colleagues(actor=request.user, school_ids=schools)
    form = RecordForm(
        request.POST if request.method == "POST" else None,
        categories=categories,
        pupil_choices=[(str(p.public_id), f"{p.last_name}, {p.first_name}") for p in choices],
        staff_choices=[(str(u.public_id), u.display_name) for u in staff],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_id = {str(p.public_id): p for p in choices}
        try:
            records = services.incident_record(
                actor=request.user,
                pupils=[by_id[i] for i in data["pupils"]],
                category=data["category"],
                occurred_at=data["occurred_at"],
                location=data["location"],
                description=data["description"],
                witnesses=[by_id[i] for i in data["witnesses"]],
                staff_involved=[u for u in staff if str(u.public_id) in data["staff_involved"]],
                shareable=True if data["category"].kind == Kind.ACHIEVEMENT else data["shareable"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            kind = data["category"].get_kind_display().lower()
            messages.success(
                request, f"Recorded: {kind} for {len(records)} pupil{'s' if len(records) != 1 else ''}."
            )
            # Back to the same class: a teacher often records for several pupils in a row.
            return redirect(f"{reverse('behaviour:record')}?{urlencode({'group': chosen_key})}")
    context = {
        "form": form,
        "groups": groups,
        "chosen": chosen_key if group else "",
        "has_categories": bool(categories),
    }
    return render(request, "behaviour/record.html", context, status=400 if form.errors else 200)


@require_GET
def record_pupils(request: HttpRequest) -> HttpResponse:
    """The pupils of one class or form as checkboxes (the record form's HTMX partial)."""
    _require_staff(request.user)
    key = request.GET.get("group", "")
    groups = _groups(request.user)
    if key and key not in groups:
        raise policy.NotVisible("No class or form matches the given query.")
    choices = _pupil_choices(request.user, groups.get(key))
    form = RecordForm(
        categories=[],
        pupil_choices=[(str(p.public_id), f"{p.last_name}, {p.first_name}") for p in choices],
        staff_choices=[],
    )
    return render(request, "behaviour/_pupil_choices.html", {"form": form, "chosen": key})


@require_GET
def incident_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    incident = selectors.incident_get(actor=request.user, public_id=public_id)
    return render(request, "behaviour/incident.html", _incident_context(request, incident))


def _incident_context(request: HttpRequest, incident: Any, **extra: Any) -> dict[str, Any]:
    return {
        "incident": incident,
        "witnesses": selectors.incident_witnesses(actor=request.user, incident=incident),
        "staff": selectors.incident_staff(incident=incident),
        "outcomes": selectors.incident_outcomes(actor=request.user, incident=incident),
        "can_change": selectors.can_change(actor=request.user, incident=incident),
        "outcome_form": extra.pop("outcome_form", None) or _outcome_form(request, incident),
        **extra,
    }


def _outcome_form(request: HttpRequest, incident: Any, data: Any = None) -> OutcomeForm:
    staff = selectors.colleagues(actor=request.user, school_ids={incident.school_id}, include_actor=True)
    return OutcomeForm(data, staff_choices=[(str(u.public_id), u.display_name) for u in staff])


def _after_change(request: HttpRequest, incident: Any, **extra: Any) -> HttpResponse:
    if request.htmx:
        incident = selectors.incident_get(actor=request.user, public_id=incident.public_id)
        context = _incident_context(request, incident, **extra)
        return render(request, "behaviour/_follow_up.html", context, status=400 if extra else 200)
    if extra:
        incident = selectors.incident_get(actor=request.user, public_id=incident.public_id)
        return render(
            request, "behaviour/incident.html", _incident_context(request, incident, **extra), status=400
        )
    return redirect("behaviour:incident", public_id=incident.public_id)


@require_POST
def incident_status(request: HttpRequest, public_id: UUID) -> HttpResponse:
    incident = selectors.incident_get(actor=request.user, public_id=public_id)
    policy.require(request.user, "behaviour.change", incident)
    if "shareable" in request.POST:  # the "share a summary with the family" switch
        shared = request.POST["shareable"] == "on"
        services.incident_set_shareable(actor=request.user, incident=incident, shareable=shared)
        return _after_change(request, incident)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _after_change(request, incident, status_errors=form.errors)
    services.incident_set_status(actor=request.user, incident=incident, status=form.cleaned_data["status"])
    return _after_change(request, incident)


@require_POST
def incident_delete(request: HttpRequest, public_id: UUID) -> HttpResponse:
    incident = selectors.incident_get(actor=request.user, public_id=public_id)
    services.incident_delete(actor=request.user, incident=incident)
    messages.success(request, "The record was deleted.")
    return redirect("behaviour:home")


@require_POST
def outcome_add(request: HttpRequest, public_id: UUID) -> HttpResponse:
    incident = selectors.incident_get(actor=request.user, public_id=public_id)
    policy.require(request.user, "behaviour.change", incident)
    form = _outcome_form(request, incident, request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["staff"] = form.staff_user(data.pop("staff"))
        try:
            services.outcome_add(actor=request.user, incident=incident, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _after_change(request, incident)
    return _after_change(request, incident, outcome_form=form, outcome_errors=True)


@require_POST
def outcome_state(request: HttpRequest, public_id: UUID) -> HttpResponse:
    outcome = selectors.outcome_get(actor=request.user, public_id=public_id)
    incident = outcome.incident
    policy.require(request.user, "behaviour.mark_outcome", outcome)
    form = OutcomeStateForm(request.POST)
    if not form.is_valid():
        return _after_change(request, incident, state_errors=form.errors)
    services.outcome_set_state(actor=request.user, outcome=outcome, state=form.cleaned_data["state"])
    if request.POST.get("next") == "detentions" or not selectors.can_see(
        actor=request.user, incident=incident
    ):
        day = outcome.happens_at and periods.localdate(outcome.happens_at)
        return redirect(f"{_detentions_url()}?date={day.isoformat()}" if day else _detentions_url())
    return _after_change(request, incident)


def _detentions_url() -> str:
    return reverse("behaviour:detentions")


@require_GET
def pupil_timeline(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Staff who teach or look after the pupil: totals, trend and the records they may see. The pupil and
    their parents: achievements and shared incidents, as a summary."""
    pupil = pupils.pupil_get(actor=request.user, public_id=public_id)
    if policy.can(request.user, "behaviour.view_summary", pupil):
        summary = selectors.pupil_summary(actor=request.user, pupil=pupil)
        context = {
            "pupil": pupil,
            "summary": summary,
            "trend_chart": _trend_chart(f"Points per week, last {len(summary.trend)} weeks", summary.trend),
            "records": selectors.incident_list(actor=request.user, pupil=pupil),
            "can_record": policy.can(request.user, "behaviour.record", pupil),
        }
        return render(request, "behaviour/pupil.html", context)
    records = selectors.family_incident_list(actor=request.user, pupil=pupil)
    if not roles_of(request.user).has(Role.PARENT, Role.PUPIL):
        raise policy.NotVisible("No pupil matches the given query.")  # e.g. the DPO: no day-to-day access
    context = {
        "pupil": pupil,
        "records": records,
        "totals": selectors.family_summary(records),
        "outcomes": selectors.family_outcomes(actor=request.user, pupil=pupil),
    }
    return render(request, "behaviour/pupil_family.html", context)


@require_GET
def form_summary(request: HttpRequest, public_id: UUID) -> HttpResponse:
    form = selectors.form_get(actor=request.user, public_id=public_id)
    summary = selectors.form_summary(actor=request.user, form=form)
    context = {"group": form, "summary": summary, "what": "Form", "trend_chart": _group_chart(summary)}
    return render(request, "behaviour/group.html", context)


@require_GET
def year_summary(request: HttpRequest, public_id: UUID) -> HttpResponse:
    year = selectors.year_get(actor=request.user, public_id=public_id)
    summary = selectors.year_summary(actor=request.user, year=year)
    context = {"group": year, "summary": summary, "what": "Year", "trend_chart": _group_chart(summary)}
    return render(request, "behaviour/group.html", context)


def _group_chart(summary: selectors.GroupSummary) -> Any:
    return _trend_chart(f"Points per week, last {len(summary.trend)} weeks", summary.trend)


@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    show_all = request.GET.get("all") == "1"
    alerts = selectors.alert_list(actor=request.user, include_acknowledged=show_all)
    services.alerts_mark_read(actor=request.user, alerts=alerts)  # seen on this page: the badge clears
    return render(request, "behaviour/alerts.html", {"alerts": alerts, "show_all": show_all})


@require_POST
def alert_acknowledge(request: HttpRequest, public_id: UUID) -> HttpResponse:
    alert = selectors.alert_get(actor=request.user, public_id=public_id)
    services.alert_acknowledge(actor=request.user, alert=alert)
    messages.success(request, "Alert acknowledged.")
    return redirect("behaviour:alerts")


@require_GET
def detentions(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    form = DayForm(request.GET or None)
    day = (form.cleaned_data.get("date") if form.is_valid() else None) or clock.today()
    rows = selectors.detentions_on(actor=request.user, day=day)
    markable = selectors.markable_outcome_ids(actor=request.user, outcomes=rows)
    readable = selectors.visible_incident_ids(actor=request.user, incidents=[d.incident for d in rows])
    context = {
        "day": day,
        "detentions": rows,
        "markable": markable,
        "readable": readable,
        "form": DayForm(initial={"date": day}),
    }
    return render(request, "behaviour/detentions.html", context)


SETTINGS_ACTIONS = ("seed", "add_category", "change_category", "add_threshold", "change_threshold")


@require_http_methods(["GET", "POST"])
def school_settings(request: HttpRequest) -> HttpResponse:
    """A school admin's categories (with points) and thresholds: add, re-point, retire; seed the defaults."""
    setups = selectors.school_setup(actor=request.user)
    if not setups:
        raise policy.NotVisible("No page here.")
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done = _apply_setting(request, action, {s.school.public_id.hex: s.school for s in setups})
        except ValidationError as exc:
            errors = [
                f"{name}: {m}" if name != "__all__" else m
                for name, ms in exc.message_dict.items()
                for m in ms
            ]
        else:
            messages.success(request, done)
            return redirect("behaviour:settings")
    context = {
        "setups": selectors.school_setup(actor=request.user) if errors else setups,
        "errors": errors,
        "category_form": CategoryForm(),
        "threshold_form": ThresholdForm(),
    }
    return render(request, "behaviour/settings.html", context, status=400 if errors else 200)


def _form_errors(form: Any) -> ValidationError:
    return ValidationError({name: list(errs) for name, errs in form.errors.items()})


def _apply_setting(request: HttpRequest, action: str, schools: dict[str, Any]) -> str:
    """Runs one settings action; returns the message to show, or raises ValidationError."""
    user = request.user
    if action not in SETTINGS_ACTIONS:
        raise ValidationError("Unknown action.")
    if action in ("seed", "add_category", "add_threshold"):
        school = schools.get(request.POST.get("school", "").replace("-", ""))
        if school is None:
            raise policy.NotVisible("No school matches the given query.")
        if action == "seed":
            categories, thresholds = services.defaults_seed(school=school)
            return f"Added {categories} default categories and {thresholds} thresholds."
        form: Any = (CategoryForm if action == "add_category" else ThresholdForm)(request.POST)
        if not form.is_valid():
            raise _form_errors(form)
        if action == "add_category":
            services.category_create(school=school, **form.cleaned_data)
        else:
            services.threshold_create(school=school, **form.cleaned_data)
        return f"Added {form.cleaned_data['name']}."
    if action == "change_category":
        category = policy.get_or_404(user, "behaviour.manage_categories", Category, request.POST.get("id"))
        form = CategoryChangeForm(request.POST)
        if not form.is_valid():
            raise _form_errors(form)
        services.category_update(actor=user, category=category, **form.cleaned_data)
        return f"Saved {category.name}."
    threshold = policy.get_or_404(user, "behaviour.manage_thresholds", Threshold, request.POST.get("id"))
    form = ThresholdChangeForm(request.POST)
    if not form.is_valid():
        raise _form_errors(form)
    services.threshold_update(actor=user, threshold=threshold, **form.cleaned_data)
    return f"Saved {threshold.name}."
