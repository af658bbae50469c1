from django.urls import path

from tutela.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("enrol/<uidb64>/<token>/", views.EnrolView.as_view(), name="enrol"),
]
