"""The status page app: components, incidents, maintenance, checks, subscribers."""

from django.apps import AppConfig

__all__ = ["StatusConfig"]


class StatusConfig(AppConfig):
    name = "sladesk.status"
    label = "status"
    verbose_name = "Status page"

    def ready(self) -> None:
        from . import reactions

        reactions.connect()
