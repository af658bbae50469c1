from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tutela import policy
from tutela.doctor import findings


@require_GET
def doctor(request: HttpRequest) -> HttpResponse:
    if not policy.can(request.user, "doctor.view", request.user):
        raise policy.NotVisible("No such page.")
    results = findings.run_all()
    order = {findings.CRITICAL: 0, findings.WARNING: 1, findings.OK: 2}
    results.sort(key=lambda f: order[f.level])
    return render(request, "doctor/doctor.html", {"findings": results})
