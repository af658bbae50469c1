from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from tutela import audit
from tutela.accounts.forms import EmailAuthenticationForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class EnrolView(auth_views.PasswordResetConfirmView):
    """Choose a password from a one-time link (create_admin, enrolment_link). The token leaves the URL
    before the form is shown, so it is not in the browser history or a Referer header."""

    template_name = "accounts/enrol.html"
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(
            kind="auth", action="auth.password_set", target=self.user, subjects=[self.user.public_id]
        )
        messages.success(self.request, "Your password is set. Sign in with it now.")
        return response
