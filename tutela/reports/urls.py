from django.urls import path

from tutela.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<uuid:public_id>/", views.cycle_detail, name="cycle"),
    path("cycles/<uuid:public_id>/generate/", views.cycle_generate, name="generate"),
    path("cycles/<uuid:public_id>/publish/", views.cycle_publish, name="publish"),
    path("cycles/<uuid:public_id>/pupils/<uuid:pupil_id>/comment/", views.comment, name="comment"),
    path("pupils/<uuid:public_id>/", views.pupil_overview, name="pupil_overview"),
    path("<uuid:public_id>/pdf/", views.download, name="download"),
]
