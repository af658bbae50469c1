from django.urls import path

from tutela.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("enrol/<uidb64>/<token>/", views.EnrolView.as_view(), name="enrol"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("verify/", views.verify, name="verify"),
    path("verify/passkey/options/", views.passkey_authenticate_options, name="passkey_auth_options"),
    path("verify/passkey/", views.passkey_authenticate, name="passkey_auth"),
    path("security/", views.security, name="security"),
    path("security/authenticator/", views.totp_setup, name="totp_setup"),
    path("security/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("security/passkey/options/", views.passkey_register_options, name="passkey_register_options"),
    path("security/passkey/", views.passkey_register, name="passkey_register"),
    path("security/<str:kind>/<uuid:public_id>/remove/", views.device_remove, name="device_remove"),
    path("sessions/<uuid:public_id>/revoke/", views.session_revoke, name="session_revoke"),
    path("sessions/revoke-others/", views.sessions_revoke_others, name="sessions_revoke_others"),
]
