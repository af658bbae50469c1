from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tutela.reports"
    label = "reports"
