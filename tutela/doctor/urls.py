from django.urls import path

from tutela.doctor import views

app_name = "doctor"

urlpatterns = [path("doctor/", views.doctor, name="report")]
