from django.apps import AppConfig


class DoctorConfig(AppConfig):
    name = "tutela.doctor"
    label = "doctor"

    def ready(self) -> None:
        from tutela.doctor import rules  # noqa: F401
