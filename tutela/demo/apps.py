from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "tutela.demo"
    label = "demo"
    verbose_name = "Demo data"
