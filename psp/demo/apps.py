from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "psp.demo"
    label = "demo"
    verbose_name = "Demo data"
