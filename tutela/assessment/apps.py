from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "tutela.assessment"
    label = "assessment"
