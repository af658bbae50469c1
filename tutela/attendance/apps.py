from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "tutela.attendance"
    label = "attendance"
