from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError

from tutela.accounts import throttle
from tutela.accounts.backends import user_by_email
from tutela.core.middleware import client_ip

LOCKED_MESSAGE = (
    "Too many failed sign-ins for this email address or from this network. Wait {minutes} minutes and try "
    "again, or reset your password."
)


class EmailAuthenticationForm(AuthenticationForm):
    """Email and password, with lockout per account and per address (tutela.accounts.throttle).

    The answer for a locked account is the same whether the email has an account or not."""

    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    error_messages = {**AuthenticationForm.error_messages, "locked": LOCKED_MESSAGE}

    def clean(self) -> dict[str, Any]:
        from django.conf import settings

        email = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password")
        if not email or not password:
            return super().clean()
        found = throttle.keys_for(email=email, ip=client_ip(self.request) if self.request else None)
        if throttle.is_locked(found):
            raise ValidationError(
                LOCKED_MESSAGE.format(minutes=settings.TUTELA_SIGNIN_LOCKOUT_MINUTES), code="locked"
            )
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if error.code == "invalid_login" or any(
                getattr(e, "code", "") == "invalid_login" for e in error.error_list
            ):
                locked = throttle.record_failure(found, user=user_by_email(email))
                if locked:
                    raise ValidationError(
                        LOCKED_MESSAGE.format(minutes=settings.TUTELA_SIGNIN_LOCKOUT_MINUTES), code="locked"
                    ) from None
            raise
        throttle.record_success(found)
        return cleaned


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label="Recovery code", max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class EmailPasswordResetForm(PasswordResetForm):
    """Django's reset form, finding the account by blind index (the email column is encrypted)."""

    def get_users(self, email: str):  # type: ignore[override]
        user = user_by_email(email)
        if user is not None and user.is_active and user.has_usable_password():
            yield user
