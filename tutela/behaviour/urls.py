from django.urls import path

from tutela.behaviour import views

app_name = "behaviour"

urlpatterns = [
    path("", views.home, name="home"),
    path("record/", views.record, name="record"),
    path("record/pupils/", views.record_pupils, name="record_pupils"),
    path("incidents/<uuid:public_id>/", views.incident_detail, name="incident"),
    path("incidents/<uuid:public_id>/status/", views.incident_status, name="incident_status"),
    path("incidents/<uuid:public_id>/outcomes/", views.outcome_add, name="outcome_add"),
    path("incidents/<uuid:public_id>/delete/", views.incident_delete, name="incident_delete"),
    path("outcomes/<uuid:public_id>/state/", views.outcome_state, name="outcome_state"),
    path("pupils/<uuid:public_id>/", views.pupil_timeline, name="pupil"),
    path("forms/<uuid:public_id>/", views.form_summary, name="form"),
    path("years/<uuid:public_id>/", views.year_summary, name="year"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<uuid:public_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("detentions/", views.detentions, name="detentions"),
    path("settings/", views.school_settings, name="settings"),
]
