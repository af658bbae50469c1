"""Report cycles: run them, write comments, generate and download the PDFs. Thin: one selector or service."""

from __future__ import annotations

import io
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela import policy
from tutela.core import clock
from tutela.reports import selectors, services
from tutela.reports.forms import CommentForm, CycleForm, OverviewRangeForm


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    year_groups = selectors.year_groups_to_run(actor=request.user)
    context = {
        "cycles": selectors.cycle_list(actor=request.user),
        "family_reports": selectors.family_reports(actor=request.user),
        "form": CycleForm(year_groups=year_groups) if year_groups.exists() else None,
    }
    return render(request, "reports/index.html", context)


@require_POST
def cycle_create(request: HttpRequest) -> HttpResponse:
    year_groups = selectors.year_groups_to_run(actor=request.user)
    if not year_groups.exists():
        raise policy.NotAllowed("You do not run reports for any year group.")
    form = CycleForm(request.POST, year_groups=year_groups)
    if form.is_valid():
        try:
            cycle = services.cycle_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"Report cycle {cycle.name!r} created.")
            return redirect("reports:cycle", public_id=cycle.public_id)
    context = {"cycles": selectors.cycle_list(actor=request.user), "family_reports": [], "form": form}
    return render(request, "reports/index.html", context, status=400)


def _cycle_context(request: HttpRequest, cycle: object) -> dict[str, object]:
    return {
        "cycle": cycle,
        "rows": selectors.cycle_rows(actor=request.user, cycle=cycle),
        "can_manage": selectors.can_manage(actor=request.user, cycle=cycle),
    }


@require_GET
def cycle_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    cycle = selectors.cycle_get(actor=request.user, public_id=public_id)
    context = _cycle_context(request, cycle)
    if context["can_manage"]:
        context["progress"] = services.cycle_progress(actor=request.user, cycle=cycle)
    return render(request, "reports/cycle.html", context)


@require_POST
def cycle_generate(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Generates the next few reports; the progress partial posts again until none are missing."""
    cycle = selectors.cycle_get(actor=request.user, public_id=public_id)
    policy.require(request.user, "reports.manage_cycle", cycle)
    progress = services.cycle_generate_next(actor=request.user, cycle=cycle)
    if request.htmx:
        return render(
            request, "reports/_progress.html", {"cycle": cycle, "progress": progress, "running": True}
        )
    return redirect("reports:cycle", public_id=cycle.public_id)


@require_POST
def cycle_publish(request: HttpRequest, public_id: UUID) -> HttpResponse:
    cycle = selectors.cycle_get(actor=request.user, public_id=public_id)
    policy.require(request.user, "reports.manage_cycle", cycle)
    services.cycle_publish(actor=request.user, cycle=cycle)
    messages.success(request, "Published: families can now download these reports.")
    return redirect("reports:cycle", public_id=cycle.public_id)


@require_http_methods(["GET", "POST"])
def comment(request: HttpRequest, public_id: UUID, pupil_id: UUID) -> HttpResponse:
    cycle = selectors.cycle_get(actor=request.user, public_id=public_id)
    pupil = selectors.comment_pupil_get(actor=request.user, cycle=cycle, public_id=pupil_id)
    headings = selectors.comment_headings(actor=request.user, pupil=pupil)
    form = CommentForm(request.POST or None, headings=headings)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_save(actor=request.user, cycle=cycle, pupil=pupil, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, "Comment saved.")
            return redirect("reports:comment", public_id=cycle.public_id, pupil_id=pupil.public_id)
    context = {
        "cycle": cycle,
        "pupil": pupil,
        "form": form,
        "comments": selectors.comments_for(actor=request.user, cycle=cycle, pupil=pupil),
    }
    return render(request, "reports/comment.html", context, status=400 if form.errors else 200)


@require_GET
def download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    report = selectors.report_get(actor=request.user, public_id=public_id)
    filename = f"report-{report.cycle.name}-{report.public_id}.pdf".replace(" ", "-")
    response = FileResponse(
        io.BytesIO(report.pdf.read_plaintext()),
        content_type="application/pdf",
        as_attachment=True,
        filename=filename,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def pupil_overview(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A pupil's whole picture for staff: attendance, progress and behaviour over a date range (the
    academic year to date unless the small form chooses another)."""
    pupil = selectors.overview_pupil_get(actor=request.user, public_id=public_id)
    start, end = selectors.overview_default_range(today=clock.today())
    form = OverviewRangeForm(request.GET if request.GET else None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    context = {
        "pupil": pupil,
        "form": form,
        "start": start,
        "end": end,
        "sections": []
        if form.errors
        else selectors.overview(actor=request.user, pupil=pupil, start=start, end=end),
    }
    return render(request, "reports/pupil_overview.html", context, status=400 if form.errors else 200)
