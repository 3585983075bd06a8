from django.apps import AppConfig

__all__ = ["MacrosConfig"]


class MacrosConfig(AppConfig):
    name = "sladesk.macros"
    label = "macros"
    verbose_name = "Macros"
