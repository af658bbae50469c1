from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "tutela.backups"
    label = "backups"
