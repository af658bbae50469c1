from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "tutela.clients"
    label = "clients"

    def ready(self) -> None:
        from tutela.clients import rules, schema  # noqa: F401
