"""Attendance pages. Thin: parse, call one selector or service, render.

The register page is phone-first: everyone is present by default and the teacher taps only the
exceptions (absent, late, or another code), then Save: 35 pupils with three exceptions is four taps.
Saving is an HTMX post that swaps the register in place (no full reload), and works without JavaScript.
"""

from __future__ import annotations

import datetime
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela import policy
from tutela.attendance import codes, selectors, services, stats
from tutela.attendance.forms import EarlyLeaveForm, SubCodeForm, VisitorForm, parse_register_post
from tutela.attendance.models import Register
from tutela.core import charts, clock


def _date_param(request: HttpRequest, name: str, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


@require_GET
def today(request: HttpRequest) -> HttpResponse:
    date = _date_param(request, "date", clock.today())
    registers = selectors.registers_of_day(actor=request.user, date=date)
    return render(
        request,
        "attendance/today.html",
        {
            "date": date,
            "registers": registers,
            "offices": selectors.office_schools(actor=request.user),
            "alerts": selectors.alerts(actor=request.user),
        },
    )


def _register_context(request: HttpRequest, register: Register, **extra: object) -> dict:
    rows = selectors.register_rows(actor=request.user, register=register)
    return {
        "register": register,
        "rows": rows,
        "can_take": selectors.can_take(actor=request.user, register=register),
        "closed": services.register_is_closed(register),
        "quick_codes": [codes.get(c) for c in codes.QUICK_CODES],
        "all_codes": list(codes.CODES.values()),
        "present_code": codes.present_code(register.period.session),
        "leave_form": EarlyLeaveForm(),
        "sub_codes": selectors.sub_codes(school_id=register.school_id),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def register_take(request: HttpRequest, public_id: UUID) -> HttpResponse:
    register = selectors.register_get(actor=request.user, public_id=public_id)
    status = 200
    extra: dict = {}
    if request.method == "POST":
        policy.require(request.user, "attendance.take_register", register)
        rows = selectors.register_rows(actor=request.user, register=register)
        marks, reason = parse_register_post(request.POST, rows)
        try:
            result = services.register_submit(
                actor=request.user, register=register, marks=marks, reason=reason
            )
        except ValidationError as exc:
            extra["errors"] = [m for ms in exc.message_dict.values() for m in ms]
            # HTMX swaps only 2xx answers by default: the partial with its error must still be shown.
            status = 200 if request.htmx else 400
        else:
            extra["result"] = result
            if not request.htmx:
                messages.success(request, f"Register saved: {len(result.written)} marks written.")
                return redirect("attendance:register", public_id=register.public_id)
        register = selectors.register_get(actor=request.user, public_id=public_id)
    template = "attendance/_register_form.html" if request.htmx else "attendance/register.html"
    return render(request, template, _register_context(request, register, **extra), status=status)


@require_POST
def mark_leave(request: HttpRequest, public_id: UUID) -> HttpResponse:
    mark = selectors.mark_get(actor=request.user, public_id=public_id)
    policy.require(request.user, "attendance.take_register", mark.register)
    form = EarlyLeaveForm(request.POST)
    if form.is_valid():
        try:
            services.mark_early_leave(
                actor=request.user,
                mark=mark,
                left_at=form.cleaned_data["left_at"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        else:
            messages.success(request, "Early leave recorded.")
    else:
        messages.error(request, "Give the time the pupil left (HH:MM) and why.")
    return redirect("attendance:register", public_id=mark.register.public_id)


@require_GET
def office(request: HttpRequest) -> HttpResponse:
    school = selectors.office_school(actor=request.user, public_id=request.GET.get("school") or None)
    today_ = clock.today()
    start = _date_param(request, "since", today_ - datetime.timedelta(days=13))
    return render(
        request,
        "attendance/office.html",
        {
            "school": school,
            "date": today_,
            "missing": selectors.missing_registers(school=school),
            "unexplained": selectors.unexplained_absences(
                actor=request.user, school=school, start=start, end=today_
            ),
            "since": start,
            "sheet": selectors.day_sheet(school=school, date=_date_param(request, "date", today_)),
        },
    )


@require_GET
def roll_call(request: HttpRequest) -> HttpResponse:
    school = selectors.office_school(actor=request.user, public_id=request.GET.get("school") or None)
    return render(
        request,
        "attendance/roll_call.html",
        {
            "school": school,
            "now": clock.now(),
            "forms": selectors.roll_call(actor=request.user, school=school),
            "visitors": selectors.visitors_on_site(actor=request.user, school=school),
        },
    )


@require_http_methods(["GET", "POST"])
def visitors(request: HttpRequest) -> HttpResponse:
    school = selectors.office_school(actor=request.user, public_id=request.GET.get("school") or None)
    form = VisitorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visitor_sign_in(actor=request.user, school=school, **form.cleaned_data)
        except ValidationError as exc:
            for field_name, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field_name if field_name in form.fields else None, error)
        else:
            messages.success(request, "Visitor signed in.")
            return redirect("attendance:visitors")
    return render(
        request,
        "attendance/visitors.html",
        {
            "school": school,
            "form": form,
            "visitors": selectors.visitors_of_day(actor=request.user, school=school),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def visitor_sign_out(request: HttpRequest, public_id: UUID) -> HttpResponse:
    visitor = selectors.visitor_get(actor=request.user, public_id=public_id)
    services.visitor_sign_out(actor=request.user, visitor=visitor)
    messages.success(request, "Visitor signed out.")
    return redirect("attendance:visitors")


@require_GET
def pupil_summary(request: HttpRequest, public_id: UUID) -> HttpResponse:
    pupil = selectors.attendance_pupil_get(actor=request.user, public_id=public_id)
    end = _date_param(request, "end", clock.today())
    start = _date_param(request, "start", selectors.academic_year_start(end))
    marks = selectors.pupil_marks(actor=request.user, pupil=pupil, start=start, end=end)
    statutory = [m for m in marks if m.register.form_group_id]
    rate = stats.Rate(
        possible=sum(1 for m in statutory if m.possible),
        attended=sum(1 for m in statutory if m.possible and m.category in stats.ATTENDED),
    )
    by_category = {c.label: sum(1 for m in statutory if m.category == c.value) for c in codes.Category}
    return render(
        request,
        "attendance/pupil.html",
        {
            "pupil": pupil,
            "start": start,
            "end": end,
            "rate": rate,
            "by_category": by_category,
            "heatmap": _heatmap(pupil, marks, start, end),
            "recent": list(reversed(marks))[:30],
            "amendments": selectors.pupil_amendments(actor=request.user, pupil=pupil),
        },
    )


def _heatmap(pupil: object, marks: list, start: datetime.date, end: datetime.date) -> object:
    """The shared calendar heat-map (tutela/core/charts.py) of the range's last 400 days at most."""
    first = max(start, end - datetime.timedelta(days=399))
    days = {d: k for d, k in selectors.pupil_days(marks=marks).items() if first <= d <= end}
    return charts.calendar_heatmap(
        title=f"Attendance {first:%d %b %Y} to {end:%d %b %Y}",
        days=days,
        start=first,
        end=end,
        categories=selectors.DAY_CATEGORIES,
    )


def _pct(rate: stats.Rate) -> float | None:
    return None if rate.percentage is None else round(rate.percentage, 1)


@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    school = selectors.report_school(actor=request.user, public_id=request.GET.get("school") or None)
    end = _date_param(request, "end", clock.today())
    start = _date_param(request, "start", selectors.academic_year_start(end))
    if start > end:
        start, end = end, start
    school_rate, years, forms = selectors.group_rates(actor=request.user, school=school, start=start, end=end)
    persistent, severe = selectors.absence_lists(actor=request.user, school=school, start=start, end=end)
    form_chart = charts.bar_chart(
        title="Attendance by form",
        labels=[form.name for form, _ in forms],
        series=[charts.Series("Attendance", [_pct(rate) for _, rate in forms])],
        percent=True,
        threshold=90,
        threshold_label="90% (persistent absence line)",
        label_header="Form",
    )
    weekly = stats.weekly_school_rates(school=school, start=start, end=end) if school_rate else []
    week_chart = charts.line_chart(
        title="Whole-school attendance by week",
        labels=[f"{monday:%d %b}" for monday, _ in weekly],
        series=[charts.Series("Whole school", [_pct(rate) for _, rate in weekly])],
        percent=True,
        threshold=90,
        threshold_label="90% (persistent absence line)",
        label_header="Week of",
    )
    return render(
        request,
        "attendance/reports.html",
        {
            "school": school,
            "start": start,
            "end": end,
            "school_rate": school_rate,
            "years": years,
            "forms": forms,
            "persistent": persistent,
            "severe": severe,
            "form_chart": form_chart,
            "week_chart": week_chart if school_rate else None,
        },
    )


@require_http_methods(["GET", "POST"])
def sub_codes(request: HttpRequest) -> HttpResponse:
    """The school's own lesson-level codes, each mapped to a national code (office only)."""
    school = selectors.office_school(actor=request.user, public_id=request.GET.get("school") or None)
    form = SubCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.subcode_create(school=school, **form.cleaned_data)
        except ValidationError as exc:
            for field_name, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field_name if field_name in form.fields else None, error)
        else:
            messages.success(request, "Code added.")
            return redirect("attendance:sub_codes")
    return render(
        request,
        "attendance/sub_codes.html",
        {"school": school, "form": form, "sub_codes": selectors.sub_codes(school_id=school.pk)},
        status=400 if form.errors else 200,
    )
