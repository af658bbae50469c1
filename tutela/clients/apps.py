from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "tutela.clients"
    label = "clients"
