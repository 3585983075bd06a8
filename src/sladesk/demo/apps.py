from django.apps import AppConfig

__all__ = ["DemoConfig"]


class DemoConfig(AppConfig):
    name = "sladesk.demo"
    label = "demo"
    verbose_name = "Demo data"
