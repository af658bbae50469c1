from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tutela.reports"
    label = "reports"

    def ready(self) -> None:
        from tutela.reports import rules  # noqa: F401
