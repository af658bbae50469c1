from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "tutela.vault"
    label = "vault"

    def ready(self) -> None:
        from tutela.vault import checks, search, tracking  # noqa: F401  (registers checks and signals)
