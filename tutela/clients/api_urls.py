from django.urls import path

from tutela.clients import api

app_name = "clients-api"

urlpatterns = [path("clients/me/", api.ClientMeApi.as_view(), name="me")]
