"""Pages for administrators to issue, list and revoke API clients. The token is shown once, on the answer to
the form, and never again (the server keeps only its MAC)."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tutela import policy
from tutela.accounts.models import Role
from tutela.clients import rules, selectors, services
from tutela.clients.forms import ClientForm


@require_http_methods(["GET"])
def client_list(request: HttpRequest) -> HttpResponse:
    schools = selectors.schools_for_issue(actor=request.user)
    if not schools.exists():
        raise policy.NotVisible("No such page.")
    clients = selectors.client_list(actor=request.user)
    return render(request, "clients/list.html", {"clients": clients})


@never_cache  # the answer carries the token: no cache may keep it
@require_http_methods(["GET", "POST"])
def client_create(request: HttpRequest) -> HttpResponse:
    schools = selectors.schools_for_issue(actor=request.user)
    if not schools.exists():
        raise policy.NotVisible("No such page.")
    grantable: dict[str, str] = {}
    for school in schools:
        for role in rules.grantable_roles(request.user, school):
            grantable[role] = Role(role).label
    form = ClientForm(request.POST or None, schools=schools, roles=list(grantable.items()))
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.client_create(  # refuses a role the user does not hold at the school
                actor=request.user,
                school=form.cleaned_data["school"],
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                access=form.cleaned_data["access"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error("expires_on" if field == "expires_at" else field, errors)
        else:
            return render(request, "clients/issued.html", {"client": issued.client, "token": issued.token})
    return render(request, "clients/create.html", {"form": form})


@require_POST
def client_revoke(request: HttpRequest, public_id: UUID) -> HttpResponse:
    client = selectors.client_get(actor=request.user, public_id=public_id)
    services.client_revoke(actor=request.user, client=client)
    return redirect("clients:list")
