from django.urls import path

from tutela.behaviour import api

app_name = "behaviour-api"

urlpatterns = [
    path("categories/", api.CategoryListApi.as_view(), name="categories"),
    path("incidents/", api.IncidentListApi.as_view(), name="incidents"),
    path("incidents/<uuid:public_id>/", api.IncidentDetailApi.as_view(), name="incident"),
]
