from collections.abc import Callable

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse

from tutela import audit
from tutela.policy import rls

CROSSED_FLAG = "_tutela_cross_school_audited"


class SchoolScopeMiddleware:
    """On PostgreSQL, runs each request in one transaction scoped to the user's schools (row-level security).

    A user whose scope spans several schools (a trust administrator) crosses schools through this one
    explicit path, and it is audited once per session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.vendor != "postgresql":
            return self.get_response(request)
        with transaction.atomic():
            user = request.user
            if user.is_authenticated:
                rls.set_user(user.pk)
                schools = rls.schools_of(user)
                rls.set_request_scope(user_id=user.pk, school_ids=schools)
                if len(schools) > 1 and not request.session.get(CROSSED_FLAG):
                    audit.record(kind="system", action="policy.cross_school_scope", target=user)
                    request.session[CROSSED_FLAG] = True
            else:
                rls.set_request_scope(user_id=None, school_ids=())
            return self.get_response(request)
