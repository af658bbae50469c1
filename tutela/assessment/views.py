"""Assessment pages: the markbook (cell-by-cell HTMX entry, paste a column, undo) and the dashboards.

Thin: parse, call one selector or service, render. 404 for "missing or may not see"; 403 for "may see the
markbook, may not change it". A cell's error is shown in the cell and tied to its input (aria-describedby).
Undo remembers only the public id of the last changed cell in the session, never a value or a comment.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela import policy
from tutela.assessment import dashboards, selectors, services
from tutela.assessment.models import (
    AssessmentPoint,
    CurriculumObjective,
    GradeScale,
    ObjectiveLevel,
    ResultKind,
)

LAST_CHANGE = "assessment.last_mark"


@require_GET
def markbook_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "assessment/markbooks.html", {"classes": selectors.markbook_classes(actor=request.user)}
    )


@require_GET
def markbook_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    group = selectors.markbook_class_get(actor=request.user, public_id=public_id)
    book = selectors.markbook(actor=request.user, teaching_group=group)
    context = {"book": book, "can_undo": bool(request.session.get(LAST_CHANGE))}
    if book.can_edit:
        context["scales"] = GradeScale.objects.filter(school=group.school_id)
        context["points"] = AssessmentPoint.objects.filter(year_group=group.year_group_id)
    return render(request, "assessment/markbook.html", context)


@require_POST
def column_create(request: HttpRequest, public_id: UUID) -> HttpResponse:
    group = selectors.markbook_class_get(actor=request.user, public_id=public_id)
    policy.require(request.user, "assessment.edit_markbook", group)
    data = request.POST
    try:
        scale = _school_object(GradeScale, group.school_id, data.get("scale"))
        point = _school_object(AssessmentPoint, group.school_id, data.get("point"))
        services.column_create(
            actor=request.user,
            teaching_group=group,
            title=data.get("title", ""),
            weight=_decimal(data.get("weight") or "1", "weight"),
            max_mark=_decimal(data["max_mark"], "max_mark") if data.get("max_mark") else None,
            scale=scale,
            point=point,
        )
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    return redirect("assessment:markbook", public_id=group.public_id)


def _decimal(text: str, name: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise ValidationError({name: f"The {name.replace('_', ' ')} must be a number."}) from None


def _school_object(model: type, school_id: int, public_id: str | None) -> object | None:
    if not public_id:
        return None
    try:
        found = model.objects.filter(school=school_id, public_id=UUID(public_id)).first()  # type: ignore[attr-defined]
    except ValueError:
        found = None
    if found is None:
        raise ValidationError({"scale": "Choose a scale or point from the list."})
    return found


@require_http_methods(["GET", "POST"])
def cell(request: HttpRequest, column_id: UUID, pupil_id: UUID) -> HttpResponse:
    """GET: the cell with its comment (for a phone, or to read a comment). POST: save the cell."""
    column = selectors.column_get(actor=request.user, public_id=column_id)
    group = column.teaching_group
    pupil = selectors.roster_pupil(actor=request.user, teaching_group=group, public_id=pupil_id)
    if request.method == "GET":
        mark = selectors.mark_get(actor=request.user, column=column, pupil=pupil)
        can_edit = selectors.can_edit_markbook(actor=request.user, teaching_group=group)
        return render(
            request,
            "assessment/cell.html",
            {
                "column": column,
                "pupil": pupil,
                "mark": mark,
                "mark_text": column.format(mark.points) if mark else "",
                "can_edit": can_edit,
                "group": group,
            },
        )
    typed = request.POST.get("value", "")  # services.mark_set answers 403 for "may see, may not change"
    comment = request.POST.get("comment") if "comment" in request.POST else None
    expectations = selectors.expectations_for(actor=request.user, teaching_group=group, pupils=[pupil])
    try:
        mark = services.mark_set(actor=request.user, column=column, pupil=pupil, value=typed, comment=comment)
    except ValidationError as exc:
        error = (
            " ".join(m for ms in exc.message_dict.values() for m in ms)
            if hasattr(exc, "error_dict")
            else (" ".join(exc.messages))
        )
        if not request.htmx:
            messages.error(request, error)
            return redirect("assessment:cell", column_id=column.public_id, pupil_id=pupil.public_id)
        current = selectors.mark_get(actor=request.user, column=column, pupil=pupil)
        shown = selectors.cell_for(
            column=column, pupil=pupil, points=current.points if current else None, expectations=expectations
        )
        shown.error, shown.typed = error, typed
        return render(request, "assessment/_cell.html", {"cell": shown, "can_edit": True})
    request.session[LAST_CHANGE] = str(mark.public_id)
    if not request.htmx:
        messages.success(request, "Saved.")
        return redirect("assessment:markbook", public_id=group.public_id)
    shown = selectors.cell_for(column=column, pupil=pupil, points=mark.points, expectations=expectations)
    response = render(request, "assessment/_cell.html", {"cell": shown, "can_edit": True, "saved": True})
    response["HX-Trigger"] = "markbook-changed"
    return response


@require_POST
def column_paste(request: HttpRequest, public_id: UUID) -> HttpResponse:
    column = selectors.column_get(actor=request.user, public_id=public_id)
    group = column.teaching_group
    policy.require(request.user, "assessment.edit_markbook", group)
    pupils = selectors.roster(actor=request.user, teaching_group=group)
    try:
        start = max(0, int(request.POST.get("start", "0")))
    except ValueError:
        start = 0
    try:
        saved = services.column_paste(
            actor=request.user, column=column, pupils=pupils[start:], text=request.POST.get("values", "")
        )
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, f"Pasted {len(saved)} value{'s' if len(saved) != 1 else ''} into {column}.")
        request.session.pop(LAST_CHANGE, None)  # undo is per cell; a paste is undone cell by cell
    return redirect("assessment:markbook", public_id=group.public_id)


@require_POST
def undo(request: HttpRequest, public_id: UUID) -> HttpResponse:
    group = selectors.markbook_class_get(actor=request.user, public_id=public_id)
    policy.require(request.user, "assessment.edit_markbook", group)
    last = request.session.get(LAST_CHANGE)
    if not last:
        messages.error(request, "There is no change to undo.")
        return redirect("assessment:markbook", public_id=group.public_id)
    mark = selectors.mark_by_public_id(actor=request.user, public_id=last)
    if mark.column.teaching_group_id != group.pk:
        messages.error(request, "Your last change was in another class's markbook.")
        return redirect("assessment:markbook", public_id=group.public_id)
    services.mark_undo(actor=request.user, mark=mark)
    messages.success(request, f"Undone: {mark.column} is back to its value before your last change.")
    return redirect("assessment:markbook", public_id=group.public_id)


@require_http_methods(["GET", "POST"])
def grades(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A data drop: working-at and predicted grades for a class at a point. POST (HTMX) saves one cell."""
    group = selectors.markbook_class_get(actor=request.user, public_id=public_id)
    if request.method == "GET":
        drop = selectors.data_drop(
            actor=request.user, teaching_group=group, point_id=request.GET.get("point")
        )
        return render(request, "assessment/grades.html", {"drop": drop})
    policy.require(request.user, "assessment.edit_markbook", group)
    drop = selectors.data_drop(actor=request.user, teaching_group=group, point_id=request.POST.get("point"))
    pupil = selectors.roster_pupil(
        actor=request.user, teaching_group=group, public_id=request.POST.get("pupil")
    )
    kind = request.POST.get("kind", "")
    if drop.plan is None or drop.point is None or kind not in ResultKind.values:
        return HttpResponse("This class has no assessment plan or point to record grades at.", status=400)
    typed = request.POST.get("value", "")
    expectations = selectors.expectations_for(actor=request.user, teaching_group=group, pupils=[pupil])
    try:
        result = services.result_set(
            actor=request.user, pupil=pupil, subject=group.subject, point=drop.point, kind=kind, value=typed
        )
    except ValidationError as exc:
        row = next(r for r in drop.rows if r.pupil.pk == pupil.pk)
        cell = row.working_at if kind == ResultKind.WORKING_AT else row.predicted
        cell.error, cell.typed = " ".join(m for ms in exc.message_dict.values() for m in ms), typed
        status = 200 if request.htmx else 400
        return render(request, "assessment/_result_cell.html", {"cell": cell, "drop": drop}, status=status)
    cell = selectors.result_cell(
        plan=drop.plan,
        point=drop.point,
        pupil=pupil,
        kind=kind,
        points=result.points if result else None,
        expectations=expectations,
    )
    return render(request, "assessment/_result_cell.html", {"cell": cell, "drop": drop, "saved": True})


@require_http_methods(["GET", "POST"])
def objectives(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Curriculum objectives of the class's subject and year, marked per pupil. POST (HTMX) saves one."""
    group = selectors.markbook_class_get(actor=request.user, public_id=public_id)
    if request.method == "GET":
        grid = selectors.objective_grid(actor=request.user, teaching_group=group)
        return render(request, "assessment/objectives.html", {"grid": grid})
    policy.require(request.user, "assessment.edit_markbook", group)
    pupil = selectors.roster_pupil(
        actor=request.user, teaching_group=group, public_id=request.POST.get("pupil")
    )
    objective = CurriculumObjective.objects.filter(
        subject=group.subject_id,
        year_group=group.year_group_id,
        public_id=_uuid_or_none(request.POST.get("objective")),
    ).first()
    if objective is None:
        raise policy.NotVisible("No objective matches the given query.")
    level = request.POST.get("level", "")
    if level not in ObjectiveLevel.values:
        return HttpResponse("Choose not yet, working towards, secure or exceeding.", status=400)
    services.objective_mark_set(actor=request.user, pupil=pupil, objective=objective, level=level)
    if not request.htmx:
        messages.success(request, "Saved.")
        return redirect("assessment:objectives", public_id=group.public_id)
    return HttpResponse(f'<span role="status">Saved: {ObjectiveLevel(level).label}</span>')


def _uuid_or_none(text: str | None) -> UUID | None:
    try:
        return UUID(text) if text else None
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
def target(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A pupil's target in a subject: how it was set and why; override (with a reason) or reset."""
    found = selectors.target_get(actor=request.user, public_id=public_id)
    error = ""
    if request.method == "POST":
        policy.require(request.user, "assessment.override_target", found)
        try:
            if request.POST.get("action") == "reset":
                services.target_reset(actor=request.user, target=found)
                messages.success(request, "The target is the flight path's again.")
            else:
                services.target_override(
                    actor=request.user,
                    target=found,
                    value=request.POST.get("value", ""),
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, "Target overridden.")
        except ValidationError as exc:
            error = (
                " ".join(m for ms in exc.message_dict.values() for m in ms)
                if hasattr(exc, "error_dict")
                else (" ".join(exc.messages))
            )
            found = selectors.target_get(actor=request.user, public_id=public_id)
        else:
            return redirect("assessment:target", public_id=found.public_id)
    scale = found.scale
    context = {
        "target": found,
        "target_text": scale.format(found.points),
        "generated_text": scale.format(found.generated_points),
        "start_text": scale.format(found.start_points),
        "can_override": selectors.can_override_target(actor=request.user, target=found),
        "error": error,
    }
    return render(request, "assessment/target.html", context, status=400 if error else 200)


# --- dashboards ---------------------------------------------------------------------------------------------


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    view = dashboards.dashboard(actor=request.user, params=request.GET)
    return render(request, "assessment/dashboard.html", {"view": view})


@require_GET
def drill(request: HttpRequest) -> HttpResponse:
    view = dashboards.drill(actor=request.user, params=request.GET)
    return render(request, "assessment/drill.html", {"view": view})
