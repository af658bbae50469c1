from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "tutela.attendance"
    label = "attendance"

    def ready(self) -> None:
        from tutela.attendance import rules  # noqa: F401  (registers the policy rules)
