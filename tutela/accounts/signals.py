"""Sign-ins, sign-outs and failed attempts go to the audit log (the typed email never does); each sign-in
gets a row in UserSession (the user's sessions page, revocation, idle and absolute time limits)."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from tutela import audit
from tutela.accounts import services
from tutela.core.middleware import client_ip


@receiver(user_logged_in, dispatch_uid="tutela.accounts.logged_in")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(kind="auth", action="auth.login", target=user, subjects=[user.public_id])
    if request is not None and getattr(request, "session", None) is not None:
        if request.session.session_key is None:
            request.session.save()
        services.session_start(
            session_key=request.session.session_key,
            user=user,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            ip=client_ip(request),
        )


@receiver(user_logged_out, dispatch_uid="tutela.accounts.logged_out")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        reason = getattr(request, "tutela_session_end", "")
        action = f"auth.session_{reason}" if reason else "auth.logout"
        audit.record(kind="auth", action=action, target=user, subjects=[user.public_id])
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        services.session_end(session_key=key)


@receiver(user_login_failed, dispatch_uid="tutela.accounts.login_failed")
def _login_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    audit.record(kind="auth", action="auth.login_failed")
