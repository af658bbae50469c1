from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from tutela.core import request_context


def client_ip(request: HttpRequest) -> str | None:
    # Behind a trusted reverse proxy the client is the last hop it appended; otherwise the socket peer.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR")


class RequestIdMiddleware:
    """Gives every request an id that logs, error pages and audit events quote instead of personal data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_context.bind(ip=client_ip(request))
        info = request_context.current()
        assert info is not None
        request.request_id = info.request_id  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            request_context.unbind(token)
        response["X-Request-ID"] = info.request_id
        response.setdefault("Cache-Control", "no-store")
        return response


class PermissionsPolicyMiddleware:
    """Turns off browser features no page uses (camera, microphone, location ...)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.TUTELA_PERMISSIONS_POLICY)
        return response
