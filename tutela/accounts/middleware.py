"""Two global checks on every signed-in request, so that no view can forget them.

- SessionActivityMiddleware: a session ends after TUTELA_SESSION_IDLE_MINUTES without a request, after
  TUTELA_SESSION_MAX_HOURS in all, or as soon as its row in UserSession is deleted (revoked from the
  sessions page, "sign out everywhere", a password reset).
- TwoFactorMiddleware: someone who must use two-factor sign-in (tutela.accounts.two_factor) and has not given
  a second factor in this session reaches only the pages that let them give one (or enrol one), and sign
  out. Everything else, the API included, sends them there. Views opt out with ``@two_factor_exempt`` only.

Both act in ``process_view``, after every middleware has bound the request (audit context, vault scope), and
before any view runs.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django_otp.middleware import OTPMiddleware

from tutela.accounts import two_factor
from tutela.accounts.models import UserSession
from tutela.core import clock

LAST_SEEN_RESOLUTION = datetime.timedelta(seconds=60)  # at most one write per session per minute


def two_factor_exempt(view: Callable[..., Any]) -> Callable[..., Any]:
    """For the pages that give or set up a second factor, and sign-out: reachable before verification."""
    view.two_factor_exempt = True  # type: ignore[attr-defined]
    return view


def session_key_hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _to(route: str, request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(route)}?{urlencode({'next': request.get_full_path()})}")


class SessionActivityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            return None
        key = request.session.session_key or ""
        row = UserSession.objects.filter(key_hash=session_key_hash(key)).first() if key else None
        now = clock.now()
        reason = ""
        if row is None or row.user_id != user.pk:
            reason = "revoked"
        elif now - row.last_seen_at > datetime.timedelta(minutes=settings.TUTELA_SESSION_IDLE_MINUTES):
            reason = "idle"
        elif now - row.created_at > datetime.timedelta(hours=settings.TUTELA_SESSION_MAX_HOURS):
            reason = "expired"
        if not reason:
            if now - row.last_seen_at >= LAST_SEEN_RESOLUTION:  # type: ignore[union-attr]
                UserSession.objects.filter(pk=row.pk).update(last_seen_at=now)  # type: ignore[union-attr]
            return None
        request.tutela_session_end = reason  # type: ignore[attr-defined]
        logout(request)
        if _is_api(request):
            return JsonResponse({"detail": "Your session has ended: sign in again."}, status=403)
        messages.info(
            request,
            {
                "revoked": "You were signed out (this session was ended from another device or by a password "
                "reset). Sign in again.",
                "idle": "You were signed out after a period without activity. Sign in again.",
                "expired": "Your session reached its time limit. Sign in again.",
            }[reason],
        )
        return _to(settings.LOGIN_URL, request)


class TwoFactorMiddleware(OTPMiddleware):
    """django-otp's middleware (``request.user.is_verified()``), plus the enforcement."""

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or getattr(view_func, "two_factor_exempt", False):
            return None
        if two_factor.is_verified(request) or not two_factor.must_use_two_factor(user):
            return None
        if _is_api(request):
            return JsonResponse(
                {"detail": "Two-factor sign-in is needed: finish signing in in the browser first."},
                status=403,
            )
        if two_factor.has_confirmed_device(user):
            return _to("accounts:verify", request)
        return _to("accounts:security", request)
