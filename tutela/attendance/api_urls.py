from django.urls import path

from tutela.attendance import api

app_name = "attendance-api"

urlpatterns = [
    path("registers/", api.RegisterListApi.as_view(), name="registers"),
    path("registers/<uuid:public_id>/", api.RegisterDetailApi.as_view(), name="register"),
    path("registers/<uuid:public_id>/marks/", api.RegisterSubmitApi.as_view(), name="register_submit"),
    path("pupils/<uuid:public_id>/marks/", api.PupilMarksApi.as_view(), name="pupil_marks"),
]
