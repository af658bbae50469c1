from django.urls import path

from tutela.assessment import views

app_name = "assessment"

urlpatterns = [
    path("markbooks/", views.markbook_list, name="markbooks"),
    path("markbooks/<uuid:public_id>/", views.markbook_detail, name="markbook"),
    path("markbooks/<uuid:public_id>/columns/", views.column_create, name="column_create"),
    path("markbooks/<uuid:public_id>/undo/", views.undo, name="undo"),
    path("markbooks/<uuid:public_id>/grades/", views.grades, name="grades"),
    path("markbooks/<uuid:public_id>/objectives/", views.objectives, name="objectives"),
    path("columns/<uuid:public_id>/paste/", views.column_paste, name="paste"),
    path("columns/<uuid:column_id>/pupils/<uuid:pupil_id>/", views.cell, name="cell"),
    path("targets/<uuid:public_id>/", views.target, name="target"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/pupils/", views.drill, name="drill"),
]
