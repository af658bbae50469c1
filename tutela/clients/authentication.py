"""``Authorization: Bearer tutela_<id>_<secret>`` for the API (DRF authentication class).

A valid token makes the request its client's service account: the policy rules, row-level security and
the audit trail then treat it as they treat a person holding the same role at the same school. Read-only
clients are refused every unsafe method here, before any view runs, so a view's own permission classes
cannot forget it; a view whose POST only reads (a search) may say so with ``reads_only = True``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from tutela import audit
from tutela.clients import services
from tutela.clients.models import ApiClient
from tutela.core.middleware import client_ip
from tutela.policy import rls

KEYWORD = "bearer"


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != KEYWORD:
        return None
    return token.strip()


class ClientTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiClient] | None:
        token = _bearer_token(request)
        if token is None:
            return None  # not ours: the session may still authenticate the request
        try:
            # The token names its school; until it is checked, the request has none (row-level security).
            with rls.system_scope():
                client = services.client_authenticate(token=token, ip=client_ip(request))
        except services.InvalidToken:
            audit.record(kind="auth", action="clients.token_refused")
            raise AuthenticationFailed("Invalid, expired or revoked client token.") from None
        user = client.service_user
        # As SchoolScopeMiddleware does for a session: the user first (their memberships become visible),
        # then their schools.
        rls.set_user(user.pk)
        rls.set_request_scope(user_id=user.pk, school_ids=rls.schools_of(user))
        if client.read_only and request.method not in SAFE_METHODS:
            view = (getattr(request, "parser_context", None) or {}).get("view")
            if not getattr(view, "reads_only", False):
                raise PermissionDenied("This API client is read-only.")
        return user, client

    def authenticate_header(self, request: Request) -> str | None:
        # 401 with a challenge for a request that presented a token; a request without one keeps DRF's
        # answer for the session API (403), so browsers are not prompted.
        return 'Bearer realm="tutela"' if _bearer_token(request) is not None else None
