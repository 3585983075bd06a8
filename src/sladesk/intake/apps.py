"""The Django side of the email channel: stored raw mail, routing, the pipeline, SMTP/IMAP.

`sladesk.intake.email` (no Django) parses; this app stores the raw message first, then
routes, threads and writes tickets through `sladesk.tickets.services`.
"""

from django.apps import AppConfig

__all__ = ["IntakeConfig"]


class IntakeConfig(AppConfig):
    name = "sladesk.intake"
    label = "intake"
    verbose_name = "Email intake"

    def ready(self) -> None:
        from .reactions import subscribe_all

        subscribe_all()
