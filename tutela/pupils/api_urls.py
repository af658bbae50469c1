from django.urls import path

from tutela.pupils import api

app_name = "pupils-api"

urlpatterns = [
    path("pupils/", api.PupilListApi.as_view(), name="list"),
    path("pupils/search/", api.PupilSearchApi.as_view(), name="search"),
    path("pupils/<uuid:public_id>/", api.PupilDetailApi.as_view(), name="detail"),
    path("classes/", api.ClassListApi.as_view(), name="classes"),
    path("classes/<uuid:public_id>/", api.ClassDetailApi.as_view(), name="class_detail"),
]
