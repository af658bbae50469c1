from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "tutela.assessment"
    label = "assessment"

    def ready(self) -> None:
        from tutela.assessment import rules  # noqa: F401
