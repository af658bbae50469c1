"""Sign-in, the second factor, the user's own security settings and sessions, password reset. Thin views:
the rules are in two_factor.py, throttle.py, passkeys.py and services.py."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tutela import audit
from tutela.accounts import passkeys, services, throttle, two_factor
from tutela.accounts.forms import (
    EmailAuthenticationForm,
    EmailPasswordResetForm,
    RecoveryCodeForm,
    SecondFactorForm,
)
from tutela.accounts.middleware import session_key_hash, two_factor_exempt
from tutela.accounts.models import RecoveryCodes, TOTPDevice, UserSession, WebAuthnCredential

SHOWN_CODES = "tutela_recovery_codes_to_show"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


@method_decorator(two_factor_exempt, name="dispatch")
class LogoutView(auth_views.LogoutView):
    pass


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse("home")


# --- the second step of sign-in -----------------------------------------------------------------------------


@two_factor_exempt
def verify(request: HttpRequest) -> HttpResponse:
    """Password done; now a code from the authenticator app, a passkey, or a recovery code."""
    user = request.user
    if two_factor.is_verified(request):
        return redirect(_next(request))
    if not two_factor.has_confirmed_device(user):
        if two_factor.must_use_two_factor(user):
            return redirect(f"{reverse('accounts:security')}?next={quote(_next(request))}")
        return redirect(_next(request))
    code_form, recovery_form = SecondFactorForm(), RecoveryCodeForm()
    if request.method == "POST":
        if "recovery_code" in request.POST:
            recovery_form = RecoveryCodeForm(request.POST)
            device = RecoveryCodes.objects.filter(user=user, confirmed=True).first()
            if (
                recovery_form.is_valid()
                and device
                and device.verify_token(recovery_form.cleaned_data["recovery_code"])
            ):
                services.second_factor_verified(request=request, device=device, method="recovery_code")
                left = services.recovery_codes_left(user=user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. Make a new set on your security page if you are "
                    "running low, and set up your authenticator again if you lost it.",
                )
                return redirect(_next(request))
            services.second_factor_failed(user=user, method="recovery_code")
            recovery_form.add_error(None, "That recovery code was not recognised (each works once).")
        else:
            code_form = SecondFactorForm(request.POST)
            if code_form.is_valid():
                for device in TOTPDevice.objects.filter(user=user, confirmed=True):
                    if device.verify_token(code_form.cleaned_data["code"]):
                        services.second_factor_verified(request=request, device=device, method="totp")
                        return redirect(_next(request))
            services.second_factor_failed(user=user, method="totp")
            code_form.add_error(
                None,
                "That code was not accepted. Type the current code from your app (it changes every 30 s).",
            )
    return render(
        request,
        "accounts/verify.html",
        {
            "code_form": code_form,
            "recovery_form": recovery_form,
            "has_totp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "has_passkey": WebAuthnCredential.objects.filter(user=user, confirmed=True).exists(),
            "has_recovery": RecoveryCodes.objects.filter(user=user, confirmed=True).exists(),
            "next": _next(request),
        },
    )


@two_factor_exempt
@require_POST
def passkey_authenticate_options(request: HttpRequest) -> HttpResponse:
    options = passkeys.authentication_options(session=request.session, user=request.user)
    return HttpResponse(options, content_type="application/json")


@two_factor_exempt
@require_POST
def passkey_authenticate(request: HttpRequest) -> HttpResponse:
    try:
        credential = passkeys.authenticate(session=request.session, user=request.user, body=request.body)
    except passkeys.CeremonyFailed as failure:
        services.second_factor_failed(user=request.user, method="passkey")
        return JsonResponse({"ok": False, "message": str(failure)}, status=400)
    services.second_factor_verified(request=request, device=credential, method="passkey")
    return JsonResponse({"ok": True, "next": _next(request)})


# --- the user's own security page: enrolment and devices ----------------------------------------------------


def enrolment_view(view: Any) -> Any:
    """Reachable before verification only by someone who has no second factor yet (to set one up).

    Someone who has one must give it first: a stolen password alone must not add the thief's device."""

    @two_factor_exempt
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if two_factor.has_confirmed_device(request.user) and not two_factor.is_verified(request):
            return redirect(f"{reverse('accounts:verify')}?next={quote(request.get_full_path())}")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@enrolment_view
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = session_key_hash(request.session.session_key or "")
    return render(
        request,
        "accounts/security.html",
        {
            "required": two_factor.must_use_two_factor(user),
            "verified": two_factor.is_verified(request),
            "totp_devices": TOTPDevice.objects.filter(user=user, confirmed=True),
            "passkeys": WebAuthnCredential.objects.filter(user=user, confirmed=True),
            "has_device": two_factor.has_confirmed_device(user),
            "recovery_left": services.recovery_codes_left(user=user),
            "has_recovery": RecoveryCodes.objects.filter(user=user).exists(),
            "sessions": UserSession.objects.filter(user=user).order_by("-last_seen_at"),
            "current_session": current,
            "next": request.GET.get("next", ""),
        },
    )


def _qr_svg(uri: str) -> str:
    """The otpauth URI as an SVG data URI for an <img>: drawn here (segno), nothing from another origin."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


@enrolment_view
def totp_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    form = SecondFactorForm()
    if request.method == "POST" and device is not None:
        form = SecondFactorForm(request.POST)
        if form.is_valid() and services.totp_device_confirm(device=device, code=form.cleaned_data["code"]):
            device.refresh_from_db()
            services.second_factor_verified(request=request, device=device, method="totp")
            codes = services.recovery_codes_generate(user=user)
            request.session[SHOWN_CODES] = codes
            messages.success(request, "Your authenticator app is set up.")
            return redirect("accounts:recovery_codes")
        form.add_error(None, "That code was not accepted: type the 6-digit code your app shows now.")
    elif device is None or request.method == "GET":
        device = services.totp_device_start(user=user)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    uri = (
        f"otpauth://totp/Tutela:{quote(user.email)}?secret={secret}&issuer=Tutela"
        f"&algorithm=SHA1&digits={TOTPDevice.DIGITS}&period={TOTPDevice.STEP}"
    )
    return render(
        request,
        "accounts/totp_setup.html",
        {
            "form": form,
            "qr": _qr_svg(uri),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )


@enrolment_view
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Shows a new set once (after enrolment or on request); only a verified session may make a new set."""
    if request.method == "POST":
        if not two_factor.is_verified(request):
            return redirect("accounts:verify")
        request.session[SHOWN_CODES] = services.recovery_codes_generate(user=request.user)
        return redirect("accounts:recovery_codes")
    codes = request.session.pop(SHOWN_CODES, None)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "left": services.recovery_codes_left(user=request.user), "next": _next(request)},
    )


@enrolment_view
@require_POST
def passkey_register_options(request: HttpRequest) -> HttpResponse:
    options = passkeys.registration_options(session=request.session, user=request.user)
    return HttpResponse(options, content_type="application/json")


@enrolment_view
@require_POST
def passkey_register(request: HttpRequest) -> HttpResponse:
    had_device = two_factor.has_confirmed_device(request.user)
    try:
        credential = passkeys.register(session=request.session, user=request.user, body=request.body)
    except passkeys.CeremonyFailed as failure:
        return JsonResponse({"ok": False, "message": str(failure)}, status=400)
    if not two_factor.is_verified(request):
        services.second_factor_verified(request=request, device=credential, method="passkey")
    if not had_device:
        request.session[SHOWN_CODES] = services.recovery_codes_generate(user=request.user)
        return JsonResponse({"ok": True, "next": reverse("accounts:recovery_codes")})
    return JsonResponse({"ok": True, "next": reverse("accounts:security")})


@require_POST
def device_remove(request: HttpRequest, kind: str, public_id: Any) -> HttpResponse:
    model = {"totp": TOTPDevice, "passkey": WebAuthnCredential}.get(kind)
    device = model.objects.filter(user=request.user, public_id=public_id).first() if model else None
    if device is None:
        raise Http404
    try:
        services.device_remove(user=request.user, device=device)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Removed.")
    return redirect("accounts:security")


# --- sessions -----------------------------------------------------------------------------------------------


@require_POST
def session_revoke(request: HttpRequest, public_id: Any) -> HttpResponse:
    session = UserSession.objects.filter(user=request.user, public_id=public_id).first()
    if session is None:
        raise Http404
    services.session_revoke(user=request.user, session=session)
    if session.key_hash == session_key_hash(request.session.session_key or ""):
        return redirect("accounts:login")  # this browser's own session: the next request signs it out
    messages.success(request, "That session is signed out.")
    return redirect("accounts:security")


@require_POST
def sessions_revoke_others(request: HttpRequest) -> HttpResponse:
    count = services.sessions_revoke_all(user=request.user, except_key=request.session.session_key or "")
    messages.success(request, f"Signed out everywhere else ({count} other sessions).")
    return redirect("accounts:security")


# --- passwords ----------------------------------------------------------------------------------------------


@method_decorator(two_factor_exempt, name="dispatch")  # usable without signing in at all
class EnrolView(auth_views.PasswordResetConfirmView):
    """Choose a password from a one-time link (create_admin, enrolment_link, or a reset email). The token
    leaves the URL before the form is shown, so it is not in the browser history or a Referer header.
    Setting the password signs out every session of the account (and the hash change ends them too)."""

    template_name = "accounts/enrol.html"
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(
            kind="auth", action="auth.password_set", target=self.user, subjects=[self.user.public_id]
        )
        services.sessions_revoke_all(user=self.user)
        throttle.clear_account(self.user.email)
        messages.success(self.request, "Your password is set. Sign in with it now.")
        return response


@method_decorator(two_factor_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """The same answer whether the email has an account or not; the link is the enrolment link."""

    template_name = "accounts/password_reset.html"
    form_class = EmailPasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_email_context = {"base_url": settings.TUTELA_URL}

    def form_valid(self, form):
        from tutela.accounts.backends import user_by_email

        user = user_by_email(form.cleaned_data["email"])
        audit.record(
            kind="auth",
            action="auth.password_reset_requested",
            target=user if user is not None and user.is_active else None,
            subjects=[user.public_id] if user is not None and user.is_active else [],
        )
        return super().form_valid(form)


@method_decorator(two_factor_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"
