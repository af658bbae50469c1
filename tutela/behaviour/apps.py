from django.apps import AppConfig


class BehaviourConfig(AppConfig):
    name = "tutela.behaviour"
    label = "behaviour"

    def ready(self) -> None:
        from tutela.behaviour import rules  # noqa: F401
