from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tutela.core"
    label = "core"

    def ready(self) -> None:
        from tutela.core import checks  # noqa: F401  (registers the start-up checks)
