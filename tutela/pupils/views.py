"""Pupil pages. Thin: parse, call one selector or service, render.

Name searches are POSTed, so a child's name never lands in a URL, an access log or browser history.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutela import policy
from tutela.accounts.selectors import roles_of, school_ids_of
from tutela.pupils import selectors, services
from tutela.pupils.forms import PhotoForm, PupilForm, SearchForm
from tutela.pupils.models import Pupil
from tutela.schools.models import YearGroup


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    classes = selectors.class_list(actor=request.user)
    context = {
        "roles": roles_of(request.user).labels(),
        "pupil_count": policy.scope(request.user, "pupils.view", Pupil).count(),
        "class_count": classes.count(),
        "taught": classes.filter(teachers=request.user)[:12],
        "can_see_health": policy.can(request.user, "doctor.view", request.user),
    }
    return render(request, "home.html", context)


@require_GET
def pupil_list(request: HttpRequest) -> HttpResponse:
    year_group = None
    if year := request.GET.get("year"):
        # Only the user's own schools' year groups: another school's is ignored like a malformed id.
        try:
            year_group = YearGroup.objects.filter(
                public_id=UUID(year), school__in=school_ids_of(request.user)
            ).first()
        except ValueError:
            year_group = None
    pupils = selectors.pupil_list(actor=request.user, year_group=year_group)
    years = YearGroup.objects.filter(
        pk__in={p.year_group_id for p in pupils} | ({year_group.pk} if year_group else set())
    )
    response = render(
        request,
        "pupils/list.html",
        {
            "pupils": pupils,
            "years": years,
            "year_group": year_group,
            "form": SearchForm(),
            "profile_base": _profile_base(),
        },
    )
    # Django's template context is a reference cycle (RequestContext <-> ContextDict), so whatever it
    # holds waits for the garbage collector: for this page, 2,000 pupils and their ~40,000 objects, which
    # piled up into 1 s collector pauses (docs/performance.md). The page is rendered: let them go now.
    pupils.clear()
    return response


def _profile_base() -> str:
    """The profile URL without its id: one reverse() for a list, not one per row (2,000 rows add up)."""
    placeholder = UUID(int=0)
    return reverse("pupils:profile", args=[placeholder]).removesuffix(f"{placeholder}/")


@require_POST
def pupil_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.POST)
    query = form.data.get("q", "") if form.is_valid() else ""
    result = selectors.pupil_search(actor=request.user, query=query)
    context = {"result": result, "form": form, "query_given": bool(query.strip())}
    template = "pupils/_search_results.html" if request.htmx else "pupils/search.html"
    return render(request, template, context)


@require_GET
def pupil_profile(request: HttpRequest, public_id: UUID) -> HttpResponse:
    pupil = selectors.pupil_get(actor=request.user, public_id=public_id)
    can_see_contacts = selectors.can_see_contacts(actor=request.user, pupil=pupil)
    context = {
        "pupil": pupil,
        "guardians": selectors.pupil_guardians(actor=request.user, pupil=pupil) if can_see_contacts else [],
        "can_see_contacts": can_see_contacts,
        "can_edit": selectors.can_edit(actor=request.user, pupil=pupil),
        # The reports app's overview page (named by action, not imported: reports sits above pupils).
        "can_see_overview": policy.can(request.user, "reports.view_overview", pupil),
    }
    return render(request, "pupils/profile.html", context)


@require_http_methods(["GET", "POST"])
def pupil_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    pupil = selectors.pupil_get(actor=request.user, public_id=public_id)
    policy.require(request.user, "pupils.edit", pupil)
    form = PupilForm(request.POST or None, pupil=pupil)
    photo_form = PhotoForm()
    if request.method == "POST" and form.is_valid():
        try:
            services.pupil_update(actor=request.user, pupil=pupil, changes=form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
            # The refused values were set on this object: show the page with the record as stored.
            pupil = selectors.pupil_get(actor=request.user, public_id=public_id)
        else:
            messages.success(request, "Saved.")
            return redirect("pupils:profile", public_id=pupil.public_id)
    return render(request, "pupils/edit.html", {"pupil": pupil, "form": form, "photo_form": photo_form})


@require_POST
def pupil_photo_upload(request: HttpRequest, public_id: UUID) -> HttpResponse:
    pupil = selectors.pupil_get(actor=request.user, public_id=public_id)
    policy.require(request.user, "pupils.edit", pupil)
    photo_form = PhotoForm(request.POST, request.FILES)
    if photo_form.is_valid():
        try:
            services.pupil_set_photo(
                actor=request.user, pupil=pupil, data=photo_form.cleaned_data["photo"].read()
            )
        except ValidationError as exc:
            _add_errors(photo_form, exc)
        else:
            messages.success(request, "Photo saved.")
            return redirect("pupils:profile", public_id=pupil.public_id)
    form = PupilForm(pupil=pupil)
    return render(
        request, "pupils/edit.html", {"pupil": pupil, "form": form, "photo_form": photo_form}, status=400
    )


@require_GET
def class_list(request: HttpRequest) -> HttpResponse:
    return render(request, "pupils/classes.html", {"classes": selectors.class_list(actor=request.user)})


@require_GET
def class_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    group = selectors.class_get(actor=request.user, public_id=public_id)
    pupils = selectors.class_pupils(actor=request.user, teaching_group=group)
    return render(request, "pupils/class_detail.html", {"group": group, "pupils": pupils})


def _add_errors(form: object, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        target = field if field in form.fields else None  # type: ignore[attr-defined]
        for error in errors:
            form.add_error(target, error)  # type: ignore[attr-defined]
