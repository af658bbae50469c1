from django.urls import path

from tutela.pupils import views

app_name = "pupils"

urlpatterns = [
    path("pupils/", views.pupil_list, name="list"),
    path("pupils/search/", views.pupil_search, name="search"),
    path("pupils/<uuid:public_id>/", views.pupil_profile, name="profile"),
    path("pupils/<uuid:public_id>/edit/", views.pupil_edit, name="edit"),
    path("pupils/<uuid:public_id>/photo/", views.pupil_photo_upload, name="photo_upload"),
    path("classes/", views.class_list, name="classes"),
    path("classes/<uuid:public_id>/", views.class_detail, name="class_detail"),
]
