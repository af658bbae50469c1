from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "tutela.policy"
    label = "policy"

    def ready(self) -> None:
        from tutela.policy import checks  # noqa: F401
