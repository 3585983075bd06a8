"""The Django side of notifications: durable timers, the transactional outbox, pages.

The framework-free delivery code (`sladesk.notify.channels`, `sladesk.notify.retry`) stays
importable without Django; this app adds the models, the workers and the views around it.
"""

from django.apps import AppConfig

__all__ = ["NotifyConfig"]


class NotifyConfig(AppConfig):
    name = "sladesk.notify"
    label = "notify"
    verbose_name = "Timers and notifications"

    def ready(self) -> None:
        from .reactions import subscribe_all

        subscribe_all()
