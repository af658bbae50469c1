from django.urls import path

from tutela.attendance import views

app_name = "attendance"

urlpatterns = [
    path("", views.today, name="today"),
    path("registers/<uuid:public_id>/", views.register_take, name="register"),
    path("marks/<uuid:public_id>/leave/", views.mark_leave, name="mark_leave"),
    path("office/", views.office, name="office"),
    path("roll-call/", views.roll_call, name="roll_call"),
    path("visitors/", views.visitors, name="visitors"),
    path("visitors/<uuid:public_id>/sign-out/", views.visitor_sign_out, name="visitor_sign_out"),
    path("pupils/<uuid:public_id>/", views.pupil_summary, name="pupil"),
    path("reports/", views.reports, name="reports"),
    path("office/codes/", views.sub_codes, name="sub_codes"),
]
