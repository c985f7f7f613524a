from django.apps import AppConfig


class TtaConfig(AppConfig):
    name = "tta"
    verbose_name = "Training and technical assistance"
