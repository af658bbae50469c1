from django.urls import path

from tutela.assessment import api

app_name = "assessment-api"

urlpatterns = [
    path("scales/", api.ScaleListApi.as_view(), name="scales"),
    path("markbooks/<uuid:public_id>/", api.MarkbookApi.as_view(), name="markbook"),
    path("columns/<uuid:column_id>/pupils/<uuid:pupil_id>/", api.MarkApi.as_view(), name="mark"),
    path("results/", api.ResultListApi.as_view(), name="results"),
]
