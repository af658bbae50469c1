from django.apps import AppConfig


class BehaviourConfig(AppConfig):
    name = "tutela.behaviour"
    label = "behaviour"
