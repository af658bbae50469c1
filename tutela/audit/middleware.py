from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tutela.audit.context import context


class AuditContextMiddleware:
    """Binds the request as the audit context; the page's reads become one event after it renders.

    If that event cannot be written the response is not sent: an unaudited read must not happen.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with context(actor=None, reason="", action="request", request=request) as ctx:
            response = self.get_response(request)
            match = getattr(request, "resolver_match", None)
            ctx.action = match.view_name if match and match.view_name else request.path_info[:120]
        return response
