"""Sign-ins, sign-outs and failed attempts go to the audit log (the typed email never does)."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from tutela import audit


@receiver(user_logged_in, dispatch_uid="tutela.accounts.logged_in")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(kind="auth", action="auth.login", target=user, subjects=[user.public_id])


@receiver(user_logged_out, dispatch_uid="tutela.accounts.logged_out")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(kind="auth", action="auth.logout", target=user, subjects=[user.public_id])


@receiver(user_login_failed, dispatch_uid="tutela.accounts.login_failed")
def _login_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    audit.record(kind="auth", action="auth.login_failed")
