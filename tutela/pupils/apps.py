from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "tutela.pupils"
    label = "pupils"

    def ready(self) -> None:
        from tutela.pupils import rules  # noqa: F401
