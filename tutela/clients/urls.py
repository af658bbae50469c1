from django.urls import path

from tutela.clients import views

app_name = "clients"

urlpatterns = [
    path("clients/", views.client_list, name="list"),
    path("clients/new/", views.client_create, name="create"),
    path("clients/<uuid:public_id>/revoke/", views.client_revoke, name="revoke"),
]
