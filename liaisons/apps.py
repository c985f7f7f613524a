from django.apps import AppConfig


class LiaisonsConfig(AppConfig):
    name = "liaisons"
    verbose_name = "Liaisons and site visits"
