from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "tutela.schools"
    label = "schools"

    def ready(self) -> None:
        from tutela.schools import rules  # noqa: F401
